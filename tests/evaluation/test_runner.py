"""The evaluation runner on the real cache path (embedded Redis): counts, guard attribution, clean-up."""

from __future__ import annotations

from pathlib import Path

from nearhit.cache import SemanticCache, normalise
from nearhit.evaluation import evaluate, guard_sets, load, scores
from nearhit.evaluation.metrics import rejections
from nearhit.guards import GUARD_NAMES, GuardSet

DATA = Path(__file__).with_name("data")


async def test_evaluate_counts_and_cleans_up(cache: SemanticCache) -> None:
    pairs = load(str(DATA / "eval_pairs.jsonl"))
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
    leftover = [cache.embeddings.key_for(normalise(p.b.prompt)) for p in pairs]
    assert await cache.redis.exists(*leftover) == 0


def test_all_guards_are_the_configured_ones_when_given() -> None:
    configured = GuardSet.default(quiet_margin=0.0)
    assert guard_sets("all", guards=configured)["all"] is configured
    found = guard_sets("all")["all"]
    assert isinstance(found, GuardSet) and found.quiet_margin > 0
