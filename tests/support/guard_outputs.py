"""Which build of the guards this process runs, and what every guard says on the guards' test pairs, as JSON lines.

Run in a subprocess on a tree with the guards compiled, once as built and once with ``NEARHIT_PURE_PYTHON=1``
(``tests/guards/test_native_build.py``): the first line names the file each guard module was loaded from, the rest
must be the same in both builds. Under ``PYTHONHASHSEED=0``, so that a reason naming words in a set's order reads
the same in both processes.
"""

from __future__ import annotations

import importlib
import json
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import nearhit.guards
from nearhit import native
from nearhit.guards import GuardSet

PAIRS = Path(__file__).parent.parent / "guards"


def pairs() -> Iterator[tuple[str, str]]:
    """Every (query, candidate) the guards' tests read from their data files, both ways round."""
    for path in sorted([*PAIRS.glob("*.jsonl"), *PAIRS.glob("data/*.jsonl")]):
        for line in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(line)
            one, other = (row["a"], row["b"]) if "a" in row else (row["query"], row["candidate"])
            yield one, other
            yield other, one


def main() -> None:
    modules = {name: importlib.import_module(f"nearhit.guards.{name}").__file__ for name in native.compiled_modules()}
    print(json.dumps({"build": nearhit.guards.BUILD, "modules": modules}))
    guards = GuardSet.default()
    for query, candidate in pairs():
        signals = [guard.signal(query, candidate) for guard in guards.guards]
        print(json.dumps([None if s is None else [getattr(s, f.name) for f in fields(s)] for s in signals]))


if __name__ == "__main__":
    main()
