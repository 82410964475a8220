"""What the typo repair costs a prompt: ``repair_typos`` on every question DEV prompt, its index warm and its
per-text cache bypassed (the index's build time is printed apart). DEV splits only.

    PYTHONPATH=src python benchmarks/typo_repair_timing.py
"""

from __future__ import annotations

import statistics
import time

from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import load
from nearhit.guards import spelling
from nearhit.guards.text import expand_short_forms

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 18)))


def main() -> None:
    texts = [expand_short_forms(normalise(s.prompt)) for name in SETS for p in load(name, "dev") for s in (p.a, p.b)]
    start = time.perf_counter()
    spelling.warm()
    print(f"index built in {time.perf_counter() - start:.2f} s")
    repair = spelling.repair_typos.__wrapped__  # the work itself, not the LRU in front of it
    times = []
    for text in texts:
        start = time.perf_counter()
        repair(text)
        times.append((time.perf_counter() - start) * 1000)
    times.sort()
    p99 = times[int(len(times) * 0.99)]
    print(f"{len(texts)} prompts: p50 {statistics.median(times):.3f} ms, p99 {p99:.3f} ms")


if __name__ == "__main__":
    main()
