"""Negatives and the error-bounded policy in the engine, against the real embedded Redis."""

from __future__ import annotations

import numpy as np
import pytest

from nearhit.cache import Scope, SemanticCache, prior
from nearhit.cache.bounded import Observation
from nearhit.cache.feedback import MAX_OBSERVATIONS
from nearhit.config import load_settings
from nearhit.errors import ConfigError
from nearhit.evaluation import Side
from nearhit.evaluation.runner import request
from nearhit.guards import GuardSet

CACHED = "Why was my card declined at checkout?"
LOOK_ALIKE = "What causes my card to be declined when I check out?"
SCOPE = Scope.build(tenant="learning")


def bounded_copy(cache: SemanticCache, bound: float = 0.02) -> SemanticCache:
    """The same index, with NEARHIT_MAX_WRONG_RATE set."""
    return SemanticCache(cache.redis, cache.embedder, cache.spec, threshold=0.76, max_wrong_rate=bound, seed=7)


async def test_a_wrong_label_refuses_the_same_question_and_says_so(cache: SemanticCache) -> None:
    doc_id = await cache.store(CACHED, "Your bank declined it.", SCOPE)
    served = await cache.lookup(LOOK_ALIKE, SCOPE)
    assert served.match == "semantic" and served.embedding is not None and served.similarity is not None
    await cache.label(doc_id, served.embedding, served.similarity, False, "feedback")
    refused = await cache.lookup(LOOK_ALIKE, SCOPE)
    assert refused.match is None and refused.rejected_by == "feedback"
    assert refused.rejection_reason is not None and "labelled wrong" in refused.rejection_reason
    assert [c.outcome for c in refused.candidates] == ["rejected_by_feedback"]
    assert refused.to_dict()["rejected_by"] == "feedback"
    assert (await cache.lookup(CACHED, SCOPE)).match == "exact"
    # a new answer for the entry forgets the labels of the old one
    await cache.store(CACHED, "Check the billing address.", SCOPE)
    assert (await cache.lookup(LOOK_ALIKE, SCOPE)).match == "semantic"


async def test_observations_are_bounded_and_expire_with_their_entry(cache: SemanticCache) -> None:
    doc_id = await cache.store(CACHED, "Your bank declined it.", SCOPE, ttl=100)
    vector = np.ones(cache.embedder.dimension, dtype=np.float32)
    for _ in range(MAX_OBSERVATIONS + 5):
        await cache.label(doc_id, vector, 0.5, True, "feedback")
    key = cache.keys.observations(doc_id)
    assert await cache.redis.llen(key) == MAX_OBSERVATIONS
    assert 0 < await cache.redis.ttl(key) <= 100


@pytest.mark.parametrize("gone", ["before the label", "while it is written", "deleted after it"])
async def test_the_labels_of_an_entry_that_never_expires_go_when_it_goes(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch, gone: str
) -> None:
    """An entry without a TTL has labels without one: a list written for a gone entry (expired or deleted before
    the verdict's label, or between its PTTL and its write), or left by ``delete``, stayed in Redis for ever."""
    doc_id = await cache.store(CACHED, "Your bank declined it.", SCOPE)
    vector = np.ones(cache.embedder.dimension, dtype=np.float32)
    if gone == "before the label":
        await cache.redis.delete(doc_id)
    elif gone == "while it is written":
        read_ttl = cache.feedback.redis.pttl

        async def pttl_then_deleted(name: str) -> int:
            ttl = await read_ttl(name)
            await cache.delete(doc_id)  # another worker's delete between the PTTL and the list's write
            return ttl

        monkeypatch.setattr(cache.feedback.redis, "pttl", pttl_then_deleted)
    await cache.label(doc_id, vector, 0.8, False, "feedback")
    if gone == "deleted after it":
        assert await cache.redis.pttl(cache.keys.observations(doc_id)) == -1  # the entry's: none
        assert await cache.delete(doc_id)
    assert await cache.redis.exists(cache.keys.observations(doc_id)) == 0
    histogram = (await cache.feedback.state([], histogram=True))[1]
    assert histogram is not None and sum(histogram.wrong) == 1  # the pair was served and wrong: still counted


async def test_with_a_bound_an_unproven_candidate_is_explored_then_learned(cache: SemanticCache) -> None:
    await cache.store(CACHED, "Your bank declined it.", SCOPE)
    learner = bounded_copy(cache)
    first = await learner.lookup(LOOK_ALIKE, SCOPE)
    assert first.match is None and first.rejected_by == "bound"
    assert first.probe is not None and first.probe.exploration  # the static decision would have served it
    assert first.bound is not None and first.bound["action"] == "explore" and first.bound["served_from"] > 1
    assert [c.outcome for c in first.candidates] == ["withheld"]
    assert first.embedding is not None
    # the fresh answer agrees with the cached one: labelled right, and the same question is then served
    assert await learner.label_by_answers(first.probe, first.embedding, "Your bank declined it.", SCOPE.tenant)
    second = await learner.lookup(LOOK_ALIKE, SCOPE)
    assert second.match == "semantic" and second.bound is not None
    assert second.bound["reason"] == "the same question was labelled right for this entry"
    counters = await learner.feedback.counters()
    assert counters["labels_answer"] == 1


async def test_the_prior_of_the_judge_opens_a_region_the_index_own_labels_confirm(cache: SemanticCache) -> None:
    doc_id = await cache.store(CACHED, "Your bank declined it.", SCOPE)
    paraphrase = "Why was my card declined at the checkout?"
    learner = SemanticCache(
        cache.redis,
        cache.embedder,
        cache.spec,
        threshold=0.76,
        guards=GuardSet.default(),
        max_wrong_rate=0.02,
        prior=prior.shipped,
        seed=7,
    )
    checked = await learner.lookup(paraphrase, SCOPE)
    assert checked.similarity is not None and checked.similarity >= 0.9
    # the prior opens the region, but before any label of the index's own the candidate is checked, not served
    assert checked.bound is not None and checked.bound["served_from"] < 0.9, checked.to_dict()
    assert checked.bound["prior_observations"] > 135 and checked.rejected_by == "bound"
    assert checked.probe is not None and checked.probe.exploration and "checking" in checked.bound["reason"]
    # 30 right labels of other questions in the region confirm it: then it is served (bar a falling audit rate)
    (vector,) = await cache.embedder.embed(["an unrelated question"])
    for _ in range(30):
        await learner.label(doc_id, vector, 0.95, True, "oracle")
    results = [await learner.lookup(paraphrase, SCOPE) for _ in range(10)]
    served = next(r for r in results if r.match == "semantic")
    assert served.bound is not None and not served.bound["verified"]
    # a custom guard set was not counted in the prior: the same lookup is withheld to learn
    learner.guards = GuardSet.from_names(["numbers"])
    withheld = await learner.lookup(paraphrase, SCOPE)
    assert withheld.rejected_by == "bound" and withheld.bound is not None
    assert withheld.bound["prior_observations"] == 0
    # nor is a conversation's lookup bounded with it (the prior was counted on single questions)
    learner.guards = GuardSet.default()
    history = (("user", "I ordered a laptop with my Visa card yesterday."), ("assistant", "Thanks, noted."))
    await learner.store(request(learner, "learning-chat", Side(CACHED, history)), "Your bank declined it.")
    chat = await learner.lookup(request(learner, "learning-chat", Side(paraphrase, history)))
    assert chat.bound is not None and chat.bound["prior_observations"] == 0 and chat.rejected_by == "bound"


async def test_a_check_under_the_static_threshold_is_a_labelled_miss_not_an_exploration(cache: SemanticCache) -> None:
    # The prior opens the region well under a strict static threshold (0.99): a candidate there, checked before
    # the index's own labels confirm the region, is one the static decision would not serve either, so checking
    # it spends no LLM call: withheld and labelled, but not counted as an exploration.
    await cache.store(CACHED, "Your bank declined it.", SCOPE)
    paraphrase = LOOK_ALIKE

    def learner(threshold: float) -> SemanticCache:
        return SemanticCache(
            cache.redis,
            cache.embedder,
            cache.spec,
            threshold=threshold,
            guards=GuardSet.default(),
            max_wrong_rate=0.02,
            prior=prior.shipped,
            seed=7,
        )

    strict = learner(0.99)
    checked = await strict.lookup(paraphrase, SCOPE)
    assert checked.similarity is not None and checked.similarity < 0.99
    assert checked.bound is not None and checked.bound["served_from"] <= checked.similarity
    assert "checking" in checked.bound["reason"]
    assert checked.rejected_by == "bound" and checked.bound["action"] == "miss" and not checked.bound["audit"]
    assert checked.probe is not None and not checked.probe.exploration and not checked.probe.vetoed
    await strict.background.drain()  # the counters are written in the background
    assert (await strict.feedback.counters())["explorations"] == 0
    # still labelled from the answer the miss gets anyway: the same question is then served
    assert checked.embedding is not None
    assert await strict.label_by_answers(checked.probe, checked.embedding, "Your bank declined it.", SCOPE.tenant)
    assert (await strict.lookup(paraphrase, SCOPE)).match == "semantic"
    # at the default threshold the static decision would serve it: there the check is an exploration
    other = Scope.build(tenant="learning", namespace="other")
    await cache.store(CACHED, "Your bank declined it.", other)
    usual = learner(0.76)
    explored = await usual.lookup(paraphrase, other)
    assert explored.bound is not None and explored.bound["action"] == "explore" and explored.bound["audit"]
    assert "checking" in explored.bound["reason"]  # one own label so far: the region is still unconfirmed
    assert explored.probe is not None and explored.probe.exploration
    await usual.background.drain()
    assert (await usual.feedback.counters())["explorations"] == 1


async def test_an_exploration_whose_fresh_answer_differs_is_a_negative(cache: SemanticCache) -> None:
    await cache.store(CACHED, "Your bank declined it.", SCOPE)
    learner = bounded_copy(cache)
    first = await learner.lookup(LOOK_ALIKE, SCOPE)
    assert first.probe is not None and first.embedding is not None
    assert not await learner.label_by_answers(
        first.probe, first.embedding, "Photosynthesis turns light into sugar.", SCOPE.tenant
    )
    assert (await learner.lookup(LOOK_ALIKE, SCOPE)).rejected_by == "feedback"


async def test_the_evidence_of_many_labels_opens_a_served_region(cache: SemanticCache) -> None:
    doc_id = await cache.store(CACHED, "Your bank declined it.", SCOPE)
    learner = bounded_copy(cache, 0.05)
    vector = np.ones(cache.embedder.dimension, dtype=np.float32)
    for _ in range(80):  # 80 right labels at 0.80-0.81: an upper bound under 5% at 0.80 and above
        await learner.feedback.observe(doc_id, _observation(vector, 0.805), "oracle")
    await learner.feedback.redis.delete(learner.keys.observations(doc_id))  # no per-entry verification
    served = await learner.lookup(LOOK_ALIKE, SCOPE)
    assert served.bound is not None and served.bound["served_from"] == 0.8
    assert served.bound["action"] in ("serve", "explore")  # explore only as an audit
    assert served.match == "semantic" or served.bound["audit"]


def _observation(vector: np.ndarray, similarity: float) -> Observation:
    return Observation(True, similarity, vector)


@pytest.mark.parametrize("value", ["0", "0.6", "-1", "lots"])
def test_a_bound_outside_zero_to_a_half_stops_start_up(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEARHIT_MAX_WRONG_RATE", value)
    with pytest.raises(ConfigError, match=r"NEARHIT_MAX_WRONG_RATE.*\(0, 0\.5\]"):
        load_settings()
    monkeypatch.setenv("NEARHIT_MAX_WRONG_RATE", "0.02")
    assert load_settings().max_wrong_rate == 0.02


async def test_a_callers_right_verifies_its_entry_but_never_widens_what_every_tenant_is_served(
    cache: SemanticCache,
) -> None:
    doc_id = await cache.store(CACHED, "Your bank declined it.", SCOPE)
    vector = np.ones(cache.embedder.dimension, dtype=np.float32)
    for _ in range(3):
        await cache.label(doc_id, vector, 0.7, True, "feedback")
    await cache.label(doc_id, vector, 0.7, False, "feedback")
    await cache.label(doc_id, vector, 0.9, True, "answer")
    _, histogram = await cache.feedback.state([doc_id], histogram=True)
    assert histogram is not None
    assert (sum(histogram.right), sum(histogram.wrong)) == (1, 1)
    assert len((await cache.feedback.state([doc_id], histogram=False))[0][doc_id]) == 5


async def test_clearing_everything_clears_the_labels(cache: SemanticCache) -> None:
    doc_id = await cache.store(CACHED, "Your bank declined it.", SCOPE)
    await cache.label(doc_id, np.ones(cache.embedder.dimension, dtype=np.float32), 0.9, False, "answer")
    assert await cache.clear() == 1
    assert await cache.redis.exists(cache.keys.evidence_key, cache.keys.observations(doc_id)) == 0


async def test_under_a_bound_a_vetoed_candidate_is_labelled_and_a_right_label_serves_it_over_the_veto(
    cache: SemanticCache,
) -> None:
    stored = "How do I update the app while keeping my settings?"
    await cache.store(stored, "Untick 'reset settings'.", SCOPE)
    asked = "How do I update the app without resetting my settings?"  # the negation guard reads "without"
    cache.guards = GuardSet.default()
    static = await cache.lookup(asked, SCOPE)
    assert static.rejected_by == "negation" and static.similarity is not None and static.similarity >= 0.65
    learner = bounded_copy(cache)
    learner.guards = GuardSet.default()
    first = await learner.lookup(asked, SCOPE)
    assert first.match is None and first.rejected_by == "negation"
    assert first.probe is not None and first.probe.vetoed and not first.probe.exploration
    assert first.embedding is not None
    # the answer the miss got anyway agrees with the cached one: kept with the entry, not in the index's histogram
    assert await learner.label_by_answers(first.probe, first.embedding, "Untick 'reset settings'.", SCOPE.tenant)
    _, evidence = await learner.feedback.state([], histogram=True)
    assert evidence is not None and evidence.total == 0
    second = await learner.lookup(asked, SCOPE)
    assert second.match == "semantic" and second.bound is not None and second.bound["verified"]
    assert "over the negation guard's veto" in second.bound["reason"]
    # without the bound the veto stands
    assert (await cache.lookup(asked, SCOPE)).rejected_by == "negation"


async def test_a_label_never_overrides_the_language_guard(cache: SemanticCache) -> None:
    await cache.store("Şifremi nasıl sıfırlarım?", "Bağlantıyı kullanın.", SCOPE)
    learner = bounded_copy(cache)
    learner.guards = GuardSet.default()
    unread = await learner.lookup("Hesabımın şifresini nasıl sıfırlayabilirim?", SCOPE)  # Turkish: not read
    assert unread.similarity is not None and 0.65 <= unread.similarity < 0.98
    assert unread.rejected_by == "language" and unread.probe is None
