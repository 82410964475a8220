"""The default's stop past a veto, measured (issue 13, tenth session): nothing farther than a candidate a guard
vetoes is served (``nearhit.cache.choose.by_guards``), against the default before it (``by_guards`` as of
``--base``, read from git).

For each set's DEV split, every pair's ``a`` in one scratch scope (``nearhit eval --shared``) and each pair alone
(pair mode), each ``b`` looked up through the real cache path with the default's guards, before and after.
Prints, per set and pooled, should-hits / traps served in pair mode and neighbour wrong / all wrong answers under
--shared, then every lookup whose served answer the stop changed, to be read and labelled by hand: the query, the
candidate served before, and the candidates after. DEV splits only: no test pair is loaded.

    PYTHONPATH=src:benchmarks .venv/bin/python benchmarks/guards_stop.py [--sets nearhit-v16,nearhit-conversations-v10]
"""

from __future__ import annotations

import argparse
import asyncio
import subprocess
import types
from collections.abc import Callable, Sequence

from decision_shared import Seen, line, record
from nearhit import evaluation
from nearhit.cache import SemanticCache, choose
from nearhit.config import load_settings
from nearhit.evaluation import Pair
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.evaluation.runner import answer, judge_with, scratch
from nearhit.guards import GuardSet

QUESTION_SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 18)))
BASE = "53c054c"
"""The last commit whose ``by_guards`` serves a farther candidate past a veto."""


def before(base: str) -> Callable[..., None]:
    """``by_guards`` as it was at ``base``."""
    source = subprocess.run(
        ["git", "show", f"{base}:src/nearhit/cache/choose.py"], check=True, capture_output=True, text=True
    ).stdout
    module = types.ModuleType("choose_before")
    exec(compile(source, "choose_before.py", "exec"), module.__dict__)
    return module.by_guards  # type: ignore[no-any-return]


async def passes(
    cache: SemanticCache, pairs: Sequence[Pair], choosers: dict[str, Callable[..., None]], shared: bool
) -> dict[str, list[Seen]]:
    """Each chooser's lookups over one scratch store of ``pairs`` (the default's guards)."""
    owner = {answer(p): p for p in pairs}
    found: dict[str, list[Seen]] = {}
    current = choose.by_guards
    try:
        async with scratch(cache, pairs, shared=shared) as asks:
            for label, chooser in choosers.items():
                choose.by_guards = chooser  # type: ignore[assignment]
                found[label] = [
                    record(pair, await cache.lookup(ask()), owner) for pair, ask in zip(pairs, asks, strict=True)
                ]
    finally:
        choose.by_guards = current  # type: ignore[assignment]
    return found


def own_hits(shared: Sequence[Seen]) -> str:
    """Should-hits served their own answer under --shared."""
    hits = sum(s.own and s.pair.same_answer for s in shared)
    return f"shared should-hits {hits}/{sum(s.pair.same_answer for s in shared)}"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join((*QUESTION_SETS, *reversed(CONVERSATION_SETS))))
    parser.add_argument("--base", default=BASE, help="the commit of the default before the stop")
    args = parser.parse_args()
    choosers = {"before": before(args.base), "after": choose.by_guards}
    totals: dict[str, dict[str, list[Seen]]] = {label: {"pair": [], "shared": []} for label in choosers}
    changed: list[tuple[str, Seen, Seen]] = []
    async with evaluation.scratch_cache(load_settings()) as cache:
        judge_with(cache, cache.guards or GuardSet.default())
        for name in [s for s in args.sets.split(",") if s]:
            pairs = evaluation.load(name, "dev")
            by_id = {p.id: p for p in pairs}
            pair_mode = await passes(cache, pairs, choosers, shared=False)
            shared = await passes(cache, pairs, choosers, shared=True)
            for label in choosers:
                totals[label]["pair"] += pair_mode[label]
                totals[label]["shared"] += shared[label]
                print(line(f"{name} {label}", pair_mode[label], shared[label]), own_hits(shared[label]), flush=True)
            for mode, runs in (("pair", pair_mode), ("shared", shared)):
                for was, now in zip(runs["before"], runs["after"], strict=True):
                    if was.served != now.served:
                        changed.append((name, was, now))
                        served = by_id[was.served].a.prompt if was.served else None
                        print(
                            f"  CHANGED {mode} {name} {was.pair.id} {was.pair.category} same={was.pair.same_answer}"
                            f" wrong={was.wrong} before={was.served} after={now.served}\n"
                            f"    b: {was.pair.b.prompt[:200]}\n    own a: {was.pair.a.prompt[:200]}\n"
                            f"    served before: {served and served[:200]}\n    after: {now.detail}",
                            flush=True,
                        )
    print("\n| dev split | should-hits (pair) | traps served (pair) | neighbour wrong (shared) | all wrong (shared) |")
    print("|---|---|---|---|---|")
    for label, runs in totals.items():
        print(line(f"pooled {label}", runs["pair"], runs["shared"]), own_hits(runs["shared"]))
    removed = [was for _, was, _ in changed]
    print(f"\nlookups changed: {len(changed)}; of them wrong before: {sum(s.wrong for s in removed)}")


if __name__ == "__main__":
    asyncio.run(main())
