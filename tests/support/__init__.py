"""Helpers shared by the tests: free ports, servers (in-loop and in a process), the fake OpenAI upstream, an SSE
reader, parts that fail on purpose, expired-but-listed entries, ``eventually`` for waiting on a condition and one
TLS context for every client."""
