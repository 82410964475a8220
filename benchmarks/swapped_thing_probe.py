"""Where ``exchanged.swapped_thing`` fires on the conversation dev splits' user turns, and whether a base run served
those pairs: a refusal can only move the pairs it fires on (swap68, issue 14). Dev splits only.

    python benchmarks/swapped_thing_probe.py BASE_PAIRS.txt   # a conversation_misses.py --pairs file
"""

from __future__ import annotations

import sys
from collections import Counter

from nearhit import evaluation
from nearhit.cache import exchanged
from nearhit.evaluation.dataset import CONVERSATION_SETS


def main(base: str) -> None:
    with open(base, encoding="utf-8") as lines:
        served = {line.split()[0]: line.split()[1] == "served" for line in lines if line.strip()}
    fires: Counter[tuple[str, bool | None]] = Counter()
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            users = ["\n".join(text for role, text in side.history if role == "user") for side in (pair.b, pair.a)]
            why = all(users) and exchanged.swapped_thing(*users)
            if why:
                kind = ("should-hit" if pair.same_answer else "trap", served.get(pair.id))
                fires[kind] += 1
                print(pair.id, kind, why)
    for (kind, was_served), count in sorted(fires.items(), key=str):
        print(f"{kind}: {count} ({'served' if was_served else 'not served'} by the base run)")


if __name__ == "__main__":
    main(sys.argv[1])
