"""``nearhit eval -d FILE.jsonl`` on a user's own file, hostile: what the cache would refuse in the middle of a run
(or take where ``/ask`` refuses it) is refused before any pair runs, naming the line; what a text editor writes (a
byte order mark) is read. Through the command's ``main`` on the real embedded Redis."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nearhit.cache import SemanticCache
from nearhit.config import Settings
from tests.cli.test_cache_cmd import invoke

PAIR: dict[str, Any] = {
    "a": "How do I reset my password?",
    "b": "How can I reset my password?",
    "same_answer": True,
    "category": "paraphrase",
}


def _conversation(*turns: tuple[str, str]) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in [*turns, ("user", "How do I reset it?")]]


REFUSED: list[tuple[str, dict[str, Any], str]] = [
    ("role bot", {"a": _conversation(("bot", "Hello!"))}, "history role 'bot' is not allowed"),
    ("role tool", {"b": _conversation(("tool", "{}"))}, "history role 'tool' is not allowed"),
    ("a prompt over the limit", {"a": "How do I " + "x" * 40_000}, "NEARHIT_MAX_PROMPT_CHARS"),
    ("a history over 100,000", {"a": _conversation(("user", "x " * 60_000))}, "the limit is 100,000 characters"),
    ("201 messages", {"b": _conversation(*[("user", "hi")] * 201)}, "the limit is 200 messages"),
]


@pytest.mark.parametrize(("what", "change", "message"), REFUSED, ids=[what for what, _, _ in REFUSED])
async def test_a_pair_the_cache_would_refuse_is_refused_before_the_run_naming_its_line(
    settings: Settings, tmp_path: Path, what: str, change: dict[str, Any], message: str
) -> None:
    path = tmp_path / "pairs.jsonl"
    path.write_text(json.dumps({**PAIR, "id": "fine"}) + "\n" + json.dumps({**PAIR, **change}) + "\n")
    result = await invoke(settings, "eval", "-d", str(path))
    assert result.exit_code == 2, (what, result.output)
    assert f"{path}:2: " in result.stderr and message in result.stderr, result.stderr
    assert "pairs from" not in result.stderr and "Traceback" not in result.output  # refused before any pair ran


async def test_a_file_with_a_byte_order_mark_is_read(cache: SemanticCache, settings: Settings, tmp_path: Path) -> None:
    # Notepad's and Excel's "UTF-8 with BOM": the mark is not part of the first pair's JSON.
    path = tmp_path / "pairs.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(PAIR).encode() + b"\r\n")
    result = await invoke(settings, "eval", "-d", str(path), "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["pairs"] == 1


@pytest.mark.parametrize(
    ("dataset", "message"),
    [
        ("", "the dataset is empty"),
        ("  ", "the dataset is empty"),
        ("nearhit_conversations_v12", "unknown dataset 'nearhit_conversations_v12': no built-in set (did you mean"),
        ("fow-questions", "unknown dataset 'fow-questions'"),
    ],
)
async def test_a_dataset_name_that_is_no_set_and_no_file_says_so(
    settings: Settings, dataset: str, message: str
) -> None:
    result = await invoke(settings, "eval", "-d", dataset)
    assert result.exit_code == 2, result.output
    assert message in result.stderr and "Errno" not in result.stderr, result.stderr
