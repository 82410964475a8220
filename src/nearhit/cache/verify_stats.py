"""The counters of the optional check of a conversation's hit (:mod:`nearhit.cache.verified`), kept with the cache's
hit counters so ``nearhit cache stats`` and ``/cache/stats`` show what the check costs and what it refuses."""

from nearhit.cache.model_calls import Counters

VERIFIES = "verifies"
"""Calls made to the check's model (a verdict read back from Redis is not one)."""
VERIFIES_CACHED = "verifies_cached"
"""Verdicts read back from Redis (the same request for the same entry again), or shared with the same request's call
still running (a burst of it): no call."""
VERIFY_REFUSALS = "verify_refusals"
"""Hits refused because the model said no (kept verdicts too); a failed check is counted in ``verify_failures``."""
VERIFY_FAILURES = "verify_failures"
"""Calls that failed, timed out or sent a reply that is neither yes nor no: the hit was refused (fail closed)."""
VERIFIES_SKIPPED = "verifies_skipped"
"""Checks not asked because the model kept failing (:class:`nearhit.llm.lookup_model.Breaker`): the hit refused at
once (fail closed), no call."""
VERIFY_PROMPT_TOKENS = "verify_prompt_tokens"
VERIFY_COMPLETION_TOKENS = "verify_completion_tokens"
VERIFY_COST_MICRO_USD = "verify_cost_micro_usd"
"""What the calls cost, in millionths of a dollar (priced as the other LLM calls are)."""
VERIFY_MS = "verify_ms"
"""Milliseconds spent waiting for the calls, in all (divide by ``verifies`` for the mean)."""

COUNTERS = Counters(
    VERIFIES,
    VERIFIES_CACHED,
    VERIFY_FAILURES,
    VERIFIES_SKIPPED,
    VERIFY_PROMPT_TOKENS,
    VERIFY_COMPLETION_TOKENS,
    VERIFY_COST_MICRO_USD,
    VERIFY_MS,
)
"""The counters :func:`nearhit.cache.model_calls.kept_or_asked` adds to for the check."""

VERIFY_FIELDS = (
    VERIFIES,
    VERIFIES_CACHED,
    VERIFY_REFUSALS,
    VERIFY_FAILURES,
    VERIFIES_SKIPPED,
    VERIFY_PROMPT_TOKENS,
    VERIFY_COMPLETION_TOKENS,
    VERIFY_COST_MICRO_USD,
    VERIFY_MS,
)
