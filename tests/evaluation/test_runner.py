"""The evaluation runner on the real cache path (embedded Redis): counts, guard attribution, clean-up."""

from __future__ import annotations

import gc
import warnings
from pathlib import Path

import pytest

from nearhit.cache import SemanticCache, normalise
from nearhit.errors import InvalidInput
from nearhit.evaluation import evaluate, guard_sets, load, scores
from nearhit.evaluation.dataset import Pair, Side
from nearhit.evaluation.metrics import rejections
from nearhit.evaluation.runner import answer, look_up, scratch
from nearhit.guards import GUARD_NAMES, GuardSet

DATA = Path(__file__).with_name("data")


async def test_an_embedding_still_to_be_written_is_not_left_behind(cache: SemanticCache) -> None:
    """A lookup's embedding is written in the background a moment later (``FILL_DELAY_S``): when the run ends
    within that moment, the clean-up writes it first and then deletes it, rather than deleting before it lands
    (a leftover seen in CI under load)."""
    pairs = load(str(DATA / "eval_pairs.jsonl"))[:1]
    async with scratch(cache, pairs, run_id="leftover") as asks:
        await cache.lookup(asks[0]())  # its embedding is now waiting to be written
    await cache.background.drain()  # whatever was still waiting is written now

    assert await cache.redis.exists(cache.embeddings.key_for(normalise(pairs[0].b.prompt), "eval-leftover-0")) == 0


async def _stored_of(cache: SemanticCache, pairs: list[Pair]) -> set[bytes]:
    """The stored embeddings of the pairs' asked texts, whichever tenant's."""
    texts = {cache.embeddings.key_for(normalise(p.b.prompt), "").rpartition(":")[2] for p in pairs}
    stored = [key async for key in cache.redis.scan_iter(match=f"{cache.keys.root}:emb:*", count=1000)]
    return {key for key in stored if key.decode().rpartition(":")[2] in texts}


async def test_evaluate_counts_and_cleans_up(cache: SemanticCache) -> None:
    pairs = load(str(DATA / "eval_pairs.jsonl"))
    before = await _stored_of(cache, pairs)
    without_band = GuardSet.default(quiet_margin=0.0)  # "sleep" is a paraphrase just under the threshold
    runs = await evaluate(
        cache, pairs, threshold=0.85, guard_sets=guard_sets("all", per_guard=True, guards=without_band)
    )

    assert list(runs) == ["all", *GUARD_NAMES, "none", "decision"]
    guarded = {o.pair_id: o for o in runs["all"]}
    assert guarded["exact"].match == "exact"
    assert guarded["reset"].match == guarded["egg"].match == "semantic"
    assert guarded["sleep"].match is None and guarded["sleep"].rejected_by is None  # below the threshold
    assert guarded["coffee"].rejected_by == "negation"
    assert guarded["miles"].rejected_by == "numbers"
    assert guarded["conv-same"].match == "exact"  # same earlier turns, same normalised prompt
    assert guarded["conv-swap"].rejected_by == "context"  # same question, earlier turns about something else
    s = scores(runs["all"])
    assert (s.should_hit, s.hits, s.traps, s.wrong_hits) == (5, 4, 3, 0)
    assert rejections(runs["all"]) == {
        "context": {"traps": 1, "should_hit": 0},
        "negation": {"traps": 1, "should_hit": 0},
        "numbers": {"traps": 1, "should_hit": 0},
    }
    assert scores(runs["none"]).wrong_hits == 2
    decided = {o.pair_id: o for o in runs["decision"]}
    assert decided["reset"].match == decided["egg"].match == "semantic"
    # The shipped decision (v2) lets every guard veto at its cut, as the default does.
    assert decided["coffee"].rejected_by == "negation" and decided["miles"].rejected_by == "numbers"
    assert cache.guards is None and cache.decision is None  # the fixture's setting is restored

    assert (await cache.stats()).entries == 0
    # Each asked text's embedding, kept under its pair's tenant (whichever run id it had), is deleted: none is left
    # but those other tests (other tenants) kept before.
    assert await _stored_of(cache, pairs) <= before


def test_all_guards_are_the_configured_ones_when_given() -> None:
    configured = GuardSet.default(quiet_margin=0.0)
    assert guard_sets("all", guards=configured)["all"] is configured
    found = guard_sets("all")["all"]
    assert isinstance(found, GuardSet) and found.quiet_margin > 0


async def test_a_pair_the_cache_refuses_starts_no_store(cache: SemanticCache) -> None:
    # Each store's coroutine was made as its pair's request was built: one refused (a prompt over the cache's limit)
    # left the stores made before it never awaited ("coroutine 'SemanticCache.store' was never awaited", at the
    # next garbage collection, in whatever test ran then).
    fine = Pair("fine", "c", Side("What is Redis?"), Side("What's Redis?"), same_answer=True)
    too_long = Pair("long", "c", Side("x" * (cache.max_prompt_chars + 1)), Side("y"), same_answer=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        with pytest.raises(InvalidInput, match="NEARHIT_MAX_PROMPT_CHARS"):
            async with scratch(cache, [fine, too_long]):
                pass
        gc.collect()
    assert [str(w.message) for w in seen if "never awaited" in str(w.message)] == []


async def test_the_answer_a_pair_carries_is_the_one_stored_and_served(cache: SemanticCache) -> None:
    """A pair's ``a_answer`` is its entry's response (a judge reading the answer sees the real one); a pair
    without one stores the placeholder naming it. In one shared scope another question's answer is still told
    from its own, though no real answer names its pair; a text two questions were both given is neither's
    neighbour."""
    island, to_island = (
        "A single to the island is 12 euros; a return is 20.",
        Side("What does a ticket to the island cost?"),
    )
    turns = (("user", "I fly to Lisbon on Friday."), ("assistant", "Nice! How can I help?"))
    power_bank = "Can I take a power bank in my cabin bag?"
    bag = Pair("bag", "c", Side(power_bank, turns), Side(power_bank, turns), True, a_answer="Yes, up to 100 Wh.")
    plain = Pair("plain", "c", Side("How fast does a glacier move?"), Side("How fast does a glacier move?"), True)
    async with scratch(cache, [bag, plain]) as asks:
        served = [await cache.lookup(ask()) for ask in asks]
    stored = [r.answer.response if r.answer else None for r in served]
    assert stored[0] == "Yes, up to 100 Wh." and stored[1] == answer(plain)
    assert "plain" not in stored[1] and not any(ch.isdigit() for ch in stored[1])

    ferry = Pair("ferry", "c", to_island, Side("x"), False, a_answer=island)
    # Each b below asks ferry's a word for word: mainland's is served another pair's answer; told-apart's is served
    # ferry's entry, but its words are the answer told-apart's own question was given too.
    mainland_a = Side("What does a ferry ticket to the mainland cost?")
    mainland = Pair("mainland", "c", mainland_a, to_island, False, a_answer="A single to the mainland is 9 euros.")
    told_apart = Pair(
        "told-apart", "c", Side("How much is a ferry ticket to the island?"), to_island, True, a_answer=island
    )
    pairs = [told_apart, ferry, mainland]
    async with scratch(cache, pairs, shared=True) as asks:
        outcomes = await look_up(cache, pairs, asks, threshold=0.99)
    found = [(o.pair_id, o.neighbour, o.match) for o in outcomes]
    assert found == [("told-apart", False, "exact"), ("ferry", False, None), ("mainland", True, None)]
    assert (await cache.stats()).entries == 0
