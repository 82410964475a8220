"""The fitted decision for a conversation whose earlier turns matched (``context_match.MATCHED_MODEL``): a reworded
follow-up after a reworded history is served under the threshold, down to the fitted margin; a follow-up that adds a
condition, names another part, or asks another thing is not. Invented conversations
(``data/conversation_fitted.jsonl``, none of the dev sets' words), each ``a`` stored and its ``b`` looked up
through the engine on the real embedded Redis, with the default guards."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from nearhit.cache import SemanticCache, context_match
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import load_model
from nearhit.evaluation.dataset import Pair, load_jsonl
from nearhit.guards import GuardSet
from tests.support.lookups import answer_for, ask

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_fitted.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_reworded_follow_up_after_a_reworded_history_is_served_and_traps_are_not(
    cache: SemanticCache, pair: Pair
) -> None:
    cache.guards = GuardSet.default()
    await cache.store(ask(cache, list(pair.a.history), pair.a.prompt), answer_for(pair))
    result = await cache.lookup(ask(cache, list(pair.b.history), pair.b.prompt))
    assert result.hit is pair.same_answer, (result.similarity, result.rejected_by, result.rejection_reason)
    if pair.same_answer:
        assert result.answer is not None and result.answer.response == answer_for(pair)
        assert result.context is not None and result.context["similarity"] < 1.0  # other turns, matched by meaning


def test_the_margin_is_where_the_fitted_score_reaches_its_threshold() -> None:
    model = load_model(context_match.MATCHED_MODEL)
    assert model.names == ("similarity",)
    floor = DEFAULT_SIMILARITY_THRESHOLD - model.margin
    assert math.isclose(model.score({"similarity": floor}), model.threshold, abs_tol=1e-4)
    assert model.score({"similarity": floor - 0.01}) < model.threshold < model.score({"similarity": floor + 0.01})
    assert 0.0 < model.margin < DEFAULT_SIMILARITY_THRESHOLD
