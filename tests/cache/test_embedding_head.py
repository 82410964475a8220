"""A conversation's nearest single question every rule refuses, served by the head learned on the embeddings
(:mod:`nearhit.cache.embedding_head`): a fitted dev pair (a story told in turns, asked after them in a few words) is
served with the head on, missed with it off. Real Redis."""

from __future__ import annotations

import numpy as np
import pytest

from nearhit.cache import SemanticCache, conversation_lookup, embedding_head
from nearhit.evaluation import dataset
from nearhit.evaluation.runner import request

SERVED = ("nearhit-conversations-v94", "nhc94-standalone_vs_contextual-011")
"""A fitted dev pair: "What should I eat the night before a marathon?" stored; "marathon's this sunday! my first one"
/ "Exciting! How's the taper going?" / "fine. what should i eat on saturday night?" asked (told as one question under
0.88; the head scores it 0.984)."""


def _pair() -> dataset.Pair:
    name, pair_id = SERVED
    return next(pair for pair in dataset.load(name, "dev") if pair.id == pair_id)


async def test_a_story_told_in_turns_is_served_its_single_question_by_the_head(guarded_cache: SemanticCache) -> None:
    pair = _pair()
    await guarded_cache.store(request(guarded_cache, "t", pair.a), "the answer")
    result = await guarded_cache.lookup(request(guarded_cache, "t", pair.b))
    assert result.hit, result.rejection_reason
    assert result.score is not None and result.score >= embedding_head.head().threshold
    assert [c.reason for c in result.candidates if c.outcome == "served"] == [embedding_head.REASON]


async def test_with_the_head_off_the_rules_refuse_it(
    guarded_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The pair above is the head's: without it no rule serves it."""
    monkeypatch.setattr(conversation_lookup, "EMBEDDING_HEAD", False)
    pair = _pair()
    await guarded_cache.store(request(guarded_cache, "t", pair.a), "the answer")
    assert not (await guarded_cache.lookup(request(guarded_cache, "t", pair.b))).hit


def test_the_features_are_the_benchmarks_and_symmetric() -> None:
    rng = np.random.default_rng(0)
    qa, qb, cb = (v / np.linalg.norm(v) for v in rng.normal(size=(3, 384)))
    fitted = embedding_head.head()
    x = embedding_head.features(qa, qb, None, cb)
    assert x.shape == fitted.weights.shape == fitted.mean.shape == fitted.scale.shape == (4 * 384 + 4,)
    assert np.allclose(x, embedding_head.features(qb, qa, cb, None))
    assert x[-4] == pytest.approx(float(qa @ qb)) and list(x[-3:]) == [0.0, 1.0, 0.0]
    assert 0.9 < fitted.threshold < 1.0
