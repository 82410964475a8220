"""Candidates a "wrong" verdict refuses, and the evidence the error-bounded policy reads, in one step of a
lookup (:meth:`nearhit.cache.semantic_cache.SemanticCache.lookup`): a query at least as close to an entry as one
labelled wrong for it is not served that entry (``rejected_by: "feedback"``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from nearhit.cache import bounded, entry
from nearhit.cache.results import Candidate, LookupResult

if TYPE_CHECKING:
    from nearhit.cache.semantic_cache import SemanticCache


async def refuse_by_feedback(
    cache: SemanticCache,
    result: LookupResult,
    vector: np.ndarray,
    rows: list[tuple[str, dict[str, str]]],
    labelled: bool,
) -> tuple[list[tuple[str, dict[str, str]]], dict[str, list[bounded.Observation]], bounded.Histogram | None]:
    """Drop the candidates a recorded negative refuses (``rejected_by: "feedback"``); read the evidence the
    error-bounded policy needs. One round trip; none when no candidate reaches the threshold, nor when the
    index has no label at all (``labelled`` false: no observation and an empty histogram to read)."""
    similarities = [entry.similarity(fields) for _, fields in rows]
    eligible = [doc_id for (doc_id, _), sim in zip(rows, similarities, strict=True) if sim >= result.threshold]
    if not eligible:
        return rows, {}, None
    if not labelled:
        return rows, {}, bounded.Histogram() if cache.max_wrong_rate is not None else None
    observations, histogram = await cache.feedback.state(eligible, histogram=cache.max_wrong_rate is not None)
    kept = []
    for (doc_id, fields), similarity in zip(rows, similarities, strict=True):
        negative = bounded.refusing_negative(vector, similarity, observations.get(doc_id, ()))
        if negative is None:
            kept.append((doc_id, fields))
            continue
        reason = (
            f"a look-alike of a query labelled wrong for this entry (that query was {negative.similarity:.3f} "
            "similar to the entry; this one is at least as close to it)"
        )
        result.candidates.append(
            Candidate(doc_id, fields.get("prompt", ""), similarity, "rejected_by_feedback", "feedback", reason)
        )
        cache._count("feedback_rejections")
        if result.rejected_by is None:
            result.rejected_by, result.rejection_reason = "feedback", reason
            result.similarity, result.distance = similarity, 1.0 - similarity
    return kept, observations, histogram
