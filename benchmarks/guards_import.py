"""The cost of ``import nearhit.guards`` in a fresh process, and of the build check alone (``nearhit.native.activate``,
run 50 times more after the import): CPU and wall clock, one JSON line. Run it once per process, interleaving the
trees to compare:

    for i in 1 2 3 4 5 6; do for tree in /tmp/before /tmp/after; do
        (cd $tree && PYTHONPATH=src python benchmarks/guards_import.py); done; done
"""

from __future__ import annotations

import json
import time

CALLS = 50

wall, cpu = time.perf_counter(), time.process_time()
import nearhit.guards as guards  # noqa: E402  (what is measured)

imported = time.perf_counter() - wall, time.process_time() - cpu

from nearhit import native  # noqa: E402

wall, cpu = time.perf_counter(), time.process_time()
for _ in range(CALLS):
    native.activate([])
checked = (time.perf_counter() - wall) / CALLS, (time.process_time() - cpu) / CALLS
print(
    json.dumps(
        {
            "build": guards.BUILD.split(" (")[0],
            "import_cpu_ms": round(imported[1] * 1e3, 2),
            "import_wall_ms": round(imported[0] * 1e3, 2),
            "check_cpu_ms": round(checked[1] * 1e3, 3),
            "check_wall_ms": round(checked[0] * 1e3, 3),
        }
    )
)
