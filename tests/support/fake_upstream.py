"""A real HTTP server on 127.0.0.1 that speaks OpenAI's chat completions API as scripted by each test.

It runs in a thread (stdlib ``http.server``), so the provider goes through the real ``openai`` SDK, httpx and
sockets: status codes, SSE framing, stalls and dropped connections behave as they do against a real server.
"""

from __future__ import annotations

import contextlib
import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

UPSTREAM_MODEL = "gpt-4o-2024-08-06"


@dataclass
class Pause:
    """Send nothing for this long (a stall), unless the server is shutting down."""

    seconds: float


@dataclass
class Raw:
    """Bytes sent in the stream as they are (an event no JSON encoder would write, framing of one's own)."""

    data: bytes


@dataclass
class Status:
    """An HTTP error with OpenAI's error body."""

    code: int
    message: str = "scripted error"
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Stream:
    """A 200 SSE response: chunk dicts, ``Pause``s and ``Raw`` bytes, then ``[DONE]``; with ``drop`` the connection
    is cut mid-body instead (a chunked response without its last chunk)."""

    items: list[dict[str, Any] | Pause | Raw]
    drop: bool = False


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, list[str]]
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any] | None


Reply = Status | Stream | Pause


class FakeUpstream:
    """Replies to chat completions from a script (the last reply repeats), or by the model a request names
    (``by_model``: a server calling two models at once, whose order is not the script's); answers ``GET .../models``."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.script: list[Reply] = []
        self.by_model: dict[str, Reply] = {}
        self.stopping = threading.Event()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self.root = f"http://127.0.0.1:{self._server.server_address[1]}"
        self.base_url = f"{self.root}/v1"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def reset(self, *script: Reply, by_model: dict[str, Reply] | None = None) -> None:
        with self._lock:
            self.requests.clear()
            self.script = list(script)
            self.by_model = dict(by_model or {})

    @property
    def chat_requests(self) -> list[Recorded]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    def next_reply(self, recorded: Recorded) -> Reply:
        with self._lock:
            self.requests.append(recorded)
            model = (recorded.body or {}).get("model")
            if model in self.by_model:
                return self.by_model[model]
            if len(self.script) > 1:
                return self.script.pop(0)
            return self.script[0]

    def close(self) -> None:
        self.stopping.set()
        self._server.shutdown()
        self._server.server_close()

    @staticmethod
    def chunk(
        content: str | None = None,
        *,
        finish_reason: str | None = None,
        usage: tuple[int, int] | None = None,
        role: bool = False,
        model: str = UPSTREAM_MODEL,
    ) -> dict[str, Any]:
        """One ``chat.completion.chunk``; with ``usage`` it is the final usage-only chunk (no choices)."""
        base: dict[str, Any] = {
            "id": "chatcmpl-test",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
        }
        if usage is not None:
            prompt, completion = usage
            total = prompt + completion
            usage_body = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": total}
            return {**base, "choices": [], "usage": usage_body}
        delta: dict[str, Any] = {"role": "assistant"} if role else {}
        if content is not None:
            delta["content"] = content
        return {**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}]}

    def answer(self, *pieces: str, usage: tuple[int, int] | None = None, model: str = UPSTREAM_MODEL) -> Stream:
        """A normal streamed answer from ``model``: a role chunk, one chunk per piece, ``stop``, then usage if
        given."""
        items: list[dict[str, Any] | Pause | Raw] = [self.chunk(role=True, content="", model=model)]
        items += [self.chunk(piece, model=model) for piece in pieces]
        items.append(self.chunk(finish_reason="stop", model=model))
        if usage is not None:
            items.append(self.chunk(usage=usage, model=model))
        return Stream(items)


def _handler_for(upstream: FakeUpstream) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # chunked bodies, so a dropped connection is detectably incomplete

        def log_message(self, format: str, *args: Any) -> None:
            """Quiet: pytest shows failures, not access logs."""

        def do_GET(self) -> None:
            self._record(None)
            self._send_json(200, {"object": "list", "data": [{"id": "gpt-4o", "object": "model"}]})

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            reply = upstream.next_reply(self._record(json.loads(self.rfile.read(length) or b"{}")))
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):  # the client gave up
                self._send(reply)

        def _record(self, body: dict[str, Any] | None) -> Recorded:
            url = urlsplit(self.path)
            headers = {name.lower(): value for name, value in self.headers.items()}
            recorded = Recorded(self.command, url.path, parse_qs(url.query), headers, body)
            if body is None:
                upstream.requests.append(recorded)
            return recorded

        def _send(self, reply: Reply) -> None:
            if isinstance(reply, Pause):
                upstream.stopping.wait(reply.seconds)
                return
            if isinstance(reply, Status):
                error = {"message": reply.message, "type": "scripted", "code": str(reply.code)}
                self._send_json(reply.code, {"error": error}, reply.headers)
                return
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Transfer-Encoding", "chunked")
            self.send_header("Connection", "close")
            self.end_headers()
            for item in reply.items:
                if isinstance(item, Pause):
                    upstream.stopping.wait(item.seconds)
                elif isinstance(item, Raw):
                    self._send_chunk(item.data)
                else:
                    self._send_chunk(f"data: {json.dumps(item)}\n\n".encode())
            if not reply.drop:
                self._send_chunk(b"data: [DONE]\n\n")
                self.wfile.write(b"0\r\n\r\n")

        def _send_chunk(self, data: bytes) -> None:
            self.wfile.write(f"{len(data):X}\r\n".encode() + data + b"\r\n")
            self.wfile.flush()

        def _send_json(self, code: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

    return Handler
