"""The dev pairs whose conversation, told as one question, the scope guard still refuses against a single message
(a vetoing signal not marked ``stated_one_side``), and what the two asking sentences read alone give
(:func:`nearhit.guards.clauses.asking_sentence`): where a scope word said in the asking sentence sets the sides
apart, and where the story does. Offline (no Redis), one telling a pair (told as one, else with the answer).

    PYTHONPATH=src:benchmarks python benchmarks/told_scope_asked.py fit    # or: validation (counted once)
"""

from __future__ import annotations

import sys
from collections import Counter

from conversation_misses import chosen_sets
from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.evaluation.dataset import Pair
from nearhit.guards.clauses import asking_sentence
from nearhit.guards.scope import ScopeGuard


def refused(pair: Pair, guard: ScopeGuard) -> tuple[str, str, str] | None:
    """A telling of ``pair``'s conversation, the single message and the unmarked vetoing reason, if any."""
    for side, other in ((pair.a, pair.b), (pair.b, pair.a)):
        context = conversation.context_of(side.history, side.prompt)
        if context is None or conversation.context_of(other.history, other.prompt) is not None:
            continue
        tellings = (conversation.told_as_one(context, side.prompt), conversation.told_with_answer(context, side.prompt))
        for told in tellings:
            found = guard.signal(told, other.prompt) if told else None
            if found is not None and not found.stated_one_side and found.vetoes(guard.cut, None):
                return told, other.prompt, found.reason
    return None


def main() -> None:
    guard, counts = ScopeGuard(), Counter[tuple[str, bool, str]]()
    for name in chosen_sets(sys.argv[1] if len(sys.argv) > 1 else "fit"):
        for pair in evaluation.load(name, "dev"):
            if (found := refused(pair, guard)) is None:
                continue
            told, single, reason = found
            alone = guard.signal(asking_sentence(told), asking_sentence(single))
            read = "no signal" if alone is None else f"{alone.strength} {alone.reason}"
            counts[pair.category, pair.same_answer, read.split(" ", 1)[0]] += 1
            print(f"--- {pair.id} {pair.category} same={pair.same_answer}: {reason} | asking sentences alone: {read}")
            print(f"    told:   {asking_sentence(told)!r}\n    single: {asking_sentence(single)!r}")
    print("\n| category | should-hit | asking sentences alone | pairs |\n|---|---|---|---|")
    for (category, same, read), n in sorted(counts.items()):
        print(f"| {category} | {same} | {read} | {n} |")


if __name__ == "__main__":
    main()
