"""Role and direction look-alikes of the DEV splits the direction guard reads as roles (issue 13), beside the reorders
it must pass (``data/roles_dev.jsonl``, written by ``make golden``: ``tests/support/golden.py``).

Each look-alike (``same_answer`` false) is a dev trap the guard reads both ways as roles swapped or who acts; the
fourteenth session's rules found the ones no rule read before by a rule that is not a list of its words: two runs of
tokens exchanged around one word that gives a role, however close ("convert a String into a &str" / "a &str into a
String", "`string` assignable to `string | number`"); one end of a relation between parties named on one side and
only its other end on the other ("the employer pays" / "the employee pays", ``data/converses.txt``); the speaker
acted on against a party named on both sides ("charge me ... by my guest" / "charge my guest"). Its ``reads`` is how
the reason opens. Each should-hit is a ``reorder`` pair of the dev splits: it must pass, but for those with a
``limit`` (the guard vetoes them; strict xfails). Sources: fow-cache's question pairs (Mabon ap Gwyn, CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/) and nearhit's own sets; no pair from a test split.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nearhit.evaluation import split_of
from nearhit.guards import DirectionGuard
from nearhit.guards.lexicon import pairs

_PAIRS: list[dict[str, Any]] = [
    json.loads(line) for line in (Path(__file__).parent / "data" / "roles_dev.jsonl").read_text().splitlines()
]


def _name(pair: dict[str, Any]) -> str:
    return f"{pair['set']}:{pair['id']}"


def test_the_pairs_are_dev_pairs_of_both_kinds() -> None:
    assert all(split_of(p["id"]) == "dev" for p in _PAIRS)
    assert sum(not p["same_answer"] for p in _PAIRS) >= 10
    assert sum(p["same_answer"] for p in _PAIRS) >= 150


@pytest.mark.parametrize("pair", [p for p in _PAIRS if not p["same_answer"]], ids=_name)
def test_a_role_look_alike_is_read_both_ways(pair: dict[str, Any]) -> None:
    guard = DirectionGuard()
    for query, candidate in ((pair["b"], pair["a"]), (pair["a"], pair["b"])):
        signal = guard.signal(query, candidate)
        assert signal is not None and signal.strength >= guard.cut, (query, candidate)
        assert signal.reason.startswith(pair["reads"]), signal.reason


@pytest.mark.parametrize(
    "pair",
    [
        pytest.param(p, id=_name(p), marks=[pytest.mark.xfail(reason=p["limit"], strict=True)] if "limit" in p else [])
        for p in _PAIRS
        if p["same_answer"]
    ],
)
def test_a_reorder_passes(pair: dict[str, Any]) -> None:
    assert DirectionGuard().signal(pair["b"], pair["a"]) is None


def test_no_party_is_at_both_ends_of_a_relation() -> None:
    """A word on both ends of one relation, or in two relations, would read a rewording as the other party."""
    seen: dict[str, int] = {}
    for relation, (left, right) in enumerate(pairs("converses.txt")):
        assert left and right and not set(left) & set(right), (left, right)
        for word in (*left, *right):
            assert seen.setdefault(word, relation) == relation, word
