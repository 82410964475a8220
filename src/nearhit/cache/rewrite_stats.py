"""The counters of the optional standalone rewrite (:mod:`nearhit.cache.standalone`), kept with the cache's
hit counters so ``nearhit cache stats`` and ``/stats`` show what the rewrite costs and what it serves."""

from nearhit.cache.model_calls import Counters

REWRITES = "rewrites"
"""Calls made to the rewrite model (a rewrite read back from Redis is not one)."""
REWRITES_CACHED = "rewrites_cached"
"""Rewrites read back from Redis (a repeated conversation), or shared with the same conversation's call still running
(a burst of it): no call."""
REWRITE_FAILURES = "rewrite_failures"
"""Calls that failed or timed out: the lookup went on as if no rewrite were configured."""
REWRITES_SKIPPED = "rewrites_skipped"
"""Rewrites not asked because the model kept failing (:class:`nearhit.llm.lookup_model.Breaker`): the lookup went on
without one at once, no call."""
REWRITE_HITS = "rewrite_hits"
"""Conversations served a single question's answer through their rewrite."""
REWRITE_PROMPT_TOKENS = "rewrite_prompt_tokens"
REWRITE_COMPLETION_TOKENS = "rewrite_completion_tokens"
REWRITE_COST_MICRO_USD = "rewrite_cost_micro_usd"
"""What the calls cost, in millionths of a dollar (priced as the other LLM calls are)."""
REWRITE_MS = "rewrite_ms"
"""Milliseconds spent waiting for the calls, in all (divide by ``rewrites`` for the mean)."""

REWRITE_FIELDS = (
    REWRITES,
    REWRITES_CACHED,
    REWRITE_FAILURES,
    REWRITES_SKIPPED,
    REWRITE_HITS,
    REWRITE_PROMPT_TOKENS,
    REWRITE_COMPLETION_TOKENS,
    REWRITE_COST_MICRO_USD,
    REWRITE_MS,
)

COUNTERS = Counters(
    REWRITES,
    REWRITES_CACHED,
    REWRITE_FAILURES,
    REWRITES_SKIPPED,
    REWRITE_PROMPT_TOKENS,
    REWRITE_COMPLETION_TOKENS,
    REWRITE_COST_MICRO_USD,
    REWRITE_MS,
)
"""The counters :func:`nearhit.cache.model_calls.kept_or_asked` adds to for the rewrite."""
