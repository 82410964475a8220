"""What an answer column yields: a :class:`CacheDocument` (the cache column only), text :class:`Chunk` s, and
one :class:`ColumnDone`. Typed up to the edge: the HTTP and gateway layers format them (``to_dict``)."""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from nearhit.cache.choose import without_index_evidence
from nearhit.cache.results import LookupResult
from nearhit.llm import ToolCallDelta
from nearhit.service.hits import ServedHit
from nearhit.service.store_health import StoreOutcome
from nearhit.service.telemetry import ColumnRecord


@dataclass(frozen=True)
class CacheDocument:
    """What the cache did before any text: the lookup's result, or why the cache was not used."""

    scope_id: str
    result: LookupResult | None = None
    degraded: str | None = None
    """Why the cache could not be used (the LLM answers without it), or None."""
    bypass: str | None = None
    """Why the lookup was skipped on purpose, or None."""
    served: ServedHit | None = None
    """On a hit: the answer served and what it saved, known before any text is sent."""
    index_evidence: bool = False
    """Show the wrong-hit bound's evidence (every tenant's labels): for an admin only
    (:func:`nearhit.cache.choose.without_index_evidence`)."""

    @property
    def hit(self) -> bool:
        return self.result is not None and self.result.answer is not None

    def to_dict(self) -> dict[str, Any]:
        """The JSON form (``cache_document`` in ``/ask`` and ``/ask/stream``)."""
        if self.result is None:
            return {
                "match": None,
                "hit": False,
                "degraded": self.degraded is not None,
                "reason": self.degraded or self.bypass,
                "scope_id": self.scope_id,
            }
        started = {"llm_started": True} if self.served is not None and self.served.llm_started else {}
        data = self.result.to_dict() | {"degraded": False, "reason": None} | started
        if data["bound"] is not None and not self.index_evidence:
            data["bound"] = without_index_evidence(data["bound"])
            if data["rejected_by"] == "bound":
                data["rejection_reason"] = data["bound"]["reason"]
        return data


@dataclass(frozen=True)
class Chunk:
    """A piece of the answer: text (with its tokens' ``logprobs`` when asked for), or (``tool_call``) a piece
    of a tool call with empty text."""

    text: str
    tool_call: ToolCallDelta | None = None
    logprobs: tuple[Mapping[str, Any], ...] = ()
    refusal: bool = False  # the model's refusal (OpenAI's ``delta.refusal``), not its answer


@dataclass(frozen=True)
class ColumnDone:
    """The end of a column. ``status`` is ``done``, ``degraded`` (answered without the cache) or ``error``.

    ``internal`` marks an error of nearhit's own (a bug) rather than the LLM's. ``store`` is what became of
    a cache miss's answer (None on a hit and on the raw column), ``store_reason`` why it was skipped or failed.
    """

    status: Literal["done", "degraded", "error"]
    record: ColumnRecord
    finish_reason: str | None = None
    error: str | None = None
    error_status: int | None = None
    retry_after: float | None = None
    text: str = ""
    internal: bool = False
    store: StoreOutcome | None = None
    store_reason: str | None = None


ColumnEvent = CacheDocument | Chunk | ColumnDone


@dataclass
class Clock:
    """A column's times: first piece of text, last piece, total."""

    started: float = field(default_factory=time.perf_counter)
    first: float | None = None
    last: float | None = None

    def mark_first(self) -> None:
        if self.first is None:
            self.first = time.perf_counter()

    def mark_last(self) -> None:
        """The answer is complete (what comes after, the store, is not the answer's latency)."""
        self.last = time.perf_counter()

    @property
    def ttft_ms(self) -> float | None:
        return None if self.first is None else round((self.first - self.started) * 1000, 3)

    @property
    def total_ms(self) -> float:
        end = self.last if self.last is not None else time.perf_counter()
        return round((end - self.started) * 1000, 3)
