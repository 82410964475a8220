"""A conversation's nearest single question the rules refused, served when a head learned on the embeddings says so.

Hand rules and scores over the rules' own signals moved about two should-hits a round on sets nobody tuned on. This
head reads the vectors the lookup already has, elementwise: the two questions' (q_a*q_b, |q_a-q_b|), the two contexts'
(c_a*c_b, |c_a-c_b|; zeros for a side without one), both cosines and which sides have a context. A logistic score,
fitted on the conversation dev splits up to -v105 and fow-cache's in folds of whole sets, its threshold the lowest
score at which the fitted folds' refused pairs above it held at least 50 should-hits per trap (out of fold: +536
should-hits, +10 traps of 14,474 pairs); counted once on -v106 .. -v109 dev: +26 should-hits, +0 traps
(``benchmarks/conversation_embedding_head.py``, thirty-seventh session, helper le45).

Wired where most of its gain sits and the candidate is at hand: a conversation that found nothing, against the
nearest single question of its scope (the KNN by its question alone, :func:`conversation_lookup.as_one_question`).
One read more (that entry's question vector, ``HGET``), only after every other stage there missed.
"""

from __future__ import annotations

import functools
import json
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from nearhit.cache import entry
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import Candidate, LookupResult

DATA = "embedding_head.json"
"""The frozen head (``benchmarks/conversation_embedding_head.py --freeze``, its ``add_r50``), in ``cache/data``."""
REASON = "embedding head"


@dataclass(frozen=True)
class Head:
    """Weights on standardised features: ``sigmoid(bias + ((x - mean) / scale) @ weights)``; served at ``threshold``."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float

    def score(self, x: np.ndarray) -> float:
        z = self.bias + float(((x - self.mean) / self.scale) @ self.weights)
        return float(1.0 / (1.0 + np.exp(-z)))


@functools.cache
def head() -> Head:
    loaded: dict[str, Any] = json.loads(resources.files("nearhit.cache").joinpath("data", DATA).read_text("utf-8"))
    return Head(
        mean=np.asarray(loaded["mean"], dtype=np.float64),
        scale=np.asarray(loaded["scale"], dtype=np.float64),
        weights=np.asarray(loaded["weights"], dtype=np.float64),
        bias=float(loaded["bias"]),
        threshold=float(loaded["threshold"]),
    )


def features(qa: np.ndarray, qb: np.ndarray, ca: np.ndarray | None, cb: np.ndarray | None) -> np.ndarray:
    """One pair's features as the benchmark fitted them (symmetric in a/b): q_a*q_b, |q_a-q_b|, c_a*c_b, |c_a-c_b|,
    the questions' cosine, the contexts' (0 unless both have one), the sides without a context, both with one."""
    zeros = np.zeros_like(qa)
    xa, xb = (ca if ca is not None else zeros), (cb if cb is not None else zeros)
    both = ca is not None and cb is not None
    scalars = [float(qa @ qb), float(xa @ xb) if both else 0.0, float((ca is None) + (cb is None)), float(both)]
    return np.concatenate([qa * qb, np.abs(qa - qb), xa * xb, np.abs(xa - xb), scalars]).astype(np.float64)


def serve_single(
    result: LookupResult, query: Lookup, doc_id: str, fields: dict[str, Any], stored: bytes | None
) -> bool:
    """Serve ``doc_id`` (a single question, ``stored`` its question's vector as Redis keeps it) to the conversation
    ``query`` when the head scores the pair at its threshold; ``result`` missed. Returns whether it was served."""
    if query.vector is None or query.context_vector is None or not isinstance(stored, bytes):
        return False
    if len(stored) != 4 * len(query.vector) or fields.get(entry.CONTEXT):
        return False
    if any(c.doc_id == doc_id and c.outcome == "rejected_by_feedback" for c in result.candidates):
        return False
    fitted = head()
    theirs = np.frombuffer(stored, dtype=np.float32).astype(np.float64)
    mine = np.asarray(query.vector, dtype=np.float64)
    score = fitted.score(features(theirs, mine, None, np.asarray(query.context_vector, dtype=np.float64)))
    if score < fitted.threshold:
        return False
    similarity, asked = entry.similarity(fields), fields.get("prompt", "")
    result.match, result.answer = "semantic", entry.read_answer(doc_id, fields)
    result.similarity, result.distance, result.score = similarity, 1.0 - similarity, score
    result.rejected_by = result.rejection_reason = None
    result.context = {"turns": [], "similarity": similarity, "head_score": score}
    result.candidates.append(Candidate(doc_id, asked, similarity, "served", None, REASON, score))
    return True
