"""Every question set's DEV split through the real path, pair mode and ``--shared``, tabulated (issue 13,
fifteenth session): the decision's operating point before and after, read as ``nearhit eval`` reads it.

``run`` calls ``nearhit eval -d SET --split dev --json`` (and ``--shared``) for each set in sequence, under the
environment it is started with (``NEARHIT_DECISION_THRESHOLD``, the package's model), and writes one JSON line
per set; ``--table`` reads two such files and prints per set and pooled: should-hits and traps served (pair
mode), neighbour wrong and all wrong answers (``--shared``), and how many sets serve more than 3% of their traps.
DEV splits only: no test pair is loaded.

    PYTHONPATH=src NEARHIT_DATA_DIR=... .venv/bin/python benchmarks/decision_sets_eval.py --out before.jsonl
    PYTHONPATH=src .venv/bin/python benchmarks/decision_sets_eval.py --table before.jsonl after.jsonl
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from decision_operating_point import SETS

NEARHIT = Path(sys.executable).with_name("nearhit")
OVER = 0.03


def evaluated(name: str, shared: bool) -> dict[str, Any]:
    command = [str(NEARHIT), "eval", "-d", name, "--split", "dev", "--json", *(["--shared"] if shared else [])]
    found: dict[str, Any] = json.loads(subprocess.run(command, check=True, capture_output=True, text=True).stdout)
    return found


def row(name: str) -> dict[str, Any]:
    """One set: pair mode's counts and ``--shared``'s wrong answers."""
    pair, shared = evaluated(name, False), evaluated(name, True)
    scores, neighbours = pair["scores"], shared["neighbours"]
    return {
        "dataset": name,
        "decision_threshold": pair["decision_threshold"],
        "hits": scores["hits"],
        "should": scores["should_hit"],
        "traps_served": scores["wrong_hits"],
        "traps": scores["traps"],
        "neighbour_wrong": neighbours["neighbour_hits"]["count"],
        "wrong": neighbours["wrong_answers"]["count"],
        "lookups": shared["pairs"],
    }


def cells(r: dict[str, Any]) -> str:
    return f"{r['hits']}/{r['should']} · {r['traps_served']}/{r['traps']} · {r['neighbour_wrong']} · {r['wrong']}"


def table(paths: list[Path]) -> None:
    runs = [{r["dataset"]: r for r in map(json.loads, p.read_text().splitlines())} for p in paths]
    names = [n for n in SETS if all(n in run for run in runs)]
    print("| dev split | " + " | ".join(p.stem for p in paths) + " |")
    print("|---|" + "---|" * len(paths))
    for name in names:
        print(f"| {name} | " + " | ".join(cells(run[name]) for run in runs) + " |")
    keys = ("hits", "should", "traps_served", "traps", "neighbour_wrong", "wrong", "lookups")
    pooled = [{k: sum(run[n][k] for n in names) for k in keys} for run in runs]
    print("| pooled | " + " | ".join(cells(p) for p in pooled) + " |")
    rates = [
        f"{p['hits'] / p['should']:.1%} recall, {p['traps_served'] / p['traps']:.2%} traps, "
        f"{sum(run[n]['traps_served'] > OVER * run[n]['traps'] for n in names)}/{len(names)} sets over 3%"
        for p, run in zip(pooled, runs, strict=True)
    ]
    print("| | " + " | ".join(rates) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, help="write one JSON line per set here (appends)")
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--table", type=Path, nargs="+", help="tabulate these runs side by side")
    args = parser.parse_args()
    if args.table:
        table(args.table)
        return
    for name in args.sets.split(","):
        found = row(name)
        with args.out.open("a", encoding="utf-8") as out:
            out.write(json.dumps(found) + "\n")
        print(cells(found), name, flush=True)


if __name__ == "__main__":
    main()
