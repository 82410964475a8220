"""Which candidate a semantic lookup serves: the guards' vetoes in rank order, or the calibrated decision's
best score; then, under a wrong-hit bound, whether the chosen one is served or withheld. Pure functions over
the KNN rows (no I/O), so they test without Redis."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Literal

import numpy as np

from nearhit.cache import bounded, entry
from nearhit.cache.exploration_budget import OVER_BUDGET, ExplorationBudget
from nearhit.cache.results import Candidate, LookupResult, Margin, Probe
from nearhit.decision.choice import NEAREST_ONLY, serving

if TYPE_CHECKING:
    from nearhit.decision import Decision, Judgement
    from nearhit.guards import GuardSet

Rows = list[tuple[str, dict[str, str]]]


@dataclass(frozen=True)
class Margins:
    """How far under the similarity threshold one lookup may serve: the guards' quiet band (``quiet``), and
    whether the fitted margins apply (``fitted``: a conversation's, the decision's). None of either by default:
    the threshold a floor."""

    quiet: float = 0.0
    fitted: bool = False


NO_MARGINS = Margins()
"""Nothing served under the threshold."""


def by_guards(
    result: LookupResult,
    prompt: str,
    rows: Rows,
    guards: GuardSet | None,
    margins: Mapping[str, tuple[Margin, float]] | None = None,
    *,
    quiet_margin: float | None = None,
) -> None:
    """Serve the nearest candidate at or above the threshold that no guard vetoes, and none farther than one a
    guard vetoes (``nearhit.decision.choice``: the veto read a slot changed, a farther one shares the topic and
    asks another thing). ``margins``: which margin, and how far below the threshold, some candidates (by id) may
    be served (a conversation's entry with the same earlier turns); also one up to ``quiet_margin`` (None: the
    guards' own) below it when no guard reads any difference (``GuardSet.quiet``). A candidate served under the
    threshold names its margin."""
    quiet = (guards.quiet_margin if quiet_margin is None else quiet_margin) if guards is not None else 0.0
    floor = result.threshold - quiet
    vetoed_by: str | None = None
    for doc_id, fields in rows:
        similarity = entry.similarity(fields)
        distance = 1.0 - similarity
        cached_prompt = fields.get("prompt", "")
        if result.hit:
            result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "not_needed"))
            continue
        name, width = (margins or {}).get(doc_id, ("quiet", 0.0))
        if similarity < result.threshold - width and not (
            similarity >= floor and guards is not None and guards.quiet(prompt, cached_prompt)
        ):
            result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "below_threshold"))
            if result.similarity is None:
                result.similarity, result.distance = similarity, distance
            continue
        if vetoed_by is not None:
            result.candidates.append(
                Candidate(doc_id, cached_prompt, similarity, "rejected_by_guard", vetoed_by, NEAREST_ONLY)
            )
            continue
        verdict = guards.first_rejection(prompt, cached_prompt, similarity) if guards is not None else None
        if verdict is not None:
            result.candidates.append(
                Candidate(doc_id, cached_prompt, similarity, "rejected_by_guard", verdict.guard, verdict.reason)
            )
            vetoed_by = verdict.guard
            if result.rejected_by is None:
                result.rejected_by, result.rejection_reason = verdict.guard, verdict.reason
                result.similarity, result.distance = similarity, distance
            continue
        under: Margin | None = None
        if similarity < result.threshold:
            under = name if similarity >= result.threshold - width else "quiet"
        result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "served", margin=under))
        result.match = "semantic"
        result.similarity, result.distance = similarity, distance
        result.answer = entry.read_answer(doc_id, fields)


def by_decision(result: LookupResult, prompt: str, rows: Rows, decision: Decision, *, margin: bool = True) -> None:
    """Judge the candidates down to the decision's margin under the similarity threshold (the floor its model
    was fitted to; without ``margin``, from the threshold); serve the nearest that passes, one under the
    threshold only if nearest, none past a veto (``decision.choice``). None past the one served is judged: no
    farther judgement changes what is served or reported, and a first look costs ~1 ms (they are ``not_needed``,
    unscored, as the guards' path leaves them)."""
    result.decision_threshold = decision.threshold
    floor = result.threshold - decision.margin if margin else result.threshold
    judged: list[tuple[int, Judgement]] = []
    first = len(result.candidates)  # after those the feedback refused: row n is candidate first + n
    for n, (doc_id, fields) in enumerate(rows, start=first):
        similarity = entry.similarity(fields)
        cached_prompt = fields.get("prompt", "")
        if similarity < floor:
            result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "below_threshold"))
            continue
        # ``serving`` reads the judged nearest first: once it picks one, no farther candidate changes the pick.
        if judged and serving([(result.candidates[m].similarity, j) for m, j in judged], result.threshold) is not None:
            result.candidates.append(Candidate(doc_id, cached_prompt, similarity, "not_needed"))
            continue
        judgement = decision.judge(prompt, cached_prompt, similarity)
        judged.append((n, judgement))
        outcome: Literal["served", "rejected_by_guard", "rejected_by_decision"] = (
            "served" if judgement.served else "rejected_by_guard" if judgement.veto else "rejected_by_decision"
        )
        result.candidates.append(
            Candidate(
                doc_id, cached_prompt, similarity, outcome, judgement.rejected_by, judgement.reason, judgement.score
            )
        )
    if not judged:
        if len(result.candidates) > first:  # the nearest, to say how far the miss was
            result.similarity = result.candidates[first].similarity
            result.distance = 1.0 - result.similarity
        return
    pick = serving([(result.candidates[n].similarity, judgement) for n, judgement in judged], result.threshold)
    for at, (n, judgement) in enumerate(judged):
        if judgement.served and at != pick:
            # Passes, but a nearer one is served; or refused: under the threshold and not the nearest, or past a veto.
            refused = pick is None or at < pick
            result.candidates[n] = replace(
                result.candidates[n],
                outcome="rejected_by_decision" if refused else "not_needed",
                guard="decision" if refused else None,
                reason=NEAREST_ONLY if refused else None,
            )
    # The one to report: the one served, else the best judged (a veto ranks below any score).
    chosen, judgement = judged[pick] if pick is not None else max(judged, key=lambda i: (i[1].veto is None, i[1].score))
    result.similarity = result.candidates[chosen].similarity
    result.distance = 1.0 - result.similarity
    result.score = judgement.score
    result.top_features = [c.to_dict() for c in judgement.top]
    if pick is not None:
        doc_id, fields = rows[chosen - first]
        if result.similarity < result.threshold:
            result.candidates[chosen] = replace(result.candidates[chosen], margin="decision")
        result.match = "semantic"
        result.answer = entry.read_answer(doc_id, fields)
    elif judgement.served:
        result.rejected_by, result.rejection_reason = "decision", NEAREST_ONLY
    else:
        result.rejected_by, result.rejection_reason = judgement.rejected_by, judgement.reason


def within_bound(
    result: LookupResult,
    vector: np.ndarray,
    static_threshold: float,
    bound: float,
    observations: dict[str, list[bounded.Observation]],
    histogram: bounded.Histogram,
    draw: float,
    *,
    prior: bounded.Histogram | None = None,
    budget: ExplorationBudget | None = None,
) -> bounded.Decision:
    """Serve the chosen candidate only where the wrong-hit bound holds (on the index's labels plus ``prior``);
    otherwise withhold it as a probe. An exploration past ``budget`` (``NEARHIT_MAX_EXPLORATION_RATE``) is
    served instead, on the static decision alone, and says so in ``result.bound``."""
    assert result.answer is not None and result.similarity is not None
    answer, similarity = result.answer, result.similarity
    decision = bounded.decide(
        similarity,
        static_threshold=static_threshold,
        bound=bound,
        histogram=histogram,
        is_verified=bounded.verified(vector, observations.get(answer.doc_id, ())),
        draw=draw,
        prior=prior,
    )
    if decision.explores and budget is not None and not budget.spend():
        decision = replace(decision, action="serve", reason=OVER_BUDGET, audit=False)
    result.bound = {
        "max_wrong_rate": bound,
        "action": decision.action,
        "reason": decision.reason,
        "served_from": decision.served_from,
        "static_threshold": static_threshold,
        "audit": decision.audit,
        "verified": decision.verified,
        "refused": decision.refused,
        "prior_observations": prior.total if prior is not None else 0,
    }
    if decision.action == "serve":
        return decision
    result.probe = Probe(answer.doc_id, similarity, decision.explores, answer.response)
    result.candidates = [replace(c, outcome="withheld") if c.outcome == "served" else c for c in result.candidates]
    result.match, result.answer = None, None
    result.rejected_by, result.rejection_reason = "bound", decision.reason
    return decision


def vetoed_within_bound(
    result: LookupResult,
    vector: np.ndarray,
    rows: Rows,
    observations: dict[str, list[bounded.Observation]],
    bound: float,
) -> None:
    """Under a wrong-hit bound, a miss whose nearest candidate a guard vetoed (at the policy's floor or above)
    is withheld as a probe too, so that the answer the LLM gives anyway labels the pair; and a candidate that
    very question was labelled right for is served over the veto. A guard reads the texts, a label is what
    the answer was worth: without this a guard's wrong veto could never be learned from. Never over the
    language guard (an answer in another language, or one the rules cannot read, is not learned into), nor
    over earlier turns that differ (``context_match`` keeps such a candidate out of ``rows``)."""
    if result.hit or result.probe is not None:
        return
    fields = dict(rows)  # a candidate whose earlier turns differ is not among them: never learned over
    vetoed = [
        c
        for c in result.candidates
        if c.outcome == "rejected_by_guard" and c.guard != LANGUAGE_GUARD and c.doc_id in fields
    ]
    if not vetoed:
        return
    chosen = max(vetoed, key=lambda c: c.similarity)
    answer = entry.read_answer(chosen.doc_id, fields[chosen.doc_id])
    if not bounded.verified(vector, observations.get(chosen.doc_id, ())):
        result.probe = Probe(chosen.doc_id, chosen.similarity, False, answer.response, vetoed=True)
        return
    result.candidates = [replace(c, outcome="served") if c is chosen else c for c in result.candidates]
    result.match, result.answer = "semantic", answer
    result.similarity, result.distance = chosen.similarity, 1.0 - chosen.similarity
    result.rejected_by = result.rejection_reason = None
    result.bound = {
        "max_wrong_rate": bound,
        "action": "serve",
        "reason": f"{bounded.VERIFIED} (over the {chosen.guard} guard's veto)",
        "served_from": None,
        "static_threshold": None,
        "audit": False,
        "verified": True,
        "refused": False,
        "prior_observations": 0,
    }


def without_index_evidence(bound: Mapping[str, object]) -> dict[str, object]:
    """``bound`` as a caller bound to one tenant is told it: what became of its own lookup and why in general, not the
    index's evidence behind it. The region served (``served_from``) and the counts a reason names ("25 own labels of
    421 observations", "1 wrong in 1 at 0.99 or above") are every tenant's labels: a key polling them saw them move as
    others gave feedback. Per tenant they would mean nothing, as the decision is made on the index's labels (a
    tenant's own alone prove no region: a histogram per tenant would change what is served). The entry's own label
    for this question (``verified``) and the exploration cap's reason name no evidence of others: kept."""
    shown = {key: value for key, value in bound.items() if key != "served_from"}
    if not bound.get("verified") and bound.get("reason") != OVER_BUDGET:
        shown["reason"] = _plain_reason(bound)
    return shown


def _plain_reason(bound: Mapping[str, object]) -> str:
    """The reason of a bounded decision, without the counts of the index's labels (:func:`bounded.decide`)."""
    if bound.get("action") == "serve":
        return "the wrong-hit bound holds at this similarity"
    if bound.get("refused"):
        return "refused: the labels show the wrong rate over the bound at this similarity"
    if bound.get("action") == "miss":
        return "under the static threshold: withheld, then labelled from the answer"
    if bound.get("audit"):
        return "checking: withheld to check the region the bound serves"
    return "uncertain: outside the region the bound serves"


LANGUAGE_GUARD = "language"
