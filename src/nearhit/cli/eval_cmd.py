"""``nearhit eval`` and ``nearhit calibrate``: how often the cache serves a wrong answer, and at what threshold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from nearhit import evaluation
from nearhit.cache import SemanticCache, prior
from nearhit.cache.bounded import check_bound
from nearhit.cli._common import THRESHOLD, echo_json, json_option, open_cache, run, settings
from nearhit.decision import Decision
from nearhit.evaluation import envfile, splits
from nearhit.evaluation.replay import WINDOW, PassReport

_DATA_HELP = (
    "Data: the built-in sets are fow-cache's 600 question pairs and 240 conversation pairs "
    "(Mabon ap Gwyn, CC BY 4.0, https://creativecommons.org/licenses/by/4.0/) and nearhit's own 486 pairs "
    "(406 English, 80 es/de/fr/pt), three more sets of ours each written apart from the code and the other data "
    "('nearhit-v2', 396 pairs; 'nearhit-v3', 445; 'nearhit-v4', 330) and conversation pairs "
    "('nearhit-conversations', 165; 'nearhit-conversations-v2', 198; 'nearhit-conversations-v3', 175). "
    "Every set is split dev/test by id (30% test)."
)

_dataset_option = click.option(
    "--dataset",
    "-d",
    default="questions",
    show_default=True,
    help="'questions' or 'conversations' (fow-cache), 'nearhit', 'nearhit-v2' to 'nearhit-v4', "
    "'nearhit-conversations' to 'nearhit-conversations-v3' (ours), "
    "or a JSONL file with a, b (a prompt or a list of {role, content} messages), same_answer, category (optional "
    "lang) per line.",
)


_F = TypeVar("_F", bound=Callable[..., Any])


def _split_option(built_in_default: str, why: str) -> Callable[[_F], _F]:
    return click.option(
        "--split",
        type=click.Choice(splits.SPLITS),
        default=None,
        help=f"Which part of the data, split by id. Default: {built_in_default} for the built-in sets ({why}), "
        "all for a file of your own.",
    )


def _resolve_split(dataset: str, split: str | None, built_in_default: str) -> str:
    if split is not None:
        return split
    return built_in_default if dataset in evaluation.BUILTIN else "all"


_guards_option = click.option(
    "--guards",
    "guards_spec",
    default=None,
    help="'decision' (the calibrated decision), 'all' (every guard as a veto), 'none', or a comma list of guards "
    "as vetoes (language,numbers,negation,entities,direction,scope,code,tense,intent). Default: as configured.",
)


def _configured(cache: SemanticCache) -> str:
    """The judge the configured cache runs: the decision, the guards as vetoes, or neither."""
    if cache.decision is not None:
        return "decision"
    return "all" if cache.guards is not None else "none"


def _progress(stage: str, done: int, total: int) -> None:
    click.echo(f"  {stage}: {done}/{total}", err=True)


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}%"


def _ci(interval: Sequence[float] | None) -> str:
    return "-" if interval is None else f"[{100 * interval[0]:.1f}%, {100 * interval[1]:.1f}%]"


def _num(value: float | None, digits: int = 3) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


@click.command("eval", epilog=_DATA_HELP)
@_dataset_option
@_split_option("test", "the figures to report; nothing is tuned on it")
@click.option("--threshold", type=THRESHOLD, default=None, help="Similarity for a hit. Default: configured.")
@_guards_option
@click.option("--per-guard", is_flag=True, help="Also run each guard alone, no guards and all guards.")
@click.option(
    "--replay",
    is_flag=True,
    help="Play the pairs as traffic against the error-bounded cache, the labels as the oracle (feedback and "
    "judge), for --passes passes; report recall, wrong hits and explorations per pass.",
)
@click.option("--passes", type=click.IntRange(1, 20), default=3, show_default=True, help="With --replay.")
@click.option("--seed", type=int, default=0, show_default=True, help="With --replay: the order and the audits.")
@click.option(
    "--max-wrong-rate",
    type=float,
    default=None,
    help="With --replay: the bound. Default: NEARHIT_MAX_WRONG_RATE, else 0.02.",
)
@click.option(
    "--prior",
    "prior_spec",
    default="shipped",
    show_default=True,
    help="With --replay: the evidence the bound starts from: 'shipped' (the static decision's outcomes on our DEV "
    "pairs), 'none', or a file written by benchmarks/fit_bound_prior.py.",
)
@json_option
def eval_(
    dataset: str,
    split: str | None,
    threshold: float | None,
    guards_spec: str | None,
    per_guard: bool,
    replay: bool,
    passes: int,
    seed: int,
    max_wrong_rate: float | None,
    prior_spec: str,
    as_json: bool,
) -> None:
    """Run labelled pairs through the real cache: store a, look up b, count right and wrong hits.

    Each pair gets a scratch scope on a scratch index of its own (dropped afterwards, so the served index's entries
    and `cache stats` counters never see the run); a conversation is asked as the service asks it (its earlier
    turns matched by meaning). Reports precision, recall, F1, recall per should-hit category and wrong hits per
    trap category with Wilson 95% intervals (for dev and test apart when the whole set is read), the same per
    language when the pairs carry 'lang', which guard rejected what, and lookup latency.
    """
    used_split = _resolve_split(dataset, split, "test")
    if replay:
        _replay(dataset, used_split, guards_spec, passes, seed, max_wrong_rate, _prior(prior_spec), as_json)
        return

    async def go() -> dict[str, Any]:
        pairs = evaluation.load(dataset, used_split)
        evaluation.guard_sets(guards_spec or "none")  # a bad guard name fails before Redis is touched
        async with evaluation.scratch_cache(settings()) as cache:
            spec = guards_spec or _configured(cache)
            sets = evaluation.guard_sets(spec, per_guard=per_guard, decision=cache.decision, guards=cache.guards)
            used = cache.threshold if threshold is None else threshold
            click.echo(f"eval: {len(pairs)} pairs from {dataset} ({used_split} split), threshold {used}", err=True)
            runs = await evaluation.evaluate(cache, pairs, threshold=used, guard_sets=sets, progress=_progress)
        label, main_run = next(iter(runs.items()))
        judge = sets[label]
        return {
            "dataset": dataset,
            "split": used_split,
            "pairs": len(pairs),
            "threshold": used,
            "guards": label,
            "decision_threshold": judge.threshold if isinstance(judge, Decision) else None,
            **evaluation.summary(main_run),
            "per_guard": (
                {name: evaluation.summary(outcomes) for name, outcomes in runs.items()} if per_guard else None
            ),
            "by_split": _by_split(main_run) if used_split == "all" else None,
            "attribution": evaluation.ATTRIBUTION if dataset in evaluation.FOW_CACHE else None,
        }

    report = run(go())
    if as_json:
        echo_json(report)
        return
    _print_report(report)


def _prior(spec: str) -> prior.PriorFor:
    if spec == "shipped":
        return prior.shipped
    if spec == "none":
        return prior.no_prior
    try:
        return prior.from_file(Path(spec))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise click.BadParameter(f"{spec}: not a prior file ({exc})", param_hint="--prior") from None


def _replay(
    dataset: str,
    used_split: str,
    guards_spec: str | None,
    passes: int,
    seed: int,
    max_wrong_rate: float | None,
    prior_for: prior.PriorFor,
    as_json: bool,
) -> None:
    configured = settings().max_wrong_rate
    try:
        bound = check_bound(max_wrong_rate if max_wrong_rate is not None else configured or 0.02, "--max-wrong-rate")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-wrong-rate") from None

    async def go() -> tuple[int, list[PassReport]]:
        pairs = evaluation.load(dataset, used_split)
        async with open_cache() as cache:
            if guards_spec is not None:
                judges = evaluation.guard_sets(guards_spec, decision=cache.decision, guards=cache.guards)
                evaluation.judge_with(cache, next(iter(judges.values())))
            cache.prior = prior_for
            started_from = cache.judge_prior()
            click.echo(
                f"replay: {len(pairs)} pairs from {dataset} ({used_split} split), {passes} passes, seed {seed}, "
                f"bound {bound}",
                err=True,
            )
            reports = await evaluation.replay(cache, pairs, bound=bound, passes=passes, seed=seed, progress=_progress)
            return (started_from.total if started_from is not None else 0), reports

    prior_observations, reports = run(go())
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "split": used_split,
                "max_wrong_rate": bound,
                "seed": seed,
                "prior_observations": prior_observations,
                "passes": [r.to_dict() for r in reports],
            }
        )
        return
    click.echo(
        f"{dataset} ({used_split} split): replay with NEARHIT_MAX_WRONG_RATE={bound}, seed {seed}, starting from "
        + (f"a prior of {prior_observations} observations" if prior_observations else "no prior")
    )
    click.echo(
        f"{'pass':>4} {'lookups':>7} {'recall':>14} {'wrong/traps':>16} {'wrong/hits':>11} "
        f"{'explorations':>16} {'audits':>6} {'labelled misses':>15} {'verified':>8} {'served from':>11}"
    )
    for r in reports:
        click.echo(
            f"{r.number:>4} {r.lookups:>7} {r.hits:>5}/{r.should_hit:<4}{_pct(r.recall):>5} "
            f"{r.wrong_hits:>4}/{r.traps:<4}{_pct(r.wrong_rate):>7} {_pct(r.wrong_per_hit):>11} "
            f"{r.explorations:>6} ({_pct(r.exploration_rate):>6}) {r.audits:>6} {r.labelled_misses:>15} "
            f"{r.verified:>8} {'none' if r.served_from > 1 else f'{r.served_from:.2f}':>11}"
        )
    click.echo(
        "wrong/hits is what the bound holds (wrong answers among those served); explorations are lookups the static "
        "decision would have served but the policy sent to the LLM to learn; served from is the lowest similarity at "
        "which a new question is served after the pass (none: not proven yet; a question labelled right before is "
        "served regardless: verified, also over a guard's veto)."
    )
    click.echo(f"\nover time (windows of {WINDOW} lookups; so far: every hit served since the replay began)")
    click.echo(f"{'pass':>4} {'lookups':>9} {'served':>6} {'wrong':>5} {'explorations':>12} {'wrong/hits so far':>26}")
    for r in reports:
        for w in r.windows:
            so_far = f"{w.wrong_so_far}/{w.served_so_far} (<= {_pct(w.upper_so_far)})"
            click.echo(
                f"{r.number:>4} {w.start:>4}-{w.start + w.lookups - 1:<4} {w.served:>6} {w.wrong_hits:>5} "
                f"{w.explorations:>12} {so_far:>26}"
            )
    click.echo(
        f"<= is the one-sided 95% upper bound of the wrong-hit rate among hits served so far; the bound: {bound}"
    )
    if dataset in evaluation.FOW_CACHE:
        click.echo(f"\n{evaluation.ATTRIBUTION}")


def _by_split(outcomes: Sequence[evaluation.Outcome]) -> dict[str, dict[str, Any]]:
    """The run's figures for dev and for test apart (a set read whole, e.g. a file of one's own)."""
    return {
        part: evaluation.summary([o for o in outcomes if splits.split_of(o.pair_id) == part])
        for part in ("dev", "test")
        if any(splits.split_of(o.pair_id) == part for o in outcomes)
    }


def _print_report(report: dict[str, Any]) -> None:
    s = report["scores"]
    click.echo(
        f"{report['dataset']} ({report['split']} split): {report['pairs']} pairs, threshold {report['threshold']}, "
        f"guards {report['guards']}"
        + (f" (score >= {report['decision_threshold']:g})" if report.get("decision_threshold") else "")
    )
    click.echo(
        f"served {s['hits']}/{s['should_hit']} should-hit (recall {_pct(s['recall'])}), "
        f"{s['wrong_hits']}/{s['traps']} traps (wrong hits {_pct(s['wrong_rate'])})"
    )
    click.echo(f"95% intervals (Wilson): recall {_ci(s['recall_ci95'])}, wrong hits {_ci(s['wrong_rate_ci95'])}")
    click.echo(f"precision {_num(s['precision'])}  recall {_num(s['recall'])}  F1 {_num(s['f1'])}")
    if report["no_candidate"]:
        click.echo(f"{report['no_candidate']} lookup(s) found no entry in their scope (e.g. differing earlier turns)")
    click.echo(f"\n{'category':<24} {'kind':<22} {'served':>9} {'rate':>7}  95% interval")
    for c in report["categories"]:
        kind = "should-hit (recall)" if c["same_answer"] else "trap (wrong hits)"
        click.echo(
            f"{c['category']:<24} {kind:<22} {c['served']:>4}/{c['total']:<4} {_pct(c['rate']):>7}  {_ci(c['ci95'])}"
        )
    for part, part_report in (report.get("by_split") or {}).items():
        ps = part_report["scores"]
        click.echo(
            f"\n{part} split: {ps['hits']}/{ps['should_hit']} should-hit served (recall {_pct(ps['recall'])}), "
            f"{ps['wrong_hits']}/{ps['traps']} traps (wrong hits {_pct(ps['wrong_rate'])})"
        )
        for c in part_report["categories"]:
            kind = "should-hit (recall)" if c["same_answer"] else "trap (wrong hits)"
            click.echo(f"  {c['category']:<22} {kind:<22} {c['served']:>4}/{c['total']:<4} {_pct(c['rate']):>7}")
    if report["languages"]:
        click.echo(f"\n{'language':<10} {'recall':>10} {'95% interval':>16}   {'wrong hits':>10} {'95% interval':>16}")
        for lang, g in report["languages"].items():
            recall, wrong = f"{g['hits']}/{g['should_hit']}", f"{g['wrong_hits']}/{g['traps']}"
            click.echo(
                f"{lang:<10} {recall:>10} {_ci(g['recall_ci95']):>16}   {wrong:>10} {_ci(g['wrong_rate_ci95']):>16}"
            )
    if report["rejected_by"]:
        click.echo(f"\n{'rejected by':<12} {'traps':>6} {'should-hit':>11}")
        for guard, cell in report["rejected_by"].items():
            click.echo(f"{guard:<12} {cell['traps']:>6} {cell['should_hit']:>11}")
    click.echo("\nlookup latency (ms)")
    for kind, cell in report["latency_ms"].items():
        p50, p99 = _num(cell["p50"], 2), _num(cell["p99"], 2)
        click.echo(f"  {kind:<5} p50 {p50}  p99 {p99}  (n={cell['n']})")
    if report["per_guard"]:
        click.echo(f"\n{'guards':<28} {'hits':>5} {'wrong':>6} {'precision':>9} {'recall':>7} {'F1':>6} {'wrong %':>8}")
        for name, run_summary in report["per_guard"].items():
            g = run_summary["scores"]
            click.echo(
                f"{name:<28} {g['hits']:>5} {g['wrong_hits']:>6} {_num(g['precision']):>9} "
                f"{_num(g['recall']):>7} {_num(g['f1']):>6} {_pct(g['wrong_rate']):>8}"
            )
    if report["attribution"]:
        click.echo(f"\n{report['attribution']}")


@click.command(epilog=_DATA_HELP)
@_dataset_option
@_split_option("dev", "choose thresholds on dev, report on test")
@click.option(
    "--max-wrong",
    type=THRESHOLD,
    default=0.02,
    show_default=True,
    help="Largest share of trap pairs that may get a wrong answer.",
)
@_guards_option
@click.option("--from", "start", type=THRESHOLD, default=0.70, show_default=True)
@click.option("--to", "stop", type=THRESHOLD, default=0.99, show_default=True)
@click.option("--step", type=click.FloatRange(0.001, 1), default=0.01, show_default=True)
@click.option(
    "--write-config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write SEMANTIC_SIMILARITY_THRESHOLD=<chosen> into this .env file (other lines kept).",
)
@json_option
def calibrate(
    dataset: str,
    split: str | None,
    max_wrong: float,
    guards_spec: str | None,
    start: float,
    stop: float,
    step: float,
    write_config: Path | None,
    as_json: bool,
) -> None:
    """Sweep the threshold and pick the one with the highest recall whose wrong hits stay within --max-wrong.

    Each pair is looked up once through the real cache at threshold 0 (its nearest candidate's similarity
    and guard verdict); every threshold is then judged from those. Exit code 1 if no threshold qualifies.
    """
    if stop < start:
        raise click.UsageError("--to must be at least --from")
    used_split = _resolve_split(dataset, split, "dev")

    async def go() -> tuple[str, list[evaluation.CurvePoint]]:
        pairs = evaluation.load(dataset, used_split)
        evaluation.guard_sets(guards_spec or "none")  # a bad guard name fails before Redis is touched
        async with evaluation.scratch_cache(settings()) as cache:
            spec = guards_spec or _configured(cache)
            sets = evaluation.guard_sets(spec, decision=cache.decision, guards=cache.guards)
            click.echo(f"calibrate: {len(pairs)} pairs from {dataset} ({used_split} split), guards {spec}", err=True)
            runs = await evaluation.evaluate(cache, pairs, threshold=0.0, guard_sets=sets, progress=_progress)
        return spec, evaluation.curve(runs[next(iter(sets))], evaluation.thresholds(start, stop, step))

    spec, points = run(go())
    chosen = evaluation.pick(points, max_wrong)
    if write_config is not None and chosen is not None:
        envfile.write_threshold(write_config, chosen.threshold)
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "split": used_split,
                "guards": spec,
                "max_wrong": max_wrong,
                "curve": [p.to_dict() for p in points],
                "chosen": chosen.to_dict() if chosen else None,
                "written_to": str(write_config) if write_config and chosen else None,
                "attribution": evaluation.ATTRIBUTION if dataset in evaluation.FOW_CACHE else None,
            }
        )
    else:
        _print_curve(dataset, used_split, spec, max_wrong, points, chosen, write_config)
    if chosen is None:
        raise SystemExit(1)


def _print_curve(
    dataset: str,
    split: str,
    spec: str,
    max_wrong: float,
    points: Sequence[evaluation.CurvePoint],
    chosen: evaluation.CurvePoint | None,
    written: Path | None,
) -> None:
    click.echo(f"{dataset} ({split} split), guards {spec}: threshold curve")
    click.echo(f"{'threshold':>9} {'recall':>7} {'wrong hits':>14} {'precision':>9}")
    for p in points:
        s = p.scores
        mark = "  <- chosen" if p is chosen else ""
        click.echo(
            f"{p.threshold:>9.2f} {_pct(s.recall):>7} {s.wrong_hits:>4} ({_pct(s.wrong_rate):>6}) "
            f"{_num(s.precision):>9}{mark}"
        )
    if chosen is None:
        click.echo(f"\nno threshold keeps wrong hits within {_pct(max_wrong)} of traps")
    else:
        click.echo(
            f"\nchosen: {chosen.threshold:.2f} (recall {_pct(chosen.scores.recall)}, "
            f"wrong hits {chosen.scores.wrong_hits}/{chosen.scores.traps}, bound {_pct(max_wrong)})"
        )
        if written:
            click.echo(f"wrote SEMANTIC_SIMILARITY_THRESHOLD={chosen.threshold} to {written}")
    if dataset in evaluation.FOW_CACHE:
        click.echo(f"\n{evaluation.ATTRIBUTION}")
