"""The CPU of :func:`conversation.differs` per pair over the conversation dev splits' pairs with turns on both sides.

Each pair's two histories compared as a lookup compares them (the contexts' similarity taken as 1.0, so every check
runs), three passes in one process: the first with the text caches cold, the next two warm. Run it on two trees in
turn, alternated, to compare a change of the context checks (CPU, so less noisy than wall time on a shared machine).

    PYTHONPATH=src:benchmarks python benchmarks/conversation_differs_cpu.py
"""

from __future__ import annotations

import time

from conversation_vetoes import _context
from nearhit import evaluation
from nearhit.cache import conversation as cv
from nearhit.evaluation.dataset import CONVERSATION_SETS

PASSES = 3


def main() -> None:
    pairs = [p for name in CONVERSATION_SETS for p in evaluation.load(name, "dev") if p.a.history and p.b.history]
    compared = [(p.b.prompt, _context(p.b), _context(p.a), p.a.prompt) for p in pairs]
    per_pair = []
    for _ in range(PASSES):
        started = time.process_time()
        for question, query, cached, asked in compared:
            cv.differs(question, query, cached, 1.0, asked)
        per_pair.append((time.process_time() - started) / len(compared) * 1e3)
    print(f"{len(compared)} pairs, CPU ms a pair (cold, then warm): {' '.join(f'{ms:.3f}' for ms in per_pair)}")


if __name__ == "__main__":
    main()
