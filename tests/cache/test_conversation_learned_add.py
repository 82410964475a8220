"""A conversation's candidate every rule refuses, served by the score learned over the signals the rules compute
(:mod:`nearhit.cache.learned_add`): a reworded follow-up of a fitted dev pair is served with the score on, missed
with it off; a candidate the guards veto, a conversation longer than any fitted, or a stranger's conversation in the
same scope (turns under the floor, or its question and turns both changed) is never read. Real Redis."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, learned_add
from nearhit.evaluation import dataset
from nearhit.evaluation.runner import request
from tests.support.lookups import ask

SERVED = ("nearhit-conversations-v52", "nhc52-reworded_question-002")
"""A fitted dev pair (its follow-up's cosine 0.75, the rules' margins do not reach it) the score serves."""


def _pair() -> dataset.Pair:
    name, pair_id = SERVED
    return next(pair for pair in dataset.load(name, "dev") if pair.id == pair_id)


async def test_a_reworded_follow_up_the_rules_refuse_is_served_by_the_score(guarded_cache: SemanticCache) -> None:
    pair = _pair()
    await guarded_cache.store(request(guarded_cache, "t", pair.a), "the answer")
    result = await guarded_cache.lookup(request(guarded_cache, "t", pair.b))
    assert result.hit and "learned" in result.timings_ms, result.rejection_reason
    assert result.score is not None and result.score >= learned_add.model().threshold
    assert [c.reason for c in result.candidates if c.outcome == "served"] == [learned_add.REASON]


async def test_with_the_score_off_the_rules_refuse_it(
    guarded_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pair above is the score's: without it no rule serves it (the score's test is not the rules')."""
    monkeypatch.setattr(learned_add, "serve", lambda *_: False)
    pair = _pair()
    await guarded_cache.store(request(guarded_cache, "t", pair.a), "the answer")
    assert not (await guarded_cache.lookup(request(guarded_cache, "t", pair.b))).hit


async def test_a_conversation_longer_than_any_fitted_is_not_read(
    guarded_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    pair = _pair()
    longer = [*pair.b.history] * (learned_add.model().max_turns // max(len(pair.b.history), 1) + 1)
    await guarded_cache.store(request(guarded_cache, "t", pair.a), "the answer")

    def unread(*_: object) -> dict[str, float]:
        raise AssertionError("a conversation longer than any fitted was scored")

    monkeypatch.setattr(learned_add, "shape_signals", unread)
    result = await guarded_cache.lookup(ask(guarded_cache, longer, pair.b.prompt))
    assert not result.hit and "learned" in result.timings_ms  # the stage ran, and read nothing


STRANGERS = (
    ("conv-billing-006", "conv-services-011"),  # "book the first slot" (an engineer's visit) / "book it" (a GP's)
    ("conv-billing-021", "conv-retail-028"),  # "yes please" after two offers of other things
    ("conv-billing-013", "conv-long-billing-007"),  # a short follow-up against a 40-message support chat
)
"""fow-cache dev conversations whose follow-up, in a scope holding the other's conversation, the score served the
other's answer: their turns' cosine 0.09-0.25, under any the fitted pairs had (:data:`learned_add.CONTEXT_FLOOR`)."""


@pytest.mark.parametrize(("asking", "stored"), STRANGERS)
async def test_a_strangers_conversation_in_the_same_scope_is_not_served(
    guarded_cache: SemanticCache, asking: str, stored: str
) -> None:
    pairs = {pair.id: pair for pair in dataset.load("conversations", "dev")}
    await guarded_cache.store(request(guarded_cache, "t", pairs[stored].a), "the stranger's answer")
    result = await guarded_cache.lookup(request(guarded_cache, "t", pairs[asking].b))
    assert not result.hit, [(c.outcome, c.reason, c.score) for c in result.candidates]
    assert "learned" in result.timings_ms  # the score's stage ran and served nothing


NEITHER_KEPT = (
    ("conversations", "conv-billing-016", "conv-billing-057"),  # roaming data in Turkey / a phone upgrade's total
    ("conversations", "conv-retail-022", "conv-long-retail-010"),  # "go on then" to breakfast / to a sea-view room
    ("nearhit-conversations-v107", "nhc107-topic_shift-011", "nhc107-reworded_history-011"),  # a stolen car / a dent
    ("nearhit-conversations-v98", "nhc98-context_swap-016", "nhc98-standalone_vs_contextual-007"),  # undo / delete
)
"""Fit dev conversations whose follow-up, in a scope holding the other's conversation, the score served the other's
answer over the floor: their turns' cosine 0.54-0.57, their questions' 0.23-0.72; neither kept, as no fitted pair was
(:data:`learned_add.KEPT_TURNS`)."""


@pytest.mark.parametrize(("name", "asking", "stored"), NEITHER_KEPT)
async def test_a_stranger_whose_question_and_turns_both_differ_is_not_served(
    guarded_cache: SemanticCache, name: str, asking: str, stored: str
) -> None:
    pairs = {pair.id: pair for pair in dataset.load(name, "dev")}
    await guarded_cache.store(request(guarded_cache, "t", pairs[stored].a), "the stranger's answer")
    result = await guarded_cache.lookup(request(guarded_cache, "t", pairs[asking].b))
    assert not result.hit, [(c.outcome, c.reason, c.score) for c in result.candidates]
    assert "learned" in result.timings_ms  # the score's stage ran and served nothing


def test_the_score_reads_every_signal_it_was_fitted_on() -> None:
    fitted = learned_add.model()
    assert len(fitted.features) == len(fitted.weights) == len(fitted.mean) == len(fitted.scale)
    assert "users_sim" not in fitted.features and "told_sim" not in fitted.features  # no embedding more
    assert 0.5 < fitted.threshold < 1.0 and fitted.max_turns == 7


def test_the_bound_read_first_is_never_under_the_score() -> None:
    """``Model.best`` may skip a candidate before its guards and checks are read only if no reading of them scores
    higher: every signal left unread, at either end of [0, 1], scores at most the bound."""
    fitted = learned_add.model()
    shape = {"q_sim": 0.7, "ctx_sim": 0.8, "turns_gap": 2.0, "q_short": 0.0, "turns": 4.0, "log_words": 4.5}
    unread = [name for name in fitted.features if name not in shape]
    bound = fitted.best(shape)
    for ones in range(1 << 6):  # the six strongest-weighted unread signals, every combination; the rest at 0.5
        strongest = sorted(unread, key=lambda name: -abs(fitted.weights[fitted.features.index(name)]))[:6]
        full = shape | {name: 0.5 for name in unread} | {n: float(ones >> i & 1) for i, n in enumerate(strongest)}
        assert fitted.score(full) <= bound + 1e-12
    assert bound > fitted.score(shape | {name: 0.5 for name in unread})
