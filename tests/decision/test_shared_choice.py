"""Which candidate the decision serves when a scope holds many questions: the nearest that passes, under the
similarity threshold only the nearest (``decision.choice``, ``needs: choice``), and none past one a guard vetoes,
above the threshold too (``needs: nearest``, tenth session); and another question of the
topic, nearest but under the threshold, refused by the model refitted with such neighbours as negatives
(``decision_v3.json``, ``needs: refit``). Groups in ``shared_golden.jsonl`` (written for
this test, not taken from any data set), each with the candidates the KNN would return; their similarities
come from the local embedder, as the cache computes them. Pure: ``choose.by_decision`` on KNN rows."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nearhit.cache import choose, entry, normalise
from nearhit.cache.results import LookupResult
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import DEFAULT_MODEL, Decision, load_model
from nearhit.decision.choice import NEAREST_ONLY
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards.text import expand_short_forms

GOLDEN = Path(__file__).with_name("shared_golden.jsonl")
V2 = "decision_v2.json"
GROUPS = [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


def rows(group: dict[str, Any], embedder: LocalEmbedder) -> list[tuple[str, dict[str, str]]]:
    """The group's cached prompts as KNN rows, nearest first."""
    texts = [group["query"], *group["cached"]]
    vectors = embedder.encode([expand_short_forms(normalise(t)) for t in texts])
    similarities = vectors[1:] @ vectors[0]
    found = [
        (f"doc:{n}", {"prompt": prompt, "response": prompt, entry.DISTANCE: str(1.0 - float(similarity))})
        for n, (prompt, similarity) in enumerate(zip(group["cached"], similarities, strict=True))
    ]
    return sorted(found, key=lambda row: float(row[1][entry.DISTANCE]))


@pytest.mark.parametrize(
    ("group", "model"),
    [(g, DEFAULT_MODEL) for g in GROUPS] + [(g, V2) for g in GROUPS if g["needs"] != "refit"],
    ids=[f"{g['id']}-shipped" for g in GROUPS] + [f"{g['id']}-v2" for g in GROUPS if g["needs"] != "refit"],
)
def test_the_right_candidate_is_served(group: dict[str, Any], model: str, local_embedder: LocalEmbedder) -> None:
    """v2 (fitted on pairs alone) serves right with the choice rules where they apply; the shipped model
    everywhere."""
    result = LookupResult(match=None, threshold=DEFAULT_SIMILARITY_THRESHOLD)
    choose.by_decision(result, group["query"], rows(group, local_embedder), Decision(model=load_model(model)))
    served = result.answer.response if result.answer is not None else None
    assert served == group["served"], group["mechanism"]
    if served is None and model == V2:
        assert result.rejected_by == "decision" and result.rejection_reason == NEAREST_ONLY


CHOICE = [g for g in GROUPS if g["needs"] == "choice"]
NEAREST = [g for g in GROUPS if g["needs"] == "nearest"]
REFIT = [g for g in GROUPS if g["needs"] == "refit"]


@pytest.mark.parametrize("group", REFIT, ids=[g["id"] for g in REFIT])
def test_each_refit_group_is_served_by_v2(group: dict[str, Any], local_embedder: LocalEmbedder) -> None:
    """What makes each case: v2, fitted on pairs alone, serves the neighbour."""
    result = LookupResult(match=None, threshold=DEFAULT_SIMILARITY_THRESHOLD)
    choose.by_decision(result, group["query"], rows(group, local_embedder), Decision(model=load_model(V2)))
    assert result.answer is not None and result.similarity is not None
    assert result.similarity < DEFAULT_SIMILARITY_THRESHOLD


@pytest.mark.parametrize("group", CHOICE, ids=[g["id"] for g in CHOICE])
def test_each_group_has_a_farther_candidate_the_score_alone_would_serve(
    group: dict[str, Any], local_embedder: LocalEmbedder
) -> None:
    """What makes each case: a candidate, not the nearest, that v2 passes on its own (and outscores any nearer
    one that passes), above the decision's floor."""
    decision = Decision(model=load_model(V2))
    found = rows(group, local_embedder)
    judged = [
        (fields["prompt"], decision.judge(group["query"], fields["prompt"], entry.similarity(fields)))
        for _, fields in found
        if entry.similarity(fields) >= DEFAULT_SIMILARITY_THRESHOLD - decision.margin
    ]
    best = max((j for j in judged if j[1].served), key=lambda j: j[1].score)
    assert best[0] != judged[0][0] and best[0] != group["served"]


@pytest.mark.parametrize("group", NEAREST, ids=[g["id"] for g in NEAREST])
def test_each_nearest_group_has_a_farther_candidate_above_the_threshold_that_passes(
    group: dict[str, Any], local_embedder: LocalEmbedder
) -> None:
    """What makes each case: the nearest is vetoed by a guard, and a farther one at or above the similarity
    threshold passes the shipped model on its own (the ninth session's rule served it)."""
    decision = Decision()
    found = rows(group, local_embedder)
    judged = [decision.judge(group["query"], fields["prompt"], entry.similarity(fields)) for _, fields in found]
    assert judged[0].veto is not None
    farther = [entry.similarity(fields) for (_, fields), j in zip(found[1:], judged[1:], strict=True) if j.served]
    assert farther and max(farther) >= DEFAULT_SIMILARITY_THRESHOLD
