"""The dev pairs a reading of an added sentence can move: a whole sentence that one side's earlier user turns add,
every other sentence the same, the asker opening it as its subject (:func:`asker_sentence_added`: "... showed low
citrate. I also have stage 4 CKD."), the candidate ca33 patched into ``story.alone_differs`` (a question standing
alone after the same story; 6e7b13b3, and at 18cc765f any first-person word in the sentence) and dropped. The pairs it
prints (one id a line) are those ``conversation_misses.py --ids`` needs to look up on two trees: no other pair's
verdict can change (``alone_differs`` reads only the earlier turns of two conversations told as one story).

    PYTHONPATH=src:benchmarks python benchmarks/asker_sentence_reach.py --sets fit > reach_fit.txt
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter

from conversation_misses import chosen_sets
from nearhit.cache.story import same_story
from nearhit.evaluation import load
from nearhit.evaluation.dataset import Pair, Side
from nearhit.guards.text import folded_words

_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+|\n+")
_ASKER = frozenset({"i", "i'm", "i've", "i'd", "i'll", "we", "we're", "we've", "we'd", "we'll"})
"""The asker as a sentence's subject, in the first person (a closed class)."""
_OPENERS = frozenset({"oh", "and", "also", "btw", "but", "plus", "so", "ah", "actually", "though"})


def asker_sentence_added(mine: str, theirs: str) -> str | None:
    """A whole sentence about the asker that one side's user turns add to the other's, every other sentence the
    same, or None: the guess is that a question standing alone after the same story is then asked by another asker,
    whose condition its answer may turn on; a clause inside a sentence both tell is left to the detail checks."""
    a, b = _sentences(mine), _sentences(theirs)
    for more, less in ((a, b), (b, a)):
        if len(more) > len(less) and not Counter(less) - Counter(more):
            added = (Counter(more) - Counter(less)).elements()
            told = next((" ".join(s) for s in added if _asker_opens(s)), None)
            if told is not None:
                return f"one side adds a sentence about the asker: {told!r}"
    return None


def _asker_opens(sentence: tuple[str, ...]) -> bool:
    """Whether the asker opens ``sentence`` as its subject ("I also have ...", "oh and we're ..."), not a sentence
    about another person or thing that names them ("my mates think ...")."""
    words = list(sentence)
    while words and words[0] in _OPENERS:
        words.pop(0)
    return bool(words) and words[0] in _ASKER


def _sentences(text: str) -> list[tuple[str, ...]]:
    return [tuple(words) for part in _SENTENCE_END.split(text) if (words := folded_words(part))]


def _users(side: Side) -> str:
    return "\n".join(text for role, text in side.history if role == "user")


def reached(pair: Pair, *, any_person: bool = False) -> bool:
    """Whether both sides tell earlier turns, one story, and one side's user turns add a whole sentence (about the
    asker, unless ``any_person``: the first candidate's reach, any sentence added)."""
    if not pair.a.history or not pair.b.history or not same_story(pair.a.history, pair.b.history):
        return False
    a, b = _sentences(_users(pair.a)), _sentences(_users(pair.b))
    if any_person:
        return any(len(x) > len(y) and not Counter(y) - Counter(x) for x, y in ((a, b), (b, a)))
    return asker_sentence_added(_users(pair.a), _users(pair.b)) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--any-sentence", action="store_true", help="every whole sentence added (a superset)")
    args = parser.parse_args()
    found = [
        pair.id
        for name in chosen_sets(args.sets)
        for pair in load(name, "dev")
        if reached(pair, any_person=args.any_sentence)
    ]
    print("\n".join(found))
    print(f"{len(found)} pairs in reach", file=sys.stderr)


if __name__ == "__main__":
    main()
