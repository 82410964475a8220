"""Which conversation dev pairs the exchanged-thing checks read otherwise now: their reach, to look up again.

A stop word written as a name is a name ("in Go" / "in Rust", "in May" / "in August") and an article opening a
stretch is not counted ("a fluticasone nasal spray" / "Piriton chlorphenamine tablets"); the pairs listed are to be
looked up through the real cache on the base tree and on this one.

The checks (:func:`exchanged.swapped_thing`, :func:`~exchanged.swapped_stretch`, :func:`~exchanged.swapped_slots`)
read two sides' user turns, as one text a side (:func:`conversation.differs`) and turn by turn (the second chances
that compare turns apart): a pair is listed when any of them reads any of these otherwise, either way round. Reads
no outcome; the reach is a superset of the pairs the change can move.

    python benchmarks/stop_word_names.py --sets fit > reach_fit.txt
    python benchmarks/conversation_misses.py --sets fit --ids reach_fit.txt --pairs after.txt   # and on the base
"""

from __future__ import annotations

import argparse
import itertools
from collections.abc import Callable, Iterator

from conversation_misses import chosen_sets
from nearhit import evaluation
from nearhit.cache import exchanged
from nearhit.evaluation.dataset import Pair
from nearhit.guards.text import folded_words

CHECKS = (exchanged.swapped_thing, exchanged.swapped_stretch, exchanged.swapped_slots)


def _user_texts(pair: Pair) -> Iterator[tuple[str, str]]:
    """The texts the checks compare: both sides' user turns as one text, and each user turn against each."""
    ours = [content for role, content in pair.a.history if role == "user"]
    others = [content for role, content in pair.b.history if role == "user"]
    if ours and others:
        yield "\n".join(ours), "\n".join(others)
        yield from itertools.product(ours, others)


def _readings(story: str, other: str) -> tuple[str | None, ...]:
    """Each check's verdict, both ways round."""
    return tuple(check(a, b) for check in CHECKS for a, b in ((story, other), (other, story)))


def _as_before() -> Callable[[], None]:
    """The base's reading (every word folded, a stretch counted whole) in force; returns what puts this one back."""
    words, span = exchanged.story_words, exchanged._span
    exchanged.story_words, exchanged._span = folded_words, len  # type: ignore[assignment]

    def restore() -> None:
        exchanged.story_words, exchanged._span = words, span  # type: ignore[assignment]

    return restore


def reach(pair: Pair) -> bool:
    """Whether a check reads any of the pair's user texts otherwise than the base does."""
    texts = list(_user_texts(pair))
    now = [_readings(*text) for text in texts]
    restore = _as_before()
    try:
        before = [_readings(*text) for text in texts]
    finally:
        restore()
    return now != before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), required=True)
    args = parser.parse_args()
    for name in chosen_sets(args.sets):
        for pair in evaluation.load(name, "dev"):
            if reach(pair):
                print(pair.id)


if __name__ == "__main__":
    main()
