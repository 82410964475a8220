"""Which conversation dev pairs a change to how a request is read touches, and how those pairs end.

A change to what a conversation's side is read as (its prompt, context, earlier turns and scope: ``AskRequest``'s
lookup) can change only the pairs whose reading it changes. ``--dump`` writes every dev pair's two readings (no
Redis, no embedding: seconds); ``--compare`` lists the pairs two dumps read differently, per set and category, and
runs those pairs through the real cache as ``conversation_misses.py`` runs them (the tree checked out now). Every
other pair is read, and so looked up, as before. Dev splits only.

    git stash; python benchmarks/conversation_readings.py --dump base.json; git stash pop
    python benchmarks/conversation_readings.py --dump after.json
    python benchmarks/conversation_readings.py --compare base.json after.json  # the touched pairs, run now
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter

from conversation_misses import SETS, cause, each_lookup
from nearhit import evaluation
from nearhit.evaluation.dataset import Side
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest


def reading(side: Side) -> list[str | None]:
    """How the service reads a side: its prompt, context, earlier turns and semantic scope."""
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    query = AskRequest(side.prompt, tenant="t", history=history).checked("default", 1_000_000).query
    assert query is not None
    context = query.context.to_json() if query.context is not None else None
    earlier = query.earlier.to_json() if query.earlier is not None else None
    return [query.prompt, context, earlier, query.scope.search_id]


def dump(path: str) -> None:
    readings = {pair.id: [reading(pair.a), reading(pair.b)] for name in SETS for pair in evaluation.load(name, "dev")}
    with open(path, "w", encoding="utf-8") as out:
        json.dump(readings, out)
    print(f"{len(readings)} dev pairs read, {path}")


def _load(path: str) -> dict[str, list[list[str | None]]]:
    with open(path, encoding="utf-8") as readings:
        return json.load(readings)  # type: ignore[no-any-return]


async def compare(before: dict[str, list[list[str | None]]], now: dict[str, list[list[str | None]]]) -> None:
    touched = {pair for pair in now if now[pair] != before.get(pair)}
    print(f"{len(touched)} of {len(now)} dev pairs read differently")
    outcomes: Counter[tuple[str, str, str]] = Counter()
    async for name, pair, _, _, result in each_lookup(touched):
        kind = "should-hit" if pair.same_answer else "trap"
        outcomes[name, pair.category, f"{kind} {'served' if result.match else 'missed'}"] += 1
        print(f"{name} {pair.id} {pair.category} {kind}: {cause(result)}")
    print("\n| set (dev) | category | outcome now | pairs |\n|---|---|---|---|")
    for (name, category, outcome), count in sorted(outcomes.items()):
        print(f"| {name} | {category} | {outcome} | {count} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dump", metavar="JSON", help="write every dev pair's readings to this file")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "AFTER"), help="the pairs two dumps read differently")
    args = parser.parse_args()
    if args.dump:
        dump(args.dump)
    if args.compare:
        asyncio.run(compare(*(_load(path) for path in args.compare)))


if __name__ == "__main__":
    main()
