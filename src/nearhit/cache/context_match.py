"""A conversation's candidates kept or refused by their earlier turns, before the question's own judges.

An entry stored with a context (the turns its answer depended on) may answer only a query whose context
matches it (:func:`conversation.differs`); an entry without one answers only a query without one.
"""

from __future__ import annotations

import numpy as np

from nearhit.cache import conversation, entry
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import Candidate, LookupResult

Rows = list[tuple[str, dict[str, str]]]


def match(
    result: LookupResult, query: Lookup, rows: Rows, dimension: int
) -> tuple[Rows, dict[str, dict[str, object]], int]:
    """Keep the candidates whose earlier turns are the query's; the others are rejected by ``context`` (added
    to ``result``'s candidates). Returns the kept rows, per kept entry the context it matched, and how many
    were rejected."""
    kept: Rows = []
    matched: dict[str, dict[str, object]] = {}
    rejected = 0
    for doc_id, fields in rows:
        cached = conversation.Context.from_json(fields.get(entry.CONTEXT, ""))
        if query.context is None and cached is None:
            kept.append((doc_id, fields))
            continue
        similarity = 0.0
        reason: str | None
        if query.context is None or cached is None:
            reason = "one side has earlier turns the answer depended on, the other has none"
        else:
            assert query.context_vector is not None
            stored = conversation.vector_of(fields.get(entry.CONTEXT_VECTOR, ""), dimension)
            similarity = float(np.dot(query.context_vector, stored)) if stored is not None else 0.0
            reason = conversation.differs(query.prompt, query.context, cached, similarity)
        if reason is None:
            kept.append((doc_id, fields))
            matched[doc_id] = {"turns": [list(t) for t in cached.turns] if cached else [], "similarity": similarity}
            continue
        rejected += 1
        candidate_similarity = entry.similarity(fields)
        result.candidates.append(
            Candidate(doc_id, fields.get("prompt", ""), candidate_similarity, "rejected_by_guard", "context", reason)
        )
        if result.rejected_by is None and candidate_similarity >= result.threshold:
            result.rejected_by, result.rejection_reason = "context", reason
            result.similarity, result.distance = candidate_similarity, 1.0 - candidate_similarity
    return kept, matched, rejected
