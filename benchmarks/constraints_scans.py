"""The constraints' readings (``nearhit.cache.constraints``) with and without their scans skipped, on every text of the
fit dev splits: the same output for each, and the time of each.

``conditions_of``, ``alternatives_of`` and ``_condition_phrases`` scan a text with one alternation of phrases per
category of alternatives and one of every condition; since the thirty-sixth session (helper lt43) a pattern none of
whose phrases' first words opens a run of the text's word characters is not scanned (:func:`constraints._may_match`).
This reads each text both ways (the plain scans as they were: ``tests.support.plain_constraints``) and fails on the
first that differs.

    PYTHONPATH=src:. python benchmarks/constraints_scans.py [--sets fit] [--limit N]
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable

from conversation_misses import chosen_sets
from nearhit.cache import constraints, conversation
from nearhit.evaluation import dataset
from tests.support.plain_constraints import plain_alternatives, plain_conditions, plain_phrases

READINGS: tuple[tuple[str, Callable[[str], object], Callable[[str], object]], ...] = (
    ("conditions_of", plain_conditions, constraints.conditions_of.__wrapped__),
    ("alternatives_of", plain_alternatives, constraints.alternatives_of.__wrapped__),
    ("_condition_phrases", plain_phrases, constraints._condition_phrases.__wrapped__),
)


def texts_of(names: tuple[str, ...]) -> list[str]:
    """Every prompt, turn, side's user turns (as said and as affirmed), assistant turns and whole context."""
    seen: dict[str, None] = {}
    for name in names:
        for pair in dataset.load(name, "dev"):
            for side in (pair.a, pair.b):
                seen[side.prompt] = None
                for _, content in side.history:
                    seen[content] = None
                context = conversation.context_of(side.history, side.prompt) if side.history else None
                if context is not None:
                    for text in (context.users, context.assistants, context.text, conversation._affirmed(context)):
                        seen[text] = None
    return list(seen)


def main(which: str, limit: int | None) -> None:
    texts = texts_of(chosen_sets(which))[:limit]
    print(f"{len(texts):,} texts of the {which} dev splits\n")
    print("| reading | texts | the same | plain ms (sum) | skipping ms (sum) |\n|---|---|---|---|---|")
    for name, plain, skipping in READINGS:
        constraints._starts.cache_clear()
        spent = [0.0, 0.0]
        for text in texts:
            started = time.perf_counter()
            before = plain(text)
            middle = time.perf_counter()
            after = skipping(text)
            spent[0] += middle - started
            spent[1] += time.perf_counter() - middle
            if before != after:
                sys.exit(f"{name} differs on {text!r}: {before!r} vs {after!r}")
        print(f"| {name} | {len(texts):,} | all | {spent[0] * 1000:,.0f} | {spent[1] * 1000:,.0f} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--limit", type=int, help="the first N texts only")
    arguments = parser.parse_args()
    main(arguments.sets, arguments.limit)
