"""Which conversation dev pairs :mod:`nearhit.cache.digression` can move: those whose asked side, read as the service
reads it, is the stored side turn for turn with a digression inserted (or the other way round). The rule changes
nothing else, and in ``nearhit eval`` each pair's ``b`` sees only its ``a``, so these are the only pairs whose outcome
it can change; look them up end to end with ``conversation_misses.py --ids``. Dev splits only.

    python benchmarks/digression_probe.py            # the pairs, one a line: set, id, category, should-hit
    python benchmarks/digression_probe.py --ids x.txt  # and their ids to x.txt
"""

from __future__ import annotations

import argparse

from nearhit import evaluation
from nearhit.cache import digression
from nearhit.cache.conversation import Context
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side
from nearhit.service.request import AskRequest, ChatMessage


def context(side: Side) -> Context | None:
    """A side's context as the service reads it (facts before the question moved into the turns)."""
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    return AskRequest(side.prompt, tenant="t", history=history).checked("default", 10**6).query.context  # type: ignore[union-attr]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", help="write the pairs' ids to this file, one a line")
    args = parser.parse_args()
    found, read = [], 0
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            read += 1
            stored, asked = context(pair.a), context(pair.b)
            if stored is not None and asked is not None and digression.left_out(asked, stored) is not None:
                found.append(pair.id)
                print(name, pair.id, pair.category, pair.same_answer)
    print(f"{len(found)} of {read} conversation dev pairs")
    if args.ids:
        with open(args.ids, "w", encoding="utf-8") as out:
            out.write("".join(f"{pair}\n" for pair in found))


if __name__ == "__main__":
    main()
