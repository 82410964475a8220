"""Which judgements of a story told as one question the slot reading moves, at the text level (no embedding).

:func:`conversation.differs_from_one` read with and without the assistant's questions the telling's answers fill
(:func:`conversation.answered_questions`), on the dev splits of ``--sets`` (``conversation_misses.py``'s fit or
validation): every pair with one side a single message and the other a conversation (as the lookup tells it), and
every pair of two conversations with each side in turn written as one message (``told_as_one_probe.as_written``),
the trap tellings the data has few real pairs of. Prints each pair whose verdict moves and, per category, how many
judgements moved. Dev splits only.

    python benchmarks/told_slots_probe.py --sets fit
    python benchmarks/told_slots_probe.py --sets validation      # once per reading
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Iterator

from conversation_misses import chosen_sets
from nearhit.cache import conversation
from nearhit.evaluation.dataset import Pair, Side, load
from told_as_one_probe import as_written


def tellings(pair: Pair) -> Iterator[tuple[str, Side]]:
    """The single message and the conversation side of each telling ``pair`` gives."""
    if bool(pair.a.history) != bool(pair.b.history):
        single, told = (pair.b, pair.a) if pair.a.history else (pair.a, pair.b)
        yield single.prompt, told
    elif pair.a.history and pair.b.history:
        yield as_written(pair.a).prompt, pair.b
        yield as_written(pair.b).prompt, pair.a


def verdicts(single: str, side: Side) -> tuple[str | None, str | None] | None:
    """``differs_from_one`` without and with the slots, as ``context_match._serves`` reads the telling."""
    context = conversation.context_of(side.history, side.prompt)
    if context is None:
        return None
    told = conversation.told_as_one(context, side.prompt)
    answer, answered = conversation.last_answer(context), conversation.asked_for(context)
    read = conversation.replies_read(told, answered)
    asked = conversation.answered_questions(context)
    plain = conversation.differs_from_one(read, single, answer)
    return plain, conversation.differs_from_one(read, single, answer, asked)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    args = parser.parse_args()
    judged: Counter[tuple[str, bool]] = Counter()
    moved: Counter[tuple[str, bool]] = Counter()
    for name in chosen_sets(args.sets):
        for pair in load(name, "dev"):
            for single, side in tellings(pair):
                found = verdicts(single, side)
                if found is None:
                    continue
                key = (pair.category, pair.same_answer)
                judged[key] += 1
                if (found[0] is None) != (found[1] is None):
                    moved[key] += 1
                    print(f"{pair.id} should-hit={pair.same_answer} | {found[0]} -> {found[1]}")
    print("| category | should-hit | judged | moved |\n|---|---|---|---|")
    for (category, hit), count in sorted(judged.items()):
        print(f"| {category} | {hit} | {count} | {moved[(category, hit)]} |")


if __name__ == "__main__":
    main()
