"""What the cache hands back, as values: a lookup's result and its candidates, a stored answer, a search hit,
the statistics. No I/O here; the HTTP, gateway and CLI layers format these (``to_dict``) at their edge."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Match = Literal["exact", "semantic"]


@dataclass(frozen=True)
class CachedAnswer:
    """A stored answer as read back from Redis (:func:`nearhit.cache.entry.read_answer`)."""

    doc_id: str
    prompt: str
    response: str
    model: str
    tenant: str
    created_at: float
    prompt_tokens: int
    completion_tokens: int
    cost_usd: float | None = None
    """What the call that produced it cost (its price at store time); None for an entry stored without one."""


@dataclass(frozen=True)
class Candidate:
    """A semantic neighbour that was considered, and what became of it."""

    doc_id: str
    prompt: str
    similarity: float
    outcome: Literal[
        "served",
        "below_threshold",
        "rejected_by_guard",
        "rejected_by_decision",
        "rejected_by_feedback",
        "withheld",
        "not_needed",
    ]
    guard: str | None = None
    reason: str | None = None
    score: float | None = None
    """The decision's probability that this candidate's answer serves the query (None: not judged)."""
    margin: Margin | None = None
    """Served under the threshold: by which margin (:data:`Margin`); None at or above it."""


Margin = Literal["quiet", "same_turns", "conversation", "decision", "judge"]
"""What serves a candidate under the similarity threshold: the guards' quiet band (``NEARHIT_GUARDS_QUIET_MARGIN``),
a conversation's entry with the same earlier turns or one whose turns matched (``cache.context_match``), the
calibrated decision's model margin (these three: ``NEARHIT_FITTED_MARGINS``), or the trained conversation judge
(``NEARHIT_CONVERSATION_JUDGE``, whatever the similarity: :mod:`nearhit.cache.judge`)."""


@dataclass(frozen=True)
class Probe:
    """A candidate withheld to learn from (``NEARHIT_MAX_WRONG_RATE``): label it once the LLM has answered.

    ``exploration`` is True when the static decision would have served it (an LLM call spent on learning), but
    for one the index's own labels refuse (``bound["refused"]``: withheld because the evidence says no);
    ``vetoed`` when a guard rejected it: its label is kept with the entry, not in the index's histogram (which
    measures what the guards let through)."""

    doc_id: str
    similarity: float
    exploration: bool
    cached_response: str
    vetoed: bool = False


@dataclass
class LookupResult:
    """What one lookup did: the match (if any), the numbers behind it, and the time each stage took."""

    match: Match | None
    threshold: float
    answer: CachedAnswer | None = None
    similarity: float | None = None
    distance: float | None = None
    rejected_by: str | None = None
    rejection_reason: str | None = None
    score: float | None = None
    """The decision's score of the candidate served, else of the best candidate judged."""
    decision_threshold: float | None = None
    """The score a candidate needs (None when the cache runs without the decision)."""
    top_features: list[dict[str, Any]] = field(default_factory=list)
    """The features that moved that score most: ``{feature, value, effect}`` (effect in log-odds)."""
    candidates: list[Candidate] = field(default_factory=list)
    timings_ms: dict[str, float] = field(default_factory=dict)
    query: dict[str, Any] | None = None
    embedding: list[float] | None = None
    scope_id: str = ""
    bound: dict[str, Any] | None = None  # the error-bounded decision, when NEARHIT_MAX_WRONG_RATE is set
    probe: Probe | None = None
    context: dict[str, Any] | None = None
    """For a conversation served by meaning: the earlier turns of the entry served (``turns``) and how close
    they are to the request's (``similarity``)."""
    rewrite: dict[str, Any] | None = None
    """A conversation's question as the rewrite model told it to stand alone (``NEARHIT_REWRITE_MODEL``), with
    what the rewrite took and cost (:mod:`nearhit.cache.standalone`); None when none was asked for."""
    verify: dict[str, Any] | None = None
    """The check of a conversation's semantic hit by a model (``NEARHIT_VERIFY_MODEL``): its verdict (``serves``) or
    its ``error``, model, time, tokens and price (:mod:`nearhit.cache.verified`); None when no check was made."""

    @property
    def hit(self) -> bool:
        return self.match is not None

    @property
    def doc_id(self) -> str | None:
        return self.answer.doc_id if self.answer else None

    def to_dict(self, embedding_head: int = 8) -> dict[str, Any]:
        """JSON-ready, with the embedding cut to its first ``embedding_head`` values. Built field by field (it
        runs for every ``/ask`` answer): ``dataclasses.asdict`` would deep-copy the embedding and the query."""
        data = dict(vars(self))
        data["answer"] = dict(vars(self.answer)) if self.answer else None
        data["candidates"] = [dict(vars(c)) for c in self.candidates]
        data["probe"] = dict(vars(self.probe)) if self.probe else None
        data["hit"] = self.hit
        data["doc_id"] = self.doc_id
        data["response"] = self.answer.response if self.answer else None
        if self.probe is not None:  # the withheld answer is not the caller's: say which entry, not what it says
            del data["probe"]["cached_response"]
        if self.embedding is not None:
            data["embedding"] = [round(x, 5) for x in self.embedding[:embedding_head]]
            data["embedding_dimension"] = len(self.embedding)
        return data


@dataclass(frozen=True)
class SearchHit:
    """An entry found by an admin search, nearest first."""

    doc_id: str
    prompt: str
    response: str
    tenant: str
    model: str
    similarity: float


@dataclass(frozen=True)
class CacheStats:
    entries: int
    twins: int
    """Conversations' twins in the index besides ``entries`` (pointers to them, not entries: issue 14)."""
    index_name: str
    dimension: int
    algorithm: str
    vector_index_mb: float
    used_memory_bytes: int
    counters: dict[str, int]
    embedding_cache: dict[str, int]
    indexing: bool
    counters_dropped: int = 0
    """Counter increments this process lost to a failed write (statistics, not retried: ``CacheBase._flush_counts``)."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)
