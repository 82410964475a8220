"""``nearhit eval -d A -d B``: each set run as alone, then pooled (real Redis, two small files of known counts)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nearhit.cache import SemanticCache
from nearhit.config import Settings
from nearhit.evaluation import splits
from nearhit.evaluation.metrics import wilson
from tests.evaluation.test_eval_cmd import _CONVERSATION_PAIRS, invoke

ARGS = ("--threshold", "0.99", "--guards", "none")


def _question(pair_id: str, category: str, same_answer: bool, a: str, b: str) -> dict[str, Any]:
    return {"id": pair_id, "category": category, "same_answer": same_answer, "a": a, "b": b}


# A question set: its b the same question (served at 0.99) or another one (not served).
QUESTIONS = [
    _question("q-pw", "paraphrase", True, "How do I reset my password?", "how do i reset my password"),
    _question("q-tax", "paraphrase", True, "When is the tax return due?", "How fast does a glacier move?"),
    _question("q-mail", "negation", False, "Which foods contain gluten?", "Which foods contain gluten?"),
    _question("q-dog", "negation", False, "Can my dog eat grapes?", "What is the capital of Peru?"),
]
# A conversation set (served: ferry-island, q-rain; in one scope, ferry-mainland is served ferry-island's answer),
# sharing the category 'paraphrase' with the question set.
CONVERSATIONS = [
    *_CONVERSATION_PAIRS,
    _question("q-rain", "paraphrase", True, "Will it rain in Oslo tomorrow?", "will it rain in oslo tomorrow"),
]
SPLITS = {
    "q-pw": "dev", "q-tax": "test", "q-mail": "dev", "q-dog": "test",
    "ferry-island": "dev", "ferry-mainland": "test", "kitten-sofa": "test", "q-rain": "dev",
}  # fmt: skip


def _write(path: Path, pairs: list[dict[str, Any]]) -> str:
    path.write_text("".join(json.dumps(pair) + "\n" for pair in pairs), encoding="utf-8")
    return str(path)


def _counts(scores: dict[str, Any]) -> tuple[int, int, int, int]:
    return scores["hits"], scores["should_hit"], scores["wrong_hits"], scores["traps"]


def _without_latency(report: Any) -> Any:
    """A report without its lookup times (they differ run to run), at every depth."""
    if isinstance(report, dict):
        return {key: _without_latency(value) for key, value in report.items() if key != "latency_ms"}
    return report


async def test_two_sets_are_run_each_as_alone_then_pooled(
    cache: SemanticCache, settings: Settings, tmp_path: Path
) -> None:
    assert {pair_id: splits.split_of(pair_id) for pair_id in SPLITS} == SPLITS
    questions = _write(tmp_path / "questions.jsonl", QUESTIONS)
    conversations = _write(tmp_path / "conversations.jsonl", CONVERSATIONS)
    result = await invoke(settings, "eval", "-d", questions, "-d", conversations, *ARGS, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    first, second = report["sets"]
    assert (first["dataset"], second["dataset"]) == (questions, conversations)
    assert _counts(first["scores"]) == (1, 2, 1, 2)
    assert _counts(second["scores"]) == (2, 2, 0, 2)
    assert first["shared_neighbours"] is None and second["shared_neighbours"]["neighbour_hits"]["count"] == 1

    pooled = report["pooled"]
    assert (pooled["sets"], pooled["pairs"]) == (2, 8)
    assert _counts(pooled["scores"]) == (3, 4, 1, 4)
    assert pooled["scores"]["recall_ci95"] == pytest.approx(list(wilson(3, 4) or ()))
    assert pooled["scores"]["wrong_rate_ci95"] == pytest.approx(list(wilson(1, 4) or ()))
    parts = {part: _counts(cell["scores"]) for part, cell in pooled["by_split"].items()}
    assert parts == {"dev": (3, 3, 1, 1), "test": (0, 1, 0, 3)}
    # one row per category name: 'paraphrase' is 1/2 in the question set and 1/1 in the conversation set
    paraphrase = [c for c in pooled["categories"] if c["category"] == "paraphrase"]
    assert [(c["served"], c["total"]) for c in paraphrase] == [(2, 3)]
    assert paraphrase[0]["ci95"] == pytest.approx(list(wilson(2, 3) or ()))
    # the second pass: the conversation set's alone (the question set has none), never across sets
    n = pooled["shared_neighbours"]
    assert (n["sets"], n["neighbour_hits"]["count"], n["neighbour_hits"]["total"]) == (1, 1, 4)
    assert {part: cell["neighbour_hits"]["count"] for part, cell in n["by_split"].items()} == {"dev": 0, "test": 1}
    lines = {line["dataset"]: line for line in pooled["per_set"]}
    assert lines[questions]["should_hit"] == {"served": 1, "total": 2}
    assert lines[questions]["by_split"]["test"]["traps"] == {"served": 0, "total": 1}
    assert lines[questions]["neighbours"] is None
    assert lines[conversations]["neighbours"] == {"count": 1, "total": 4}
    assert f"set 1/2: {questions}" in result.stderr and f"set 2/2: {conversations}" in result.stderr
    assert (await cache.stats()).entries == 0

    # each set's report is the one it gets alone
    alone = await invoke(settings, "eval", "-d", questions, *ARGS, "--json")
    assert _without_latency(json.loads(alone.stdout)) == _without_latency(first)

    text = await invoke(settings, "eval", "-d", questions, "-d", conversations, *ARGS)
    assert text.exit_code == 0, text.output
    assert "pooled: 2 sets, 8 pairs" in text.stdout
    assert "pooled: served 3/4 should-hit (recall 75.0%), 1/4 traps (wrong hits 25.0%)" in text.stdout
    assert "dev split, pooled: 3/3 should-hit served" in text.stdout
    assert "shared scope, pooled over the 1 of 2 sets with a second pass" in text.stdout
    rows = [line.split() for line in text.stdout.split("pooled: 2 sets")[1].splitlines()]
    assert [questions, "all", "4", "1/2", "1/2", "1/1", "1/1", "0/1", "0/1", "-"] in rows
    assert [conversations, "all", "4", "2/2", "0/2", "2/2", "0/0", "0/0", "0/2", "1/4"] in rows
    assert ["paraphrase", "should-hit", "(recall)", "2/3", "66.7%", "[20.8%,", "93.9%]"] in rows


async def test_one_set_prints_what_it_printed_before(settings: Settings, tmp_path: Path) -> None:
    """One -d: no pooled block, no set counter, the JSON keys of before; the same report as the first of two."""
    questions = _write(tmp_path / "questions.jsonl", QUESTIONS)
    other = _write(tmp_path / "other.jsonl", QUESTIONS[:1])
    one = await invoke(settings, "eval", "-d", questions, *ARGS, "--json")
    assert one.exit_code == 0, one.output
    assert list(json.loads(one.stdout)) == [
        "dataset", "split", "pairs", "threshold", "guards", "decision_threshold", "shared", "scores", "categories",
        "languages", "rejected_by", "no_candidate", "refused_before_question", "check_failures", "check_error",
        "latency_ms", "neighbours",
        "per_guard", "by_split", "shared_neighbours", "attribution",
    ]  # fmt: skip
    assert "set 1/" not in one.stderr
    text = await invoke(settings, "eval", "-d", questions, *ARGS)
    assert "pooled" not in text.stdout
    two = await invoke(settings, "eval", "-d", questions, "-d", other, *ARGS)
    first = two.stdout.split("\n", 2)[2].split("======== set 2/2")[0]

    def steady(output: str) -> list[str]:
        return [line for line in output.strip().splitlines() if not line.lstrip().startswith(("hit ", "miss "))]

    assert steady(first) == steady(text.stdout)


async def test_a_bad_set_fails_before_any_runs(settings: Settings, tmp_path: Path) -> None:
    questions = _write(tmp_path / "questions.jsonl", QUESTIONS)
    for bad, named in (
        ("nearhit-conversations-v999", "'nearhit-conversations-v999'"),
        (str(tmp_path / "missing.jsonl"), "missing.jsonl"),
    ):
        result = await invoke(settings, "eval", "-d", questions, "-d", bad, *ARGS)
        assert result.exit_code == 2 and named in result.stderr, result.output
        assert "eval:" not in result.stderr  # the first set did not run either
    another_path = f"{tmp_path}/./questions.jsonl"  # the same file by another path
    for twice in ([questions, questions], [questions, another_path], ["nearhit", "nearhit"]):
        result = await invoke(settings, "eval", "-d", twice[0], "-d", twice[1], *ARGS)
        assert result.exit_code == 2 and "the same set twice" in result.stderr, result.output
        assert "eval:" not in result.stderr
    replay = await invoke(settings, "eval", "--replay", "-d", questions, "-d", "nearhit")
    assert replay.exit_code == 2 and "--replay plays one set" in replay.stderr
    help_text = " ".join((await invoke(settings, "eval", "--help")).stdout.split())
    assert "-d A -d B" in help_text and "categories pool by name" in help_text
