"""Which dev pairs whose two sides each stand alone after earlier turns does :func:`story.exchanged_in_frame`
refuse where :func:`story.one_slot` did not? Offline (no Redis): the sides read as the service reads them, the
check run on the user turns. Only such pairs can move (:func:`context_match._alone_differs`); run the moved ids
end to end with ``conversation_misses.py --ids``. ``--sets``: the sets to read (comma-separated; default: the
conversation sets up to -v43 and fow-cache's).

    python benchmarks/alone_frame_probe.py
    python benchmarks/alone_frame_probe.py --sets nearhit-conversations-v44,nearhit-conversations-v45
"""

from __future__ import annotations

import argparse
from collections import Counter

from nearhit.cache import story
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS, Side
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest

HELD = tuple(f"nearhit-conversations-v{n}" for n in (44, 45, 46, 47))


def read(side: Side) -> object:
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    return AskRequest(side.prompt, tenant="t", history=history).checked("default", 100_000).query


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", default=",".join(name for name in CONVERSATION_SETS if name not in HELD))
    args = parser.parse_args()
    counts: Counter[tuple[str, bool]] = Counter()
    for name in args.sets.split(","):
        for pair in dataset.load(name, "dev"):
            asked, stored = read(pair.b), read(pair.a)
            mine, theirs = getattr(asked, "earlier", None), getattr(stored, "earlier", None)
            if getattr(asked, "context", None) or getattr(stored, "context", None) or mine is None or theirs is None:
                continue
            users = story._said_by(mine.turns, "user"), story._said_by(theirs.turns, "user")
            moved = story.one_slot(*users) is None and story.exchanged_in_frame(*users) is not None
            kind = "should-hit" if pair.same_answer else "trap"
            counts[kind, moved] += 1
            if moved:
                print(f"refused: {pair.id} {pair.category} ({kind})")
    for kind in ("should-hit", "trap"):
        alone = counts[kind, True] + counts[kind, False]
        print(f"{kind}s alone on both sides: {alone}, refused now: {counts[kind, True]}")


if __name__ == "__main__":
    main()
