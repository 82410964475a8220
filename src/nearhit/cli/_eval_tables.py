"""The text tables of ``nearhit eval`` and ``nearhit calibrate``: the report per category, split, language and
guard, and the threshold curve. The JSON output is the same data unformatted."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click

from nearhit import evaluation


def pct(value: float | None) -> str:
    """A rate as a percentage; "-" when undefined (nothing to count)."""
    return "-" if value is None else f"{100 * value:.1f}%"


def ci(interval: Sequence[float] | None) -> str:
    return "-" if interval is None else f"[{100 * interval[0]:.1f}%, {100 * interval[1]:.1f}%]"


def num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _judge(report: dict[str, Any]) -> str:
    """The threshold and the judge a run used."""
    score = f" (score >= {report['decision_threshold']:g})" if report.get("decision_threshold") else ""
    return f"threshold {report['threshold']}, guards {report['guards']}{score}"


def print_totals(s: dict[str, Any], lead: str = "") -> None:
    """Should-hits and traps served, their Wilson intervals, precision, recall and F1."""
    click.echo(
        f"{lead}served {s['hits']}/{s['should_hit']} should-hit (recall {pct(s['recall'])}), "
        f"{s['wrong_hits']}/{s['traps']} traps (wrong hits {pct(s['wrong_rate'])})"
    )
    click.echo(f"95% intervals (Wilson): recall {ci(s['recall_ci95'])}, wrong hits {ci(s['wrong_rate_ci95'])}")
    click.echo(f"precision {num(s['precision'])}  recall {num(s['recall'])}  F1 {num(s['f1'])}")


def print_report(report: dict[str, Any]) -> None:
    """``nearhit eval``'s report as text: totals, then per category, split, language, guard, and latency."""
    click.echo(
        f"{report['dataset']} ({report['split']} split): {report['pairs']} pairs, {_judge(report)}"
        + (", every a in one shared scope" if report.get("shared") else "")
    )
    print_totals(report["scores"])
    if report.get("check_failures"):
        n = report["check_failures"]
        click.echo(
            f"the model's check (NEARHIT_VERIFY_MODEL) failed on {n} lookup{'s' if n != 1 else ''}, their hits refused"
            f" ('verify failed' below), not judged: these figures do not measure the check ({report['check_error']})"
        )
    if report.get("neighbours"):
        print_neighbours(report["neighbours"])
    if report["no_candidate"]:
        click.echo(f"{report['no_candidate']} lookup(s) found no entry in their scope (e.g. another system prompt)")
    if report.get("refused_before_question"):
        click.echo(
            f"{report['refused_before_question']} lookup(s) met entries, each refused before its question was judged"
            " (earlier turns about something else, a story told as one under its threshold)"
        )
    print_categories(report["categories"])
    for part, part_report in (report.get("by_split") or {}).items():
        ps = part_report["scores"]
        click.echo(
            f"\n{part} split: {ps['hits']}/{ps['should_hit']} should-hit served (recall {pct(ps['recall'])}), "
            f"{ps['wrong_hits']}/{ps['traps']} traps (wrong hits {pct(ps['wrong_rate'])})"
        )
        for c in part_report["categories"]:
            kind = "should-hit (recall)" if c["same_answer"] else "trap (wrong hits)"
            click.echo(f"  {c['category']:<22} {kind:<22} {c['served']:>4}/{c['total']:<4} {pct(c['rate']):>7}")
        if part_report.get("neighbours"):
            print_neighbours(part_report["neighbours"], per_category=False)
    if report.get("shared_neighbours"):
        print_shared_neighbours(report["shared_neighbours"])
    if report["languages"]:
        click.echo(f"\n{'language':<10} {'recall':>10} {'95% interval':>16}   {'wrong hits':>10} {'95% interval':>16}")
        for lang, g in report["languages"].items():
            recall, wrong = f"{g['hits']}/{g['should_hit']}", f"{g['wrong_hits']}/{g['traps']}"
            click.echo(
                f"{lang:<10} {recall:>10} {ci(g['recall_ci95']):>16}   {wrong:>10} {ci(g['wrong_rate_ci95']):>16}"
            )
    if report["rejected_by"]:
        click.echo(f"\n{'rejected by':<12} {'traps':>6} {'should-hit':>11}")
        for guard, cell in report["rejected_by"].items():
            click.echo(f"{guard:<12} {cell['traps']:>6} {cell['should_hit']:>11}")
    click.echo("\nlookup latency (ms)")
    for kind, cell in report["latency_ms"].items():
        p50, p99 = num(cell["p50"], 2), num(cell["p99"], 2)
        click.echo(f"  {kind:<5} p50 {p50}  p99 {p99}  (n={cell['n']})")
    if report["per_guard"]:
        print_per_guard(report["per_guard"])
    if report["attribution"]:
        click.echo(f"\n{report['attribution']}")


def print_per_guard(per_guard: dict[str, Any], head: str = "guards") -> None:
    """``--per-guard``: each judge's hits, wrong hits, precision, recall, F1 and wrong-hit rate."""
    click.echo(f"\n{head:<28} {'hits':>5} {'wrong':>6} {'precision':>9} {'recall':>7} {'F1':>6} {'wrong %':>8}")
    for name, run_summary in per_guard.items():
        g = run_summary["scores"]
        click.echo(
            f"{name:<28} {g['hits']:>5} {g['wrong_hits']:>6} {num(g['precision']):>9} "
            f"{num(g['recall']):>7} {num(g['f1']):>6} {pct(g['wrong_rate']):>8}"
        )


def print_categories(categories: Sequence[dict[str, Any]], head: str = "category") -> None:
    """Served / total per category with its interval: recall for a should-hit category, wrong hits for a trap."""
    click.echo(f"\n{head:<24} {'kind':<22} {'served':>9} {'rate':>7}  95% interval")
    for c in categories:
        kind = "should-hit (recall)" if c["same_answer"] else "trap (wrong hits)"
        click.echo(
            f"{c['category']:<24} {kind:<22} {c['served']:>4}/{c['total']:<4} {pct(c['rate']):>7}  {ci(c['ci95'])}"
        )


def print_neighbour_categories(categories: Sequence[dict[str, Any]], head: str = "category") -> None:
    """Neighbour wrong hits and all wrong answers per category, over its lookups."""
    click.echo(f"\n{head:<24} {'kind':<11} {'neighbour wrong hits':>24} {'wrong answers':>20}")
    for c in categories:
        kind = "should-hit" if c["same_answer"] else "trap"
        click.echo(f"{c['category']:<24} {kind:<11} {_rate(c['neighbour_hits']):>24} {_rate(c['wrong_answers']):>20}")


def _served(cell: dict[str, int]) -> str:
    return f"{cell['served']}/{cell['total']}"


def _set_row(line: dict[str, Any], width: int, apart: bool) -> str:
    """A set's line of the pooled report: all pairs, dev and test apart (``apart``: when any set was read whole;
    "-" for a part it lacks), neighbours."""
    cells = [_served(line["should_hit"]), _served(line["traps"])]
    for part in ("dev", "test") if apart else ():
        held = (line["by_split"] or {}).get(part)
        cells += [_served(held["should_hit"]), _served(held["traps"])] if held else ["-", "-"]
    n = line["neighbours"]
    cells.append("-" if n is None else f"{n['count']}/{n['total']}")
    return f"{line['dataset']:<{width}} {line['split']:<5} {line['pairs']:>5} " + " ".join(
        f"{cell:>11}" for cell in cells
    )


def print_pooled(block: dict[str, Any], first: dict[str, Any]) -> None:
    """The pooled report of several sets (``first``: the first set's report, for the judge all of them ran):
    a line per set, the pooled totals with their intervals, per category, dev and test apart, neighbours."""
    lines = block["per_set"]
    click.echo(
        f"pooled: {block['sets']} sets, {block['pairs']} pairs, {_judge(first)}"
        + (", every a in one shared scope (each set its own)" if first.get("shared") else "")
    )
    width = max(len("set"), *(len(line["dataset"]) for line in lines))
    apart = any(line["by_split"] for line in lines)
    parts = ("dev sh-hit", "dev traps", "test sh-hit", "test traps") if apart else ()
    heads = ("should-hit", "traps", *parts, "neighbours")
    click.echo(f"\n{'set':<{width}} {'split':<5} {'pairs':>5} " + " ".join(f"{head:>11}" for head in heads))
    for line in lines:
        click.echo(_set_row(line, width, apart))
    print_totals(block["scores"], "\npooled: ")
    if block.get("neighbours"):
        print_neighbours(block["neighbours"], per_category=False)
    print_categories(block["categories"], "category (pooled)")
    for part, part_report in (block.get("by_split") or {}).items():
        ps = part_report["scores"]
        click.echo(
            f"\n{part} split, pooled: {ps['hits']}/{ps['should_hit']} should-hit served (recall {pct(ps['recall'])}, "
            f"95% {ci(ps['recall_ci95'])}), {ps['wrong_hits']}/{ps['traps']} traps (wrong hits "
            f"{pct(ps['wrong_rate'])}, 95% {ci(ps['wrong_rate_ci95'])})"
        )
    counts = block.get("shared_neighbours")
    if counts:
        click.echo(
            f"\nshared scope, pooled over the {counts['sets']} of {block['sets']} sets with a second pass (each set's "
            "a in one scope of its own, never across sets)"
        )
        print_neighbours(counts, per_category=False)
        print_neighbour_categories(counts["categories"], "category (pooled)")
        for part, part_counts in (counts["by_split"] or {}).items():
            click.echo(f"\n{part} split, shared scope, pooled:")
            print_neighbours(part_counts, per_category=False)
    if block["per_guard"]:
        print_per_guard(block["per_guard"], "guards (pooled)")


def _rate(cell: dict[str, Any]) -> str:
    return f"{cell['count']}/{cell['total']} ({pct(cell['rate'])})"


def print_neighbours(counts: dict[str, Any], per_category: bool = True) -> None:
    """A shared scope's extra lines: neighbour wrong hits and all wrong answers, over all lookups."""
    n, w = counts["neighbour_hits"], counts["wrong_answers"]
    click.echo(f"neighbour wrong hits (another pair's answer served): {_rate(n)} of lookups, 95% {ci(n['ci95'])}")
    click.echo(f"wrong answers served (traps' own + neighbours): {_rate(w)} of lookups, 95% {ci(w['ci95'])}")
    if not per_category:
        return
    click.echo(
        "(an upper bound: a set may hold one question twice in other words; an a of the same text counts as own)"
    )
    print_neighbour_categories(counts["categories"])


def print_shared_neighbours(counts: dict[str, Any]) -> None:
    """A conversation set's second pass: the same lookups with every a in one scope, its neighbour lines."""
    click.echo(
        "\nshared scope (a second pass: every a in one scope, as a real cache holds a domain's conversations; "
        "the figures above are pair by pair; --no-neighbours skips it)"
    )
    print_neighbours(counts)
    for part, part_counts in (counts["by_split"] or {}).items():
        click.echo(f"\n{part} split, shared scope:")
        print_neighbours(part_counts, per_category=False)


def print_curve(
    dataset: str,
    split: str,
    spec: str,
    max_wrong: float,
    points: Sequence[evaluation.CurvePoint],
    chosen: evaluation.CurvePoint | None,
    written: Path | None,
) -> None:
    """``nearhit calibrate``'s curve as text, the chosen threshold marked."""
    click.echo(f"{dataset} ({split} split), guards {spec}: threshold curve")
    click.echo(f"{'threshold':>9} {'recall':>7} {'wrong hits':>14} {'precision':>9}")
    for p in points:
        s = p.scores
        mark = "  <- chosen" if p is chosen else ""
        click.echo(
            f"{p.threshold:>9.2f} {pct(s.recall):>7} {s.wrong_hits:>4} ({pct(s.wrong_rate):>6}) "
            f"{num(s.precision):>9}{mark}"
        )
    if chosen is None:
        click.echo(f"\nno threshold keeps wrong hits within {pct(max_wrong)} of traps")
    else:
        click.echo(
            f"\nchosen: {chosen.threshold:.2f} (recall {pct(chosen.scores.recall)}, "
            f"wrong hits {chosen.scores.wrong_hits}/{chosen.scores.traps}, bound {pct(max_wrong)})"
        )
        if written:
            click.echo(f"wrote SEMANTIC_SIMILARITY_THRESHOLD={chosen.threshold} to {written}")
    if dataset in evaluation.FOW_CACHE:
        click.echo(f"\n{evaluation.ATTRIBUTION}")
