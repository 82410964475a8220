"""A conversation's candidate the rules refused, served when a score learned over the signals they compute says so.

Hand rules fitted on dev traps stopped moving fresh sets; a logistic score over what the conversation path already
reads of a candidate (the questions' similarity, which check of :func:`conversation.differs` refused it, the guards'
signals on the questions and on the user turns, :func:`conversation.states_more`, the conversations' sizes) lists
no topic word. Fitted on the conversation dev splits up to -v55 and fow-cache's, its threshold a margin above every
fitted trap the rules refuse, counted once on the dev splits of -v56 .. -v61 (``benchmarks/conversation_learned.py``,
twenty-seventh session). It only adds: a candidate the guards veto at their cut stays refused, so does a
follow-up that states a number, date or name the other does not (a correction). A conversation longer than any of
our sets' (fow-cache's long support chats, where the sizes' weights do not transfer) is not read, nor two
conversations whose turns' cosine is under :data:`CONTEXT_FLOOR`, which the fitted pairs never were, nor two
whose question and turns both differ (:data:`KEPT_TURNS`): a pair written as a pair keeps one of them. No embedding
more: every signal is text, or a cosine the lookup has.
"""

from __future__ import annotations

import functools
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from nearhit.cache import context_match, conversation, entry
from nearhit.cache.answer_rests_on import refuses
from nearhit.cache.lookup import Lookup, Reads
from nearhit.cache.near_copy import another_question
from nearhit.cache.results import Candidate, LookupResult
from nearhit.guards import GuardSet, GuardSignal
from nearhit.guards.content import content_words
from nearhit.guards.text import analyse

DATA = "conversation_add.json"
"""The fitted score (``benchmarks/conversation_learned.py --write``), in ``nearhit/cache/data``."""
CHECKS = (
    ("about_else", conversation.ABOUT_ELSE),
    ("other_facts", "the earlier turns state other facts"),
    ("said_more", conversation.SAID_MORE),
    ("other_asker", "the earlier turns are about another asker"),
    ("other_event", "the earlier turns tell another event"),
    ("other_name", "the earlier turns' code marks"),
    ("other_offer", "the reply"),
    ("points_back", "the question points back"),
)
"""Each refusal of :func:`conversation.differs` by how its reason starts; anything else is ``changed_detail``."""
REASON = "learned"
CONTEXT_FLOOR = 0.5
"""The least cosine of the two conversations' turns the score is read at. The fitted pairs were written as pairs,
about one story, so the score never saw two unrelated stories and gives the turns' cosine no weight; in a scope
holding many conversations its other signals served strangers' answers ("yes please" after a gym offer given the
answer to a parcel offer: fow-cache dev, every conversation in one scope, 53 of 180 lookups, all at a cosine of
0.42 or less). No fit pair it serves is under 0.518 (the dev splits up to -v109)."""
KEPT_QUESTION = 0.9
KEPT_TURNS = 0.7
"""The score is read only where one of the two is kept: the question asked again (a cosine of :data:`KEPT_QUESTION`
or more) or the turns told alike (:data:`KEPT_TURNS` or more). A pair written as a pair rewords one of them and keeps
the other, so the fitted pairs always had one: of the 96 fit pairs the score serves (the dev splits up to -v109 and
fow-cache's), every one whose turns read under 0.719 asks the very same question (1.000). Two strangers in one scope
share neither, and over the floor above the score still served them their neighbours' answers (the fit dev splits,
every conversation in one scope: 13 of 15,031 lookups, 12 of them wrong answers, each with its question at 0.872 or
less and its turns at 0.689 or less: a hotel's "go on then" to a breakfast offer given a sea-view upgrade's answer, a
stolen car's courtesy car given a car park claim's)."""


@dataclass(frozen=True)
class Model:
    """Weights on standardised signals, the score a candidate must reach, the longest conversation read."""

    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float
    threshold: float
    max_turns: int

    def score(self, signals: dict[str, float]) -> float:
        x = np.array([signals[name] for name in self.features])
        return 1.0 / (1.0 + math.exp(-(self.bias + float(((x - self.mean) / self.scale) @ self.weights))))

    def best(self, known: dict[str, float]) -> float:
        """The highest score a candidate with the signals ``known`` can reach: every other signal (a flag, a guard's
        strength: each in [0, 1]) at the end its weight favours. Exact, so reading the rest only when this reaches
        the threshold changes no verdict."""
        return self.score(
            {name: known.get(name, float(w > 0)) for name, w in zip(self.features, self.weights, strict=True)}
        )


@functools.cache
def model() -> Model:
    loaded: dict[str, Any] = json.loads(resources.files("nearhit.cache").joinpath("data", DATA).read_text("utf-8"))
    return Model(
        features=tuple(loaded["features"]),
        mean=np.asarray(loaded["mean"], dtype=np.float64),
        scale=np.asarray(loaded["scale"], dtype=np.float64),
        weights=np.asarray(loaded["weights"], dtype=np.float64),
        bias=float(loaded["bias"]),
        threshold=float(loaded["threshold"]),
        max_turns=int(loaded["max_turns"]),
    )


def _strength(found: Sequence[GuardSignal], guard: str | None = None) -> float:
    return max((s.strength for s in found if guard is None or s.guard == guard), default=0.0)


@dataclass(frozen=True)
class Compared:
    """A candidate as the score reads it: the query's question and earlier turns, the entry's, and the cosines the
    lookup has of the questions (``similarity``) and of the turns (``context_similarity``)."""

    question: str
    context: conversation.Context
    asked: str
    cached: conversation.Context
    similarity: float
    context_similarity: float


def shape_signals(pair: Compared) -> dict[str, float]:
    """The cosines and the conversations' sizes: read first, since most candidates cannot reach the threshold
    whatever the guards say (:meth:`Model.best`)."""
    short = min(len(content_words(analyse(pair.asked))), len(content_words(analyse(pair.question))))
    return {
        "q_sim": pair.similarity,
        "ctx_sim": pair.context_similarity,
        "turns_gap": float(abs(len(pair.cached.turns) - len(pair.context.turns))),
        "q_short": float(short <= 2),
        "turns": float(len(pair.context.turns)),
        "log_words": float(np.log1p(len(pair.context.text.split()) + len(pair.question.split()))),
    }


def question_signals(pair: Compared, guards: GuardSet) -> dict[str, float]:
    """What the guards read of the two questions (short texts), and whether the turns are the very same."""
    on_question = guards.signals(pair.question, pair.asked)
    return {
        "same_turns": float(context_match.same_turns(pair.cached, pair.context)),
        "q_veto": float(guards.first_rejection(pair.question, pair.asked, pair.similarity) is not None),
        "q_strongest": _strength(on_question),
        "q_quiet": float(guards.quiet(pair.question, pair.asked)),
    }


def turn_signals(pair: Compared, guards: GuardSet) -> dict[str, float]:
    """What the guards read of the two sides' user turns: the costliest read of the guards (long texts), so after
    the bound on the rest (:meth:`Model.best`)."""
    on_users = guards.signals(pair.context.users, pair.cached.users)
    return {
        "users_strongest": _strength(on_users),
        "users_numbers": _strength(on_users, "numbers"),
        "users_negation": _strength(on_users, "negation"),
        "users_entities": _strength(on_users, "entities"),
    }


def check_flags(reason: str | None) -> dict[str, float]:
    """Which check of :func:`conversation.differs` gave ``reason`` (its refusal, or None): one flag each."""
    found = {name: float(reason is not None and reason.startswith(start)) for name, start in CHECKS}
    found["changed_detail"] = float(reason is not None and not any(found.values()))
    return found


def flags(pair: Compared, reads: Reads | None = None) -> dict[str, float]:
    """Which check of :func:`conversation.differs` refuses (one flag each), :func:`conversation.other_referent`, and
    whether the query states more (:func:`conversation.states_more`): ~1 ms, so read last, only for a candidate whose
    score could still reach the threshold (:meth:`Model.best`). ``reads``: the lookup's (:class:`Reads`), where the
    context stage's verdict on the same turns and cosine is kept."""
    differs = conversation.differs if reads is None else reads.differs
    found = check_flags(differs(pair.question, pair.context, pair.cached, pair.context_similarity, pair.asked))
    found["other_referent"] = float(conversation.other_referent(pair.question, pair.asked) is not None)
    found["states_more"] = float(conversation.states_more(pair.question, pair.asked) is not None)
    return found


def signals(pair: Compared, guards: GuardSet) -> dict[str, float]:
    """Every signal the score reads, as :func:`serve` reads them in stages (``benchmarks/conversation_learned.py``
    checks them against its dump)."""
    return shape_signals(pair) | question_signals(pair, guards) | turn_signals(pair, guards) | flags(pair)


def _states_facts(question: str, asked: str) -> bool:
    """Whether one question states a number, date or name the other does not (:data:`conversation.OTHER_FACTS`): a
    correction ("Actually it's the £17.99 plan; how much ...?") is another question whatever the score, a veto kept
    outside the model as the guards' is (the score weighs ``states_more`` lightly: most of what it flags among the
    fitted pairs are reworded questions, "old lids" / "the lids")."""
    return (conversation.states_more(question, asked) or "").startswith(conversation.OTHER_FACTS)


def _one_kept(pair: Compared) -> bool:
    """Whether the question or the turns are kept (:data:`KEPT_TURNS`): the only pairs the score was fitted on."""
    return pair.similarity >= KEPT_QUESTION or pair.context_similarity >= KEPT_TURNS


def serve(result: LookupResult, query: Lookup, rows: Sequence[tuple[str, dict[str, str]]], guards: GuardSet) -> bool:
    """Serve the nearest of ``rows`` (the KNN's, conversations only, none the feedback refused) that scores at the
    threshold and no guard vetoes; ``result`` missed. Returns whether one was served."""
    fitted, context = model(), query.context
    if context is None or query.context_vector is None or len(context.turns) > fitted.max_turns:
        return False
    refused = {c.doc_id for c in result.candidates if c.outcome == "rejected_by_feedback"}
    for doc_id, fields in sorted(rows, key=lambda row: -entry.similarity(row[1])):
        cached = conversation.stored(fields.get(entry.CONTEXT, ""))
        stored = context_match.vector_of(fields.get(entry.CONTEXT_VECTOR, ""), len(query.context_vector))
        if cached is None or stored is None or doc_id in refused or not conversation.comparable(cached):
            continue
        similarity, asked = entry.similarity(fields), fields.get("prompt", "")
        pair = Compared(query.prompt, context, asked, cached, similarity, float(query.context_vector @ stored))
        if pair.context_similarity < CONTEXT_FLOOR or not _one_kept(pair):
            continue
        found = shape_signals(pair)
        if query.reads.read(query.prompt, context, cached, pair.context_similarity, asked):
            # The context stage's verdict on this candidate, free: its checks' flags bound the score before any guard.
            found |= check_flags(query.reads.differs(query.prompt, context, cached, pair.context_similarity, asked))
        if fitted.best(found) < fitted.threshold:
            continue
        if guards.first_rejection(query.prompt, asked, similarity) is not None:
            continue  # vetoed at the guards' cut whatever the score: the other guards are not read
        found |= question_signals(pair, guards)
        if fitted.best(found) < fitted.threshold:
            continue
        found |= turn_signals(pair, guards)
        if fitted.best(found) < fitted.threshold:
            continue
        if _states_facts(query.prompt, asked) or (
            context == cached and another_question(query.prompt, asked, context.text)
        ):
            continue
        if refuses(query.prompt, context, cached, asked, fields.get("response", "")):
            continue  # the stored answer takes up what this conversation does not say: no score serves it
        found |= flags(pair, query.reads)
        score = fitted.score(found)
        if score < fitted.threshold:
            continue
        result.match, result.answer = "semantic", entry.read_answer(doc_id, fields)
        result.similarity, result.distance, result.score = similarity, 1.0 - similarity, score
        result.rejected_by = result.rejection_reason = None
        result.context = {"turns": [list(t) for t in cached.turns], "similarity": found["ctx_sim"]}
        result.candidates.append(Candidate(doc_id, asked, similarity, "served", None, REASON, score))
        return True
    return False
