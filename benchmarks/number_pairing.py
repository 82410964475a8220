"""The number guard on texts of many numbers: CPU seconds of one ``NumberGuard.signal`` per size, for four shapes
(distinct numbers on each side; the same measures said on both; a lone "1 kg" said again against other measures;
measures within 4% of each other, none equal).

    PYTHONPATH=src python benchmarks/number_pairing.py 500 1000 2000 4000

Run it on another tree's ``src`` (``git archive <commit> src | tar -x -C /tmp/base``) for the before.
"""

from __future__ import annotations

import sys
import time

from nearhit.guards.numbers import NumberGuard

SHAPES = {
    "distinct": lambda n: (" ".join(str(i) for i in range(n)), " ".join(str(i + n) for i in range(n))),
    "same measures": lambda n: (" ".join(f"{i} kg" for i in range(n)), " ".join(f"{i} kg" for i in range(n))),
    "ones vs others": lambda n: (" ".join("1 kg" for _ in range(n)), " ".join(f"{i} lbs" for i in range(n))),
    "near measures": lambda n: (
        " ".join(f"100.{i:04d} kg" for i in range(n)),
        " ".join(f"101.{i:04d} kg" for i in range(n)),
    ),
}


def main(sizes: list[int]) -> None:
    guard = NumberGuard()
    print("numbers per side | " + " | ".join(SHAPES))
    for n in sizes:
        cells = []
        for make in SHAPES.values():
            query, candidate = make(n)
            started = time.process_time()
            guard.signal(query, candidate)
            cells.append(f"{time.process_time() - started:.3f} s")
        print(f"{n:,} | " + " | ".join(cells))


if __name__ == "__main__":
    main([int(arg) for arg in sys.argv[1:]] or [500, 1000, 2000])
