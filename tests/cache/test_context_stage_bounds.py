"""The context stage's shortcuts (issue 14, helper lat31a) give the answers of the full readings they skip:
``tokens_of`` is ``analyse(...).tokens``, the near-identical check's cheap upper bounds never refuse what the full
ratio passes, and two contexts' very same turns read the same whatever is compared first. Checked on the packaged
conversation sets' dev turns and on invented ones."""

from __future__ import annotations

import difflib
import itertools

from nearhit.cache import context_match, story
from nearhit.cache.conversation import Context
from nearhit.evaluation.dataset import load
from nearhit.guards.text import analyse, tokens_of


def _turns() -> list[str]:
    pairs = [p for name in ("conversations", "nearhit-conversations-v40") for p in load(name, "dev")]
    return [content for p in pairs for side in (p.a, p.b) for _, content in side.history][:600]


def test_tokens_of_is_the_analysis_tokens() -> None:
    for turn in [*_turns(), "I can't use my SSD w/o the '90s driver", "Ｈｏｗ 2 reset ½ cup", "the seventies, 24/25"]:
        assert tokens_of(turn) == analyse(turn).tokens


def test_near_identical_reads_what_the_ratio_reads() -> None:
    turns = [tokens_of(turn) for turn in _turns()[:60]]
    edited = [(a, (*a[: len(a) // 2], "another", *a[len(a) // 2 + 1 :])) for a in turns]  # near-identical pairs
    for a, b in [*itertools.combinations(turns, 2), *edited]:
        near = difflib.SequenceMatcher(None, a, b, autojunk=False).ratio() >= story.NEAR_IDENTICAL
        assert (story._near_identical(a, b) is not None) == near


def test_one_slot_reads_what_the_alignment_reads() -> None:
    users = _turns()[:60]
    edited = [(a, a.replace(" ", " another ", 1)) for a in users]  # one span added
    swapped = [
        (a, " ".join(w if n != len(a.split()) // 2 else "Florida" for n, w in enumerate(a.split()))) for a in users
    ]
    for a, b in [*itertools.combinations(users, 2), *edited, *swapped, *((a, a) for a in users)]:
        assert story.one_slot(a, b) == _one_slot_aligned(a, b)


def _one_slot_aligned(mine: str, theirs: str) -> str | None:
    """:func:`story.one_slot` as it read before its bound: every pair aligned."""
    a, b = tokens_of(mine), tokens_of(theirs)
    changes = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(changes) != 1 or len(a) - (changes[0][2] - changes[0][1]) < story.FRAME:
        return None
    tag, i1, i2, j1, j2 = changes[0]
    if tag != "replace" or not (story._has_content(a[i1:i2]) and story._has_content(b[j1:j2])):
        return None
    return f"{' '.join(a[i1:i2])!r} vs {' '.join(b[j1:j2])!r} in the same words"


def test_same_turns_whatever_is_compared_first() -> None:
    said = Context((("user", "My Dog is 3."), ("assistant", "OK!")))
    assert context_match.same_turns(said, Context((("user", "my dog is 3"), ("assistant", "ok")))) is True
    assert context_match.same_turns(said, said) is True
    assert context_match.same_turns(said, Context((("user", "My Dog is 3."),))) is False
    assert context_match.same_turns(said, Context((("user", "My cat is 3."), ("assistant", "OK!")))) is False
