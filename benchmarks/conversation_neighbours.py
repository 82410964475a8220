"""Which conversations are served another pair's answer when every stored side shares one scope, and by which stage.

``nearhit eval`` counts these lookups (neighbour wrong hits, its second pass over a conversation set) but does not
say which they are. This runs that pass on dev splits, one set at a time: every ``a`` stored in one scratch scope,
each ``b`` looked up there, as the eval does. For each lookup served the answer of another pair's ``a`` (not its own
question's), it prints the asked pair, the pairs whose answer it got, the stage that served it
(:func:`conversation_misses.served_by`: the stage, its margin, the questions' and the turns' similarity, the judge's
p where it read the hit) and both last questions; then the count per stage and margin. The same sets as
``conversation_misses.py``: the fit dev splits by default, never a held-out set.

    python benchmarks/conversation_neighbours.py                       # the fit dev splits
    python benchmarks/conversation_neighbours.py --sets validation     # the validation dev splits, read once
    python benchmarks/conversation_neighbours.py --files a_dev.jsonl   # these files as the sets
"""

from __future__ import annotations

import argparse
import asyncio
from collections import Counter
from collections.abc import Sequence

import conversation_misses as misses
from nearhit import evaluation
from nearhit.cli._common import settings
from nearhit.cli.eval_cmd import _configured
from nearhit.evaluation.dataset import Pair
from nearhit.evaluation.runner import answer, is_neighbour, judge_with, questions_by_answer, scratch


def owners(pairs: Sequence[Pair]) -> dict[str, list[str]]:
    """The ids of the pairs whose stored answer each answer text is: a served answer names whose it was."""
    found: dict[str, list[str]] = {}
    for pair in pairs:
        found.setdefault(answer(pair), []).append(pair.id)
    return found


async def neighbours(sets: Sequence[str]) -> Counter[str]:
    """Print each neighbour wrong hit of ``sets``' dev splits (one shared scope a set); the count per stage."""
    stages: Counter[str] = Counter()
    async with evaluation.scratch_cache(settings()) as cache:
        judges = evaluation.guard_sets(_configured(cache), decision=cache.decision, guards=cache.guards)
        judge_with(cache, next(iter(judges.values())))
        for name in sets:
            pairs = evaluation.load(name, "dev")
            whose, questions = owners(pairs), questions_by_answer(pairs)
            async with scratch(cache, pairs, shared=True) as asks:
                for pair, ask in zip(pairs, asks, strict=True):
                    result = await cache.lookup(ask())
                    answered = result.answer if result.match is not None else None
                    if answered is None or not is_neighbour(pair, answered.response, questions):
                        continue
                    served_from = whose.get(answered.response, [])
                    how = misses.served_by(result)
                    stages[" ".join(how.split()[1:3])] += 1  # the stage and its margin ("judge": its own serve)
                    print(f"{pair.id} [{'should-hit' if pair.same_answer else 'trap'}] got {','.join(served_from)}")
                    print(f"    {how}")
                    print(f"    asked:  {pair.b.prompt[:110]!r}")
                    print(f"    served: {answered.prompt[:110]!r}")
    return stages


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), help="only these dev splits (default: fit)")
    parser.add_argument("--files", nargs="+", metavar="JSONL", help="these files as the sets (their dev pairs)")
    args = parser.parse_args()
    sets = tuple(args.files) if args.files else misses.chosen_sets(args.sets or "fit")
    with misses.stages_watched():
        stages = asyncio.run(neighbours(sets))
    print("\n| stage, margin | lookups served another pair's answer |\n|---|---|")
    for stage, count in stages.most_common():
        print(f"| {stage} | {count} |")


if __name__ == "__main__":
    main()
