"""'Observed' mode: the calculator's inputs taken from what the service actually measured (telemetry).

Pure: it reads a ``/telemetry/summary`` document; fetching it is the caller's job.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from nearhit.errors import InvalidInput


@dataclass(frozen=True, slots=True)
class Observed:
    """Means and rates over every request the cache column answered."""

    requests: int
    hit_rate: float
    input_tokens: int
    output_tokens: int
    llm_latency_ms: float | None
    model: str | None


def from_summary(summary: dict[str, Any]) -> Observed:
    """Hit rate from all cache-column requests; token means from the answers the LLM gave on misses (a hit
    spends no tokens, so it says nothing about them); LLM latency from the raw column's median."""
    totals = summary.get("all_time") or {}
    requests = int(totals.get("cache_requests") or 0)
    if requests == 0:
        raise InvalidInput("no telemetry yet: answer some requests first (the demo, /ask or the gateway)")
    hits = int(totals.get("exact_hits") or 0) + int(totals.get("semantic_hits") or 0)
    # Misses, bypasses and degraded answers all came from the LLM; errors produced no answer.
    answered_by_llm = requests - hits - int(totals.get("errors") or 0)
    if answered_by_llm == 0:
        raise InvalidInput("telemetry has no cache miss yet, so no token means: ask at least one new question")
    raw_latency = ((totals.get("latency") or {}).get("raw") or {}).get("total_ms") or {}
    return Observed(
        requests=requests,
        hit_rate=float(totals.get("hit_rate") or 0.0),
        input_tokens=max(1, round(int(totals.get("cache_prompt_tokens") or 0) / answered_by_llm)),
        output_tokens=max(1, round(int(totals.get("cache_completion_tokens") or 0) / answered_by_llm)),
        llm_latency_ms=raw_latency.get("p50"),
        model=summary.get("priced_as"),
    )
