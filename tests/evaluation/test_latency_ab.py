"""``benchmarks/latency_ab.py``: the figure a latency branch is judged by, read from ``conversation_latency.py``'s
first table (conversation − single, "first look less the embed" p50)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from tests.support.benchmarks import load_script

TABLE = """| lookup | p50 ms | p90 ms | embed p50 ms | context p50 ms | told as one p50 ms (lookups) | learned add p50 ms (lookups) | first look less the embed p50 / p90 ms |
|---|---|---|---|---|---|---|---|
| single question | 8.70 | 10.45 | 6.17 | 0.02 | – | – | 1.00 / 2.02 |
| conversation | 39.61 | 124.08 | 20.51 | 0.95 | 1.97 (73) | 0.01 (129) | 3.06 / 8.52 |
| identical history | 0.19 | 0.45 | 0.00 | 0.00 | – | – | 0.17 / 0.44 |
"""  # noqa: E501 (the benchmark's own table, as it prints it)


def test_the_figure_is_the_conversation_less_the_single_question() -> None:
    assert load_script("latency_ab").figure(TABLE) == 2.06


def test_an_output_without_both_rows_is_refused() -> None:
    single_only = "\n".join(line for line in TABLE.splitlines() if not line.startswith("| conversation"))
    with pytest.raises(ValueError, match="first look less the embed"):
        load_script("latency_ab").figure(single_only)


def test_the_first_look_with_its_embedding_is_read_beside_it() -> None:
    """A branch that moves work into the embedding's time lowers the figure above, not this one (lt49)."""
    line = "The first look with its embedding, p50 ms: single question 9.12, conversation 40.05 (work moved ...)"
    script = load_script("latency_ab")
    assert script.with_embed(f"{TABLE}\n{line}\n") == 30.93
    assert script.with_embed(TABLE) is None  # an older benchmark's output: no such line


def test_the_cache_tables_ask_the_same_text_every_run_and_pay_every_embedding() -> None:
    """Which stages a lookup runs depends on its text: one mark in every run (two trees timed on the same work), and
    no vector read back from the store an earlier run filled (each lookup pays its embedding)."""
    script = load_script("conversation_latency")
    assert script.RUN_MARK == load_script("conversation_latency").RUN_MARK and script.RUN_MARK.isalpha()

    class Store:
        def from_stored(self, raw: object) -> object:
            return raw

    cache = SimpleNamespace(embeddings=Store())
    script._embed_every_time(cache)
    assert cache.embeddings.from_stored(b"\0" * 1536) is None
