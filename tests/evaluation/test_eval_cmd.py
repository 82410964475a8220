"""``nearhit eval`` and ``nearhit calibrate`` end to end on small fixtures with known answers (real Redis).

The commands run ``asyncio.run`` themselves, so they are invoked from a worker thread; the ``cache``
fixture creates the test's index and drops it afterwards.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from nearhit.cache import Scope, SemanticCache, prior
from nearhit.cli import main
from nearhit.config import Settings
from nearhit.evaluation import splits
from nearhit.guards import GuardSet

DATA = Path(__file__).with_name("data")
GRID = ["--from", "0.5", "--to", "0.95", "--step", "0.15"]


async def invoke(settings: Settings, *args: str, **extra_env: str) -> Result:
    env = {
        "REDIS_URL": settings.redis_url,
        "VECTOR_INDEX_NAME": settings.index_name,
        "NEARHIT_DATA_DIR": str(settings.data_dir),
        **extra_env,
    }
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


async def test_eval_reports_known_counts(cache: SemanticCache, settings: Settings) -> None:
    args = ("eval", "-d", str(DATA / "eval_pairs.jsonl"), "--threshold", "0.85", "--guards", "all", "--json")
    args += ("--no-neighbours",)  # its two conversation pairs make it a conversation set: one pass is enough here
    floor = await invoke(settings, *args)
    assert floor.exit_code == 0, floor.output
    # --threshold stands for SEMANTIC_SIMILARITY_THRESHOLD: a floor, the paraphrase at 0.82 is not served
    assert json.loads(floor.stdout)["scores"]["hits"] == 4
    result = await invoke(settings, *args, NEARHIT_GUARDS_QUIET_MARGIN="0.10")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    # 5 of 5: the paraphrase at 0.82 is under 0.85 but within the quiet margin set, and no guard reads a difference
    assert report["scores"]["hits"] == 5 and report["scores"]["wrong_hits"] == 0
    assert report["scores"]["recall"] == 1.0 and report["scores"]["precision"] == 1.0
    assert report["rejected_by"] == {
        "context": {"traps": 1, "should_hit": 0},
        "negation": {"traps": 1, "should_hit": 0},
        "numbers": {"traps": 1, "should_hit": 0},
    }
    assert report["no_candidate"] == 0  # the conversation pair is now compared by its context
    assert report["latency_ms"]["hit"]["n"] == 5
    assert report["attribution"] is None  # not fow-cache data
    assert (await cache.stats()).entries == 0


async def test_eval_text_output_with_per_guard(cache: SemanticCache, settings: Settings) -> None:
    result = await invoke(
        settings,
        "eval",
        "-d",
        str(DATA / "eval_pairs.jsonl"),
        "--threshold",
        "0.85",
        "--guards",
        "none",
        "--per-guard",
        "--no-neighbours",
    )
    assert result.exit_code == 0, result.output
    assert "served 4/5 should-hit (recall 80.0%), 2/3 traps (wrong hits 66.7%)" in result.stdout
    assert "look up" in result.stderr  # progress goes to stderr
    per_guard = result.stdout.split("guards ", 2)[-1]
    for name in ("numbers", "negation", "entities", "direction", "none", "all"):
        assert f"\n{name} " in per_guard


async def test_calibrate_picks_the_known_threshold(cache: SemanticCache, settings: Settings, tmp_path: Path) -> None:
    pairs = str(DATA / "calibration_pairs.jsonl")
    # without guards the traps (cosine 0.89) are only kept out above them
    bare = await invoke(settings, "calibrate", "-d", pairs, "--guards", "none", "--max-wrong", "0", *GRID, "--json")
    assert bare.exit_code == 0, bare.output
    assert json.loads(bare.stdout)["chosen"]["threshold"] == 0.95

    env_file = tmp_path / ".env"
    env_file.write_text("CACHE_TTL=60\n")
    guarded = await invoke(
        settings,
        "calibrate",
        "-d",
        pairs,
        "--guards",
        "all",
        "--max-wrong",
        "0",
        *GRID,
        "--write-config",
        str(env_file),
    )
    assert guarded.exit_code == 0, guarded.output
    assert "chosen: 0.80 (recall 100.0%, wrong hits 0/2" in guarded.stdout
    assert env_file.read_text() == "CACHE_TTL=60\nSEMANTIC_SIMILARITY_THRESHOLD=0.8\n"


async def test_calibrate_exits_1_when_nothing_qualifies(cache: SemanticCache, settings: Settings) -> None:
    pairs = str(DATA / "calibration_pairs.jsonl")
    result = await invoke(settings, "calibrate", "-d", pairs, "--guards", "none", "--max-wrong", "0", "--to", "0.85")
    assert result.exit_code == 1
    assert "no threshold keeps wrong hits within 0.0% of traps" in result.stdout


async def test_bad_jsonl_is_a_usage_error_naming_the_line(settings: Settings, tmp_path: Path) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"a": "x", "b": "y", "same_answer": true, "category": "c"}\n{"a": "x", "same_answer": true}\n')
    result = await invoke(settings, "eval", "-d", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:2: missing field 'b'" in result.stderr

    bad.write_text('{"a": "x", "b": "y", "same_answer": true, "category": "c", "a_answer": 42}\n')
    result = await invoke(settings, "eval", "-d", str(bad))
    assert result.exit_code == 2
    assert f"{bad}:1: field 'a_answer' cannot be a cached answer: response must be a string, not int" in result.stderr


async def test_eval_split_reads_only_that_part(cache: SemanticCache, settings: Settings) -> None:
    pairs = str(DATA / "eval_pairs.jsonl")
    everything = await invoke(settings, "eval", "-d", pairs, "--threshold", "0.85", "--json", "--no-neighbours")
    assert json.loads(everything.stdout)["split"] == "all"  # a file of your own: all of it by default
    test = await invoke(settings, "eval", "-d", pairs, "--split", "test", "--threshold", "0.85", "--json")
    assert test.exit_code == 0, test.output
    report = json.loads(test.stdout)
    assert (report["split"], report["pairs"]) == ("test", 1)  # only "egg" hashes into test
    dev = await invoke(settings, "eval", "-d", pairs, "--split", "dev", "--threshold", "0.85", "--no-neighbours")
    assert "(dev split): 7 pairs" in dev.stdout


async def test_built_in_sets_default_to_test_for_eval_and_dev_for_calibrate(settings: Settings) -> None:
    eval_help = await invoke(settings, "eval", "--help")
    assert "Default: test for the built-in sets" in " ".join(eval_help.stdout.split())
    calibrate_help = await invoke(settings, "calibrate", "--help")
    assert "Default: dev for the built-in sets" in " ".join(calibrate_help.stdout.split())
    bad = await invoke(settings, "eval", "-d", "nearhit", "--split", "train")
    assert bad.exit_code == 2 and "'train' is not one of 'dev', 'test', 'all'" in bad.stderr


async def test_eval_reports_intervals_per_category_and_language(
    cache: SemanticCache, settings: Settings, tmp_path: Path
) -> None:
    pairs = tmp_path / "lang.jsonl"
    lines = [
        {"id": "es-1", "category": "paraphrase", "lang": "es", "same_answer": True,
         "a": "¿Cómo restablezco mi contraseña?", "b": "¿Cómo restablezco mi contraseña?"},
        {"id": "de-1", "category": "negation", "lang": "de", "same_answer": False,
         "a": "Welche Lebensmittel enthalten Gluten?", "b": "Welche Lebensmittel enthalten kein Gluten?"},
        {"id": "en-1", "category": "paraphrase", "lang": "en", "same_answer": True,
         "a": "How do I reset my password?", "b": "how do i reset my password"},
    ]  # fmt: skip
    pairs.write_text("".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines), encoding="utf-8")
    result = await invoke(settings, "eval", "-d", str(pairs), "--threshold", "0.5", "--guards", "none", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    paraphrase = next(c for c in report["categories"] if c["category"] == "paraphrase")
    assert (paraphrase["served"], paraphrase["total"]) == (2, 2)
    assert paraphrase["ci95"] == pytest.approx([0.3424, 1.0], abs=5e-4)
    assert set(report["languages"]) == {"es", "de", "en"}
    assert report["languages"]["es"]["recall_ci95"] == pytest.approx([0.2065, 1.0], abs=5e-4)

    text = await invoke(settings, "eval", "-d", str(pairs), "--threshold", "0.5", "--guards", "none")
    assert "95% intervals (Wilson): recall [34.2%, 100.0%]" in text.stdout
    rows = [line.split() for line in text.stdout.splitlines()]
    assert ["paraphrase", "should-hit", "(recall)", "2/2", "100.0%", "[34.2%,", "100.0%]"] in rows
    assert ["negation", "trap", "(wrong", "hits)", "1/1", "100.0%", "[20.7%,", "100.0%]"] in rows
    assert ["de", "0/0", "-", "1/1", "[20.7%,", "100.0%]"] in rows


def test_default_split_is_test_for_reporting_dev_for_tuning_and_all_for_a_users_file() -> None:
    from nearhit.cli.eval_cmd import _resolve_split

    assert _resolve_split("nearhit", None, "test") == "test"
    assert _resolve_split("questions", None, "dev") == "dev"
    assert _resolve_split("my_pairs.jsonl", None, "test") == "all"
    assert _resolve_split("questions", "all", "test") == "all"


def test_help_names_the_newest_bundled_sets() -> None:
    """The help is built from the registry of bundled sets, so a set added to the package is named in it."""
    from nearhit.evaluation.dataset import BUNDLED_FILES, OUR_CONVERSATIONS

    newest_questions = [name for name in BUNDLED_FILES if not name.startswith(OUR_CONVERSATIONS)][-1]
    newest_conversations = [name for name in BUNDLED_FILES if name.startswith(OUR_CONVERSATIONS)][-1]
    help_text = CliRunner().invoke(main, ["eval", "--help"], terminal_width=1000, max_content_width=1000).output
    assert f"to '{newest_questions}'" in help_text
    assert f"to '{newest_conversations}'" in help_text


async def test_eval_and_calibrate_leave_the_served_index_and_its_counters_alone(
    cache: SemanticCache, settings: Settings
) -> None:
    """They run on a scratch index of their own, dropped afterwards: `cache stats` counts served lookups only (eval
    with its second pass too: the file holds two conversation pairs)."""
    await cache.store("What is served?", "Only real traffic.", Scope.build())
    await cache.lookup("What is served?", Scope.build())
    before = await cache.stats()
    for args in (["eval", "--threshold", "0.85"], ["calibrate", *GRID]):
        result = await invoke(settings, *args, "-d", str(DATA / "eval_pairs.jsonl"), "--json")
        assert result.exit_code in (0, 1), result.output
    after = await cache.stats()
    assert after.counters == before.counters and after.entries == before.entries == 1
    indexes = {i.decode() if isinstance(i, bytes) else i for i in await cache.redis.execute_command("FT._LIST")}
    assert not [name for name in indexes if name.startswith(settings.index_name + "-")]
    assert await cache.redis.keys(f"nearhit:{settings.index_name}-*") == []


async def test_eval_runs_the_configured_judge_by_default(cache: SemanticCache, settings: Settings) -> None:
    """Eval judges as the service would: the decision by default, the guards' vetoes when it is turned off."""
    args = ("eval", "-d", str(DATA / "eval_pairs.jsonl"), "--threshold", "0.85", "--json", "--no-neighbours")
    turned_off = await invoke(settings, *args, NEARHIT_DECISION="0")
    assert turned_off.exit_code == 0, turned_off.output
    assert json.loads(turned_off.stdout)["guards"] == "all"
    result = await invoke(settings, *args, NEARHIT_FITTED_MARGINS="true")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["guards"] == "decision" and 0 < report["decision_threshold"] < 1
    # With its margin set too, the decision judges down to it under the threshold: 'sleep' (under 0.85) is served;
    # without, the threshold given is a floor.
    floor = await invoke(settings, *args)
    assert json.loads(floor.stdout)["guards"] == "decision" and json.loads(floor.stdout)["scores"]["hits"] == 4
    assert report["scores"]["hits"] == 5 and report["scores"]["wrong_hits"] == 0
    assert report["rejected_by"] == {
        "context": {"traps": 1, "should_hit": 0},
        "negation": {"traps": 1, "should_hit": 0},
        "numbers": {"traps": 1, "should_hit": 0},
    }


async def test_a_file_read_whole_is_reported_dev_and_test_apart(cache: SemanticCache, settings: Settings) -> None:
    args = ("eval", "-d", str(DATA / "eval_pairs.jsonl"), "--threshold", "0.85", "--no-neighbours")
    result = await invoke(settings, *args, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    parts = report["by_split"]
    assert set(parts) == {splits.split_of(json.loads(line)["id"]) for line in (DATA / "eval_pairs.jsonl").open()}
    for field in ("hits", "should_hit", "wrong_hits", "traps"):
        assert sum(part["scores"][field] for part in parts.values()) == report["scores"][field]
    text = await invoke(settings, *args)
    assert all(f"{part} split:" in text.stdout for part in parts)
    # One split asked: nothing to set apart (the file's one test pair, not a built-in set's: a minute under load).
    one = await invoke(settings, "eval", "-d", str(DATA / "eval_pairs.jsonl"), "--split", "test", "--json")
    assert json.loads(one.stdout)["by_split"] is None


async def test_replay_starts_from_the_prior_it_is_given(
    cache: SemanticCache, settings: Settings, tmp_path: Path
) -> None:
    pairs = str(DATA / "eval_pairs.jsonl")
    key = prior.judge_key(GuardSet.default(), None)
    given = tmp_path / "prior.json"
    given.write_text(json.dumps({"priors": {key: {"80": [400, 0]}}}), encoding="utf-8")
    args = ("eval", "--replay", "-d", pairs, "--passes", "2", "--json")
    learned = json.loads((await invoke(settings, *args, "--prior", str(given))).stdout)
    assert learned["prior_observations"] == 400
    first = learned["passes"][0]
    assert first["served_from"] <= 0.8 and first["explorations"] == first["audits"]  # only audits: all is proven
    assert first["windows"][0]["lookups"] == first["lookups"]  # one window: fewer than 100 lookups
    alone = json.loads((await invoke(settings, *args, "--prior", "none")).stdout)
    assert alone["prior_observations"] == 0 and alone["passes"][0]["served_from"] > 1
    # every exploration and every wrong hit is listed, with where it was and what the label said
    for report in (learned, alone):
        for done in report["passes"]:
            assert len(done["explored"]) == done["explorations"] and len(done["served_wrong"]) == done["wrong_hits"]
            assert all(e["reason"] and 0 < e["similarity"] <= 1.0001 for e in done["explored"])
    assert alone["passes"][0]["explorations"] > 0
    text = (await invoke(settings, *args[:-1], "--prior", "none")).stdout
    table = text.split("explorations by similarity")[1].splitlines()[2:4]  # the rows of passes 1 and 2
    counted = [sum(int(n) for cell in row.split()[1:] for n in cell.split("/")) for row in table]
    assert counted == [done["explorations"] for done in alone["passes"]]  # the same seed: the same replay
    bad = await invoke(settings, *args, "--prior", str(tmp_path / "missing.json"))
    assert bad.exit_code == 2 and "--prior" in bad.output


async def test_replay_caps_explorations_when_asked(cache: SemanticCache, settings: Settings) -> None:
    args = ("eval", "--replay", "-d", str(DATA / "eval_pairs.jsonl"), "--passes", "1", "--prior", "none", "--json")
    free = json.loads((await invoke(settings, *args)).stdout)
    assert free["max_exploration_rate"] is None and free["passes"][0]["explorations"] > 1
    capped = json.loads((await invoke(settings, *args, "--max-exploration-rate", "0.01")).stdout)
    first = capped["passes"][0]
    assert capped["max_exploration_rate"] == 0.01 and first["lookups"] <= 100 and first["explorations"] == 1
    assert first["over_budget"] == free["passes"][0]["explorations"] - 1  # the rest served on the static decision
    bad = await invoke(settings, *args, "--max-exploration-rate", "2")
    assert bad.exit_code == 2 and "--max-exploration-rate" in bad.output


async def test_shared_scope_counts_a_neighbours_answer_as_a_wrong_hit(cache: SemanticCache, settings: Settings) -> None:
    """--shared: every a in one scope. 'ticket-mainland' asks what 'ticket-island' stored (an exact hit on another
    pair's answer): a neighbour wrong hit, not its own. The two umbrella pairs store one text: either is own."""
    pairs = str(DATA / "shared_pairs.jsonl")
    args = ("eval", "-d", pairs, "--threshold", "0.99", "--guards", "none")
    result = await invoke(settings, *args, "--shared", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["shared"] is True
    s = report["scores"]
    assert (s["hits"], s["should_hit"], s["wrong_hits"], s["traps"]) == (3, 3, 0, 2)
    n = report["neighbours"]
    assert (n["neighbour_hits"]["count"], n["neighbour_hits"]["total"]) == (1, 5)
    assert n["neighbour_hits"]["ci95"] == pytest.approx([0.0362, 0.6245], abs=5e-4)
    assert (n["wrong_answers"]["count"], n["wrong_answers"]["total"]) == (1, 5)
    place = next(c for c in n["categories"] if c["category"] == "place_swap")
    assert (place["same_answer"], place["neighbour_hits"]["count"], place["wrong_answers"]["count"]) == (False, 1, 1)
    twice = next(c for c in n["categories"] if c["category"] == "asked_twice")
    assert twice["neighbour_hits"]["count"] == 0
    parts = report["by_split"]
    assert sum(part["neighbours"]["neighbour_hits"]["count"] for part in parts.values()) == 1
    assert (await cache.stats()).entries == 0

    text = await invoke(settings, *args, "--shared")
    assert "every a in one shared scope" in text.stdout
    assert "neighbour wrong hits (another pair's answer served): 1/5 (20.0%) of lookups" in text.stdout
    assert "an upper bound" in text.stdout
    rows = [line.split() for line in text.stdout.splitlines()]
    assert ["place_swap", "trap", "1/1", "(100.0%)", "1/1", "(100.0%)"] in rows

    alone = json.loads((await invoke(settings, *args, "--json")).stdout)  # each pair alone: no neighbour to serve
    assert alone["shared"] is False and alone["neighbours"] is None
    assert alone["shared_neighbours"] is None  # a question set: no second pass unless --shared is asked
    assert (alone["scores"]["hits"], alone["scores"]["wrong_hits"]) == (3, 0)


async def test_shared_with_replay_is_a_usage_error(settings: Settings) -> None:
    result = await invoke(settings, "eval", "-d", str(DATA / "shared_pairs.jsonl"), "--shared", "--replay")
    assert result.exit_code == 2 and "--shared" in result.stderr and "--replay" in result.stderr


async def test_eval_tells_a_lookup_that_met_no_entry_from_one_whose_entries_were_refused(
    cache: SemanticCache, settings: Settings
) -> None:
    """A system prompt on one side only: the scopes never meet. A reworded history: the entry is met, then refused
    by its earlier turns before the question is judged; that is no "entry not found" (issue 14's count)."""
    result = await invoke(
        settings, "eval", "-d", str(DATA / "unmet_pairs.jsonl"), "--guards", "all", "--json", "--no-neighbours"
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["scores"]["hits"] == 0
    assert report["no_candidate"] == 1
    assert report["refused_before_question"] == 1


def _conversation(*turns: str) -> list[dict[str, str]]:
    """Turns alternating user / assistant, the last a user's."""
    return [{"role": ("user", "assistant")[n % 2], "content": text} for n, text in enumerate(turns)]


_ISLAND = _conversation(
    "We are staying on Corfu this summer and want to see the old town.",
    "The old town is a short walk from the port; ferries also run along the coast.",
    "What does a ferry ticket to the island cost?",
)
_CONVERSATION_PAIRS = [
    {"id": "ferry-island", "category": "reworded", "same_answer": True, "a": _ISLAND,
     "b": [{**turn, "content": turn["content"].lower()} for turn in _ISLAND]},
    # Its b is ferry-island's a, word for word: alone it meets only its own a (another trip), shared it meets both.
    {"id": "ferry-mainland", "category": "place_swap", "same_answer": False, "b": _ISLAND, "a": _conversation(
        "We are staying on Corfu this summer and want a day on the mainland.",
        "Igoumenitsa is the nearest port on the mainland.",
        "What does a ferry ticket to the mainland cost?")},
    {"id": "kitten-sofa", "category": "unrelated", "same_answer": False, "a": _conversation(
        "Our kitten scratches the sofa whenever we leave the house.", "A scratching post near the sofa helps.",
        "How tall should the post be?"), "b": _conversation("How fast does a glacier move?")},
]  # fmt: skip


async def test_a_conversation_set_reports_shared_scope_neighbours_by_default(
    cache: SemanticCache, settings: Settings, tmp_path: Path
) -> None:
    """A set of conversations is looked up pair by pair (the figures), then once more with every a in one scope:
    ferry-mainland's b is served ferry-island's answer there, a neighbour wrong hit the first pass cannot see."""
    assert {splits.split_of(p["id"]) for p in _CONVERSATION_PAIRS} == {"dev", "test"}
    pairs = tmp_path / "conversations.jsonl"
    pairs.write_text("".join(json.dumps(line) + "\n" for line in _CONVERSATION_PAIRS), encoding="utf-8")
    args = ("eval", "-d", str(pairs), "--threshold", "0.99", "--guards", "none")
    result = await invoke(settings, *args, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    s = report["scores"]
    assert (report["shared"], s["hits"], s["should_hit"], s["wrong_hits"], s["traps"]) == (False, 1, 1, 0, 2)
    assert report["neighbours"] is None  # the figures are the pair-by-pair pass's
    n = report["shared_neighbours"]
    assert (n["neighbour_hits"]["count"], n["neighbour_hits"]["total"]) == (1, 3)
    assert (n["wrong_answers"]["count"], n["wrong_answers"]["total"]) == (1, 3)
    counted = {c["category"]: c["neighbour_hits"]["count"] for c in n["categories"]}
    assert counted == {"reworded": 0, "place_swap": 1, "unrelated": 0}
    parts = n["by_split"]
    assert {part: cell["neighbour_hits"]["count"] for part, cell in parts.items()} == {"dev": 0, "test": 1}
    assert "each pair in its own scope: look up" in result.stderr
    assert "every a in one shared scope (neighbours): look up" in result.stderr
    assert (await cache.stats()).entries == 0

    text = await invoke(settings, *args)
    assert "shared scope (a second pass: every a in one scope" in text.stdout
    assert "neighbour wrong hits (another pair's answer served): 1/3 (33.3%) of lookups" in text.stdout
    assert "test split, shared scope:" in text.stdout
    rows = [line.split() for line in text.stdout.splitlines()]
    assert ["place_swap", "trap", "1/1", "(100.0%)", "1/1", "(100.0%)"] in rows

    skipped = await invoke(settings, *args, "--no-neighbours", "--json")
    assert skipped.exit_code == 0, skipped.output
    alone = json.loads(skipped.stdout)
    assert alone["shared_neighbours"] is None and "shared scope" not in skipped.stderr
    # the second pass changes no figure of the first
    assert (alone["scores"], alone["categories"]) == (report["scores"], report["categories"])


async def test_eval_help_says_what_the_second_pass_costs(settings: Settings) -> None:
    help_text = " ".join((await invoke(settings, "eval", "--help")).stdout.split())
    assert "--no-neighbours" in help_text and "roughly doubles the run's time" in help_text
