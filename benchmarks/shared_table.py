"""One Markdown row per ``nearhit eval --json`` report, and the pooled row: recall, trap wrong hits and, for a
``--shared`` report, neighbour wrong hits and all wrong answers served over all lookups (issue 13, sixth session).

Pooled figures are sums over the reports (each set stored alone: a set's queries never meet another set's
questions), each rate with its Wilson 95% interval.

    SETS="questions nearhit $(echo nearhit-v{2..9})"
    for d in $SETS; do .venv/bin/nearhit eval -d $d --split dev --shared --json > shared-$d.json; done  # ~25 s each
    PYTHONPATH=src .venv/bin/python benchmarks/shared_table.py $(for d in $SETS; do echo shared-$d.json; done)
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from nearhit.evaluation import wilson


def cell(count: int, total: int) -> str:
    interval = wilson(count, total)
    if interval is None:
        return f"{count}/{total}"
    low, high = interval
    return f"{count}/{total} {100 * count / total:.1f}% ({100 * low:.1f}–{100 * high:.1f}%)"


def counts(report: dict[str, Any]) -> dict[str, int]:
    s, n = report["scores"], report.get("neighbours")
    lookups = report["pairs"]
    return {
        "hits": s["hits"],
        "should_hit": s["should_hit"],
        "wrong_hits": s["wrong_hits"],
        "traps": s["traps"],
        "lookups": lookups,
        "neighbours": n["neighbour_hits"]["count"] if n else 0,
        "wrong_answers": n["wrong_answers"]["count"] if n else s["wrong_hits"],
    }


def row(name: str, c: dict[str, int], shared: bool) -> str:
    cells = [name, cell(c["hits"], c["should_hit"]), cell(c["wrong_hits"], c["traps"])]
    if shared:
        cells += [cell(c["neighbours"], c["lookups"]), cell(c["wrong_answers"], c["lookups"])]
    return "| " + " | ".join(cells) + " |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reports", nargs="+", type=Path, help="nearhit eval --json outputs, one set each")
    reports = [json.loads(path.read_text(encoding="utf-8")) for path in parser.parse_args().reports]
    shared = all(r.get("shared") for r in reports)
    header = ["set", "recall (own a served)", "trap wrong hits (own a)"]
    if shared:
        header += ["neighbour wrong hits / lookups", "wrong answers served / lookups"]
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    pooled: dict[str, int] = {}
    for report in reports:
        c = counts(report)
        print(row(f"{report['dataset']} ({report['split']})", c, shared))
        for key, value in c.items():
            pooled[key] = pooled.get(key, 0) + value
    print(row("**pooled**", pooled, shared))


if __name__ == "__main__":
    main()
