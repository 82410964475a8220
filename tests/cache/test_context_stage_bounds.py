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
        matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
        assert story._near_identical(matcher) == (matcher.ratio() >= story.NEAR_IDENTICAL)


def test_same_turns_whatever_is_compared_first() -> None:
    said = Context((("user", "My Dog is 3."), ("assistant", "OK!")))
    assert context_match.same_turns(said, Context((("user", "my dog is 3"), ("assistant", "ok")))) is True
    assert context_match.same_turns(said, said) is True
    assert context_match.same_turns(said, Context((("user", "My Dog is 3."),))) is False
    assert context_match.same_turns(said, Context((("user", "My cat is 3."), ("assistant", "OK!")))) is False
