"""Every guard's signal (strength, reason, context, floor) on every dev pair, both ways round, as JSON lines:
written before and after a change to the guards' code that must not change what they say, then compared.

    python benchmarks/guards_signals.py > /tmp/before.jsonl     # on the tree before
    python benchmarks/guards_signals.py > /tmp/after.jsonl      # on the tree after
    cmp /tmp/before.jsonl /tmp/after.jsonl
    python benchmarks/guards_signals.py --prepared > /tmp/prepared.jsonl   # each query prepared first
    cmp /tmp/after.jsonl /tmp/prepared.jsonl

The dev splits of every built-in set (a conversation pair by its last prompts); no test split is read.
``--prepared`` has the guard set work out what it reads of each query alone first (``GuardSet.prepare``, what a
lookup may do while the query's embedding runs), each pair's candidate still unread: the lines must not change.
Run under one fixed hash seed (the script sets ``PYTHONHASHSEED=0`` itself), so that a reason that names words
in a set's order (Python's per-process string hashing) cannot differ between the two runs.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import fields

from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import BUILTIN, load
from nearhit.guards import GuardSet


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--prepared", action="store_true", help="GuardSet.prepare(query) before each pair")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # the same set orders in both runs, so the reasons compare
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    guards = GuardSet.default()
    for name in BUILTIN:
        for pair in load(name, "dev"):
            for query, candidate in ((pair.b.prompt, pair.a.prompt), (pair.a.prompt, pair.b.prompt)):
                for text_q, text_c in ((query, candidate), (normalise(query), normalise(candidate))):
                    if args.prepared:
                        guards.prepare(text_q)
                    signals = [guard.signal(text_q, text_c) for guard in guards.guards]
                    fields_of = [None if s is None else [getattr(s, f.name) for f in fields(s)] for s in signals]
                    print(json.dumps([name, pair.id, fields_of]))


if __name__ == "__main__":
    main()
