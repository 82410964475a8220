"""The one-sided-words measurement's helpers (``benchmarks/one_sided.py``): the guard's reason read back into
the side that has the words, the words taken out of the text, a word's kind by its place and ending, and the
two-signal rule's cuts kept to their trap budget. Invented texts, no dev item."""

from __future__ import annotations

from types import ModuleType

import pytest

from tests.support.benchmarks import load_script

PREPOSITIONS = frozenset({"for", "on", "in", "with"})


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("one_sided")


def test_one_sided_words_found_on_their_side(script: ModuleType) -> None:
    query, candidate = "How do I prune a young apple tree in winter?", "How do I prune an apple tree in winter?"
    assert script.one_sided("different subject: 'young' vs nothing", query, candidate, "", "") == (True, ["young"])
    assert script.one_sided("different subject: nothing vs 'young'", candidate, query, "", "") == (False, ["young"])
    # Words on both sides are a swap, and names are another reason: neither is read.
    assert script.one_sided("different subject: 'pear' vs 'apple'", query, candidate, "", "") is None
    assert script.one_sided("different names: 'oslo' vs nothing", query, candidate, "", "") is None


def test_deleted_takes_whole_words_out_once(script: ModuleType) -> None:
    text = "can a puppy chew a chewy toy safely while the puppy teethes"
    assert script.deleted(text, ["safely", "puppy"]) == "can a chew a chewy toy while the puppy teethes"
    assert script.deleted("is Chew ok", ["chew"]) == "is ok"  # any case, never inside another word


@pytest.mark.parametrize(
    ("tokens", "at", "kind"),
    [
        (["repot", "a", "fern", "for", "a", "beginner"], 5, "after a preposition"),
        (["repot", "a", "fern", "for", "3", "beginners"], 5, "after a preposition"),
        (["gently", "repot", "a", "fern"], 0, "adverb (-ly)"),
        (["keep", "watering", "the", "fern"], 1, "verb form (-ing/-ed)"),
        (["an", "affordable", "fern"], 1, "adjective ending"),
        (["repot", "the", "fern", "today"], 3, "noun/other"),
    ],
)
def test_kind_by_place_and_ending(script: ModuleType, tokens: list[str], at: int, kind: str) -> None:
    assert script.kind_of(tokens, at, PREPOSITIONS) == kind


def _item(script: ModuleType, name: str, hit: bool, deletion: float, away: float) -> object:
    values = {"deletion": deletion, "away": away, "pair": 0.9, "share": -0.2}
    return script.OneSided(name, hit, True, values, "lone question", "noun/other", "")


def test_rule_cuts_keep_to_the_trap_budget(script: ModuleType) -> None:
    items = [
        _item(script, "s1", True, 0.99, 0.01),
        _item(script, "s1", True, 0.98, 0.00),
        _item(script, "s2", False, 0.99, -0.02),  # barely moved, but taken out it nears the other side
        _item(script, "s2", False, 0.80, 0.03),  # away from the other side, but moved far
        _item(script, "s3", True, 0.97, -0.03),  # lifted only with the first trap
    ]
    cuts, hits, traps = script.best_rule(items, 0)
    assert (hits, traps) == (2, 0)
    assert script.lifts(items[0].values, cuts) and not script.lifts(items[2].values, cuts)
    assert not script.lifts(items[3].values, cuts)
    assert script.best_rule(items, 1)[1:] == (3, 1)  # the third should-hit costs a trap
