"""A user's verdict on a served answer ("wrong" / "right"), named by request id or by entry, turned into a label.

A "wrong" verdict on a request stores a negative (that query's embedding against that entry), so the same or a
closer look-alike is not served that entry again; a "right" one stores a positive. A verdict on an entry alone
(no request, no question) judges the entry's answer as such: "wrong" retires the entry, since its answer is
wrong even for its own question. Another tenant's request or entry is reported exactly like an unknown one.
A verdict on a request whose entry has gone since (expired, deleted) is still counted, and said to be.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from nearhit import validate
from nearhit.cache import entry
from nearhit.cache.client import hash_reads
from nearhit.cache.feedback import Verdict
from nearhit.cache.keys import exact_text
from nearhit.cache.semantic_cache import SemanticCache
from nearhit.errors import NearhitError

log = logging.getLogger(__name__)


class FeedbackTargetNotFound(NearhitError):
    """The request or entry is unknown, expired, or another tenant's (a 404 that names the id)."""


ALREADY_COUNTED = "already counted: one verdict of each kind counts per answer and question"


@dataclass(frozen=True)
class Recorded:
    doc_id: str
    verdict: Verdict
    action: str  # "negative stored", "positive stored", "entry retired", ALREADY_COUNTED, ...
    similarity: float | None
    recorded: bool = True  # False: the same verdict on this answer and question was counted before

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


async def give(
    cache: SemanticCache,
    verdict: Verdict,
    *,
    tenant: str | None,
    request_id: str | None = None,
    doc_id: str | None = None,
    prompt: str | None = None,
    note: str | None = None,
) -> Recorded:
    """Record ``verdict``; ``tenant`` None means any tenant (an admin). Raises FeedbackTargetNotFound."""
    if (request_id is None) == (doc_id is None):
        raise validate.InvalidInput("give exactly one of 'request_id' or 'doc_id'")
    served_at: float | None = None  # the similarity a named request was served at
    if request_id is not None:
        served = await cache.feedback.served(request_id, tenant)
        # A question past the prompt limit was never served: a record another client edited, not the caller's 422.
        if served is None or (tenant is not None and served.tenant != tenant) or not _servable(cache, served.prompt):
            raise FeedbackTargetNotFound(
                f"no served answer for request id {request_id!r}: unknown, expired (kept for an hour) or a miss"
            )
        doc_id, prompt, served_at = served.doc_id, served.prompt, served.similarity
    assert doc_id is not None
    fields = await _entry(cache, doc_id)
    if fields is _GONE and served_at is not None:
        assert request_id is not None
        if not await cache.feedback.first_verdict_on_gone(request_id, tenant, verdict):
            return Recorded(doc_id, verdict, ALREADY_COUNTED, round(served_at, 6), recorded=False)
        return await _on_gone(cache, doc_id, verdict, served_at, note)
    if not isinstance(fields, dict) or (tenant is not None and fields.get("tenant") != tenant):
        raise FeedbackTargetNotFound(f"no cached entry {doc_id!r} (unknown, expired or deleted)")
    log.info("feedback %s on %s%s", verdict, doc_id, f": {note}" if note else "")
    if prompt is not None and exact_text(prompt) == exact_text(fields.get("prompt", "")):
        prompt = None  # served on the exact path: the verdict is on the entry's answer to its own question
    if prompt is None and verdict == "wrong":
        await cache.feedback.count("feedback_wrong")
        await cache.delete(doc_id)  # with its twins, which would point to nothing
        await cache.feedback.forget(doc_id)
        return Recorded(doc_id, verdict, "entry retired", None)
    prompt = fields.get("prompt", "") if prompt is None else prompt
    if not await cache.feedback.first_verdict(doc_id, verdict, exact_text(prompt)):
        return Recorded(doc_id, verdict, ALREADY_COUNTED, None, recorded=False)
    await cache.feedback.count(f"feedback_{verdict}")
    asked = [exact_text(validate.prompt(prompt, cache.max_prompt_chars))]
    query = (await cache.embeddings.embed(asked, fields.get("tenant") or None))[0]  # in the entry's tenant
    entry_vector = np.frombuffer(fields[entry.VECTOR], dtype=np.float32)  # type: ignore[arg-type]
    similarity = float(np.dot(query, entry_vector) / (np.linalg.norm(query) * np.linalg.norm(entry_vector) or 1.0))
    await cache.label(doc_id, query, similarity, verdict == "right", "feedback")
    return Recorded(
        doc_id, verdict, "positive stored" if verdict == "right" else "negative stored", round(similarity, 6)
    )


async def _on_gone(
    cache: SemanticCache, doc_id: str, verdict: Verdict, similarity: float, note: str | None
) -> Recorded:
    """A verdict on a request the caller was served, whose entry has gone since (expired, deleted, retired by an
    earlier verdict): counted, and a "wrong" on a semantic hit (below 1) counted in the index's histogram, as it
    would have been with the entry. No negative: an entry stored again under the same key starts without labels."""
    log.info("feedback %s on %s (entry gone)%s", verdict, doc_id, f": {note}" if note else "")
    await cache.feedback.count(f"feedback_{verdict}")
    if verdict == "wrong" and similarity < 1.0:
        await cache.feedback.observe_gone(similarity, "feedback")
    return Recorded(doc_id, verdict, "counted; the entry is gone", round(similarity, 6))


_GONE = "gone"
"""What :func:`_entry` reads for an entry key that holds nothing (expired or deleted)."""


async def _entry(cache: SemanticCache, doc_id: str) -> dict[str, Any] | str | None:
    """The entry's tenant, prompt and vector; :data:`_GONE` when its key holds nothing; None when ``doc_id`` is no
    entry (not an entry key, another client's key of another type, a vector cut short)."""
    if not cache.keys.is_entry_key(doc_id):
        return None
    values, exists = await hash_reads(
        cache.redis, [("HMGET", doc_id, "tenant", "prompt", entry.VECTOR), ("EXISTS", doc_id)]
    )
    if exists == 0:
        return _GONE
    if values is None or values[2] is None or len(values[2]) != 4 * cache.spec.dimension:
        return None  # another client's key of another type, or a vector cut short: no entry to judge against
    tenant, prompt = (v.decode("utf-8", "replace") if isinstance(v, bytes) else str(v or "") for v in values[:2])
    return {"tenant": tenant, "prompt": prompt, entry.VECTOR: values[2]}


def _servable(cache: SemanticCache, prompt: str) -> bool:
    try:
        validate.prompt(exact_text(prompt), cache.max_prompt_chars)
    except validate.InvalidInput:
        return False
    return True
