"""``nearhit eval`` and ``nearhit calibrate``: how often the cache serves a wrong answer, and at what threshold."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click
from click.core import ParameterSource

from nearhit import evaluation
from nearhit.cache import SemanticCache
from nearhit.cli import _eval_replay, _eval_tables
from nearhit.cli._common import THRESHOLD, echo_json, json_option, progress, run, settings
from nearhit.decision import Decision
from nearhit.evaluation import envfile, pooled, splits
from nearhit.evaluation.dataset import BUNDLED_FILES, OUR_CONVERSATIONS
from nearhit.evaluation.metrics import neighbours
from nearhit.evaluation.runner import Progress

_F = TypeVar("_F", bound=Callable[..., Any])
_QUESTION_SETS = [name for name in BUNDLED_FILES if not name.startswith(OUR_CONVERSATIONS)]
_CONVERSATION_SETS = [name for name in BUNDLED_FILES if name.startswith(OUR_CONVERSATIONS)]
_DATA_HELP = (
    "Data: the built-in sets are fow-cache's 600 question pairs and 240 conversation pairs "
    "(Mabon ap Gwyn, CC BY 4.0, https://creativecommons.org/licenses/by/4.0/), nearhit's own 486 pairs "
    f"(406 English, 80 es/de/fr/pt), and more sets of ours ('{_QUESTION_SETS[0]}' to '{_QUESTION_SETS[-1]}': "
    f"300 to 445 question pairs each; '{_CONVERSATION_SETS[0]}' to '{_CONVERSATION_SETS[-1]}': 165 to 198 "
    "conversation pairs each), each written apart from the code and the other data; benchmarks/README.md says "
    "how each was made and when it was last used for a decision. "
    "Every set is split dev/test by id (30% test)."
)

_DATASET_HELP = (
    "'questions' or 'conversations' (fow-cache), "
    f"'nearhit', '{_QUESTION_SETS[0]}' to '{_QUESTION_SETS[-1]}', "
    f"'{_CONVERSATION_SETS[0]}' to '{_CONVERSATION_SETS[-1]}' (ours), "
    "or a JSONL file (gzipped if its name ends .gz) with a, b (a prompt or a list of {role, content} messages), "
    "same_answer, category (optional "
    "id, lang, and a_answer: the answer given to a's last question, stored as its entry's response instead of a "
    "placeholder) per line."
)
_POOLED_HELP = (
    " Repeat it to run several sets (-d A -d B ...): each is run as it would be alone (its own scratch scopes, its "
    "own shared-scope pass, never across sets), then pooled: a line per set, the totals with Wilson intervals, per "
    "category, dev and test apart, neighbours. Every set is read and checked before any runs; a set named twice is an "
    "error. A conversation set and a question set may be pooled: categories pool by name. Not with --replay."
)


def _dataset_option(several: bool) -> Callable[[_F], _F]:
    return click.option(
        "--dataset",
        "-d",
        "datasets" if several else "dataset",
        multiple=several,
        default=("questions",) if several else "questions",
        show_default=True,
        help=_DATASET_HELP + (_POOLED_HELP if several else ""),
    )


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


_REPLAY_ONLY = ("passes", "seed", "max_wrong_rate", "max_exploration_rate", "prior_spec")
_PAIRS_ONLY = ("threshold", "per_guard", "no_neighbours")


def _refuse_unused(names: Sequence[str], why: str) -> None:
    """A usage error for an option given that this run would ignore: a minutes-long eval run with ``--max-wrong-rate
    nan`` (never read without ``--replay``) looked like a run at that bound."""
    context = click.get_current_context()
    for param in context.command.params:
        if param.name in names and context.get_parameter_source(param.name) != ParameterSource.DEFAULT:
            raise click.UsageError(f"{param.opts[0]} {why}")


def _configured(cache: SemanticCache) -> str:
    """The judge the configured cache runs: the decision, the guards as vetoes, or neither."""
    if cache.decision is not None:
        return "decision"
    return "all" if cache.guards is not None else "none"


@click.command("eval", epilog=_DATA_HELP)
@_dataset_option(several=True)
@_split_option("test", "the figures to report; nothing is tuned on it")
@click.option(
    "--threshold",
    type=THRESHOLD,
    default=None,
    help="Similarity for a hit. Default: configured. Given, it stands for SEMANTIC_SIMILARITY_THRESHOLD: nothing "
    "under it is served unless a margin is set too (NEARHIT_GUARDS_QUIET_MARGIN, NEARHIT_FITTED_MARGINS).",
)
@_guards_option
@click.option("--per-guard", is_flag=True, help="Also run each guard alone, no guards and all guards.")
@click.option(
    "--shared",
    is_flag=True,
    help="Store every pair's a in ONE scratch scope, as a real cache holds a domain's questions, and look each b "
    "up there: also count the lookups served another pair's answer (neighbour wrong hits, an upper bound) and all "
    "wrong answers served.",
)
@click.option(
    "--no-neighbours",
    is_flag=True,
    help="For a set of conversations, skip the second pass. By default such a set is looked up twice: pair by pair "
    "(the figures), then with every a in one shared scope, counting the lookups served another pair's answer "
    "(neighbour wrong hits), which a pass of one scope per pair cannot see; that roughly doubles the run's time. "
    "Question sets run that pass only with --shared.",
)
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
    "--max-exploration-rate",
    type=float,
    default=None,
    help="With --replay: at most this share of any 100 lookups explored, the static decision serving past it. "
    "Default: NEARHIT_MAX_EXPLORATION_RATE, else no cap.",
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
    datasets: tuple[str, ...],
    split: str | None,
    threshold: float | None,
    guards_spec: str | None,
    per_guard: bool,
    shared: bool,
    no_neighbours: bool,
    replay: bool,
    passes: int,
    seed: int,
    max_wrong_rate: float | None,
    max_exploration_rate: float | None,
    prior_spec: str,
    as_json: bool,
) -> None:
    """Run labelled pairs through the real cache: store a, look up b, count right and wrong hits.

    Each pair gets a scratch scope on a scratch index of its own (dropped afterwards, so the served index's entries
    and `cache stats` counters never see the run); a conversation is asked as the service asks it (its earlier
    turns matched by meaning). Reports precision, recall, F1, recall per should-hit category and wrong hits per
    trap category with Wilson 95% intervals (for dev and test apart when the whole set is read), the same per
    language when the pairs carry 'lang', which guard rejected what, and lookup latency. With --shared all pairs
    share one scope: a lookup served another pair's answer is a neighbour wrong hit, not a hit. A set of
    conversations (any pair with earlier turns) gets that shared-scope count by default, from a second pass after
    the pair-by-pair one (--no-neighbours skips it).

    Several sets (-d repeated) are run one after another, each as alone, then pooled: a line per set and the
    totals, categories (by name: a question set and a conversation set may be mixed), dev/test and neighbours of
    all of them together.
    """
    if shared and replay:
        raise click.UsageError("--shared measures one pass of lookups; --replay plays its own traffic: choose one")
    if shared and no_neighbours:
        raise click.UsageError("--shared is one pass, every a in one scope: there is no second pass to skip")
    _refuse_unused(
        _PAIRS_ONLY if replay else _REPLAY_ONLY, "does nothing with --replay" if replay else "goes with --replay"
    )
    _refuse_twice(datasets)
    if replay:
        if len(datasets) > 1:
            raise click.UsageError("--replay plays one set as traffic: give one -d")
        _eval_replay.replay(
            datasets[0],
            _resolve_split(datasets[0], split, "test"),
            guards_spec,
            passes,
            seed,
            max_wrong_rate,
            max_exploration_rate,
            _eval_replay.load_prior(prior_spec),
            as_json,
        )
        return

    async def go() -> list[tuple[dict[str, Any], pooled.SetRun]]:
        # Every set read (a bad file, an unknown set: a usage error naming it) before any runs.
        chosen = [(name, _resolve_split(name, split, "test")) for name in datasets]
        limit = settings(threshold).max_prompt_chars  # what the cache would refuse mid-run, refused now
        loaded = [(name, used, evaluation.load(name, used, limit)) for name, used in chosen]
        evaluation.guard_sets(guards_spec or "none")  # a bad guard name fails before Redis is touched
        done = []
        for n, (name, used, pairs) in enumerate(loaded, 1):
            if len(loaded) > 1:
                click.echo(f"set {n}/{len(loaded)}: {name}", err=True)
            done.append(await _one_set(name, used, pairs, threshold, guards_spec, per_guard, shared, no_neighbours))
        return done

    done = run(go())
    if len(done) == 1:
        report = done[0][0]
        if as_json:
            echo_json(report)
            return
        _eval_tables.print_report(report)
        return
    block = pooled.pool([set_run for _, set_run in done], shared=shared)
    reports = [report for report, _ in done]
    if as_json:
        echo_json({"sets": reports, "pooled": block})
        return
    for n, report in enumerate(reports, 1):
        click.echo(f"{'=' * 8} set {n}/{len(reports)}: {report['dataset']}\n")
        _eval_tables.print_report(report)
        click.echo()
    _eval_tables.print_pooled(block, reports[0])


def _refuse_twice(datasets: Sequence[str]) -> None:
    """A usage error for a set named twice (a file by any path to it): pooled, its pairs would count twice."""
    seen: dict[object, str] = {}
    for name in datasets:
        key: object = name if name in evaluation.BUILTIN else Path(name).resolve()
        if key in seen:
            again = f"{seen[key]!r} and {name!r}" if seen[key] != name else repr(name)
            raise click.UsageError(f"-d {again}: the same set twice (its pairs would count twice in the pool)")
        seen[key] = name


async def _one_set(
    dataset: str,
    used_split: str,
    pairs: Sequence[evaluation.Pair],
    threshold: float | None,
    guards_spec: str | None,
    per_guard: bool,
    shared: bool,
    no_neighbours: bool,
) -> tuple[dict[str, Any], pooled.SetRun]:
    """One set run as ``nearhit eval -d`` runs it alone: its report, and its outcomes to pool."""
    async with evaluation.scratch_cache(settings(threshold)) as cache:
        spec = guards_spec or _configured(cache)
        sets = evaluation.guard_sets(spec, per_guard=per_guard, decision=cache.decision, guards=cache.guards)
        used = cache.threshold
        click.echo(f"eval: {len(pairs)} pairs from {dataset} ({used_split} split), threshold {used}", err=True)
        second = not (shared or no_neighbours) and any(p.a.history or p.b.history for p in pairs)
        # The cache's own threshold (None): configured as given (--threshold a floor), or the default's margins.
        runs = await evaluation.evaluate(
            cache, pairs, guard_sets=sets, shared=shared, progress=_named("each pair in its own scope", second)
        )
        label = next(iter(runs))
        neighbour_run = None
        if second:  # the main judge again, every a in one scope: what a pass of one scope per pair cannot meet
            named = _named("every a in one shared scope (neighbours)", True)
            shared_runs = await evaluation.evaluate(
                cache, pairs, guard_sets={label: sets[label]}, shared=True, progress=named
            )
            neighbour_run = shared_runs[label]
    main_run = runs[label]
    judge = sets[label]
    report = {
        "dataset": dataset,
        "split": used_split,
        "pairs": len(pairs),
        "threshold": used,
        "guards": label,
        "decision_threshold": judge.threshold if isinstance(judge, Decision) else None,
        "shared": shared,
        **evaluation.summary(main_run, shared=shared),
        "per_guard": (
            {name: evaluation.summary(outcomes, shared=shared) for name, outcomes in runs.items()}
            if per_guard
            else None
        ),
        "by_split": _by_split(main_run, shared) if used_split == "all" else None,
        "shared_neighbours": None if neighbour_run is None else _shared_neighbours(neighbour_run, used_split),
        "attribution": evaluation.ATTRIBUTION if dataset in evaluation.FOW_CACHE else None,
    }
    return report, pooled.SetRun(dataset, used_split, main_run, neighbour_run, runs if per_guard else None)


def _named(name: str, two_passes: bool) -> Progress:
    """The progress lines, each stage named by its pass when there are two."""
    return (lambda stage, done, total: progress(f"{name}: {stage}", done, total)) if two_passes else progress


def _by_split(outcomes: Sequence[evaluation.Outcome], shared: bool) -> dict[str, dict[str, Any]]:
    """The run's figures for dev and for test apart (a set read whole, e.g. a file of one's own); with
    ``shared`` the store still held both parts' questions, as the whole set was stored."""
    return {part: evaluation.summary(held, shared=shared) for part, held in pooled.parts(outcomes).items()}


def _shared_neighbours(outcomes: Sequence[evaluation.Outcome], split: str) -> dict[str, Any]:
    """The second pass's neighbour wrong hits (every ``a`` in one scope) over all lookups, in total and per
    category, and per part when the whole set was read (the store held both parts' questions)."""
    by_split = {part: neighbours(held) for part, held in pooled.parts(outcomes).items()} if split == "all" else None
    return {**neighbours(outcomes), "by_split": by_split}


def _env_file(_: click.Context, __: click.Parameter, value: Path | None) -> Path | None:
    """--write-config checked before the calibration runs: a path it cannot write fails now, not minutes later."""
    if value is not None and (reason := envfile.problem(value)) is not None:
        raise click.BadParameter(f"cannot write {str(value)!r}: {reason}")
    return value


@click.command(epilog=_DATA_HELP)
@_dataset_option(several=False)
@_split_option("dev", "choose thresholds on dev, report on test")
@click.option(
    "--max-wrong",
    type=THRESHOLD,
    default=0.02,
    show_default=True,
    help="Largest share of trap pairs that may get a wrong answer.",
)
@_guards_option
@click.option("--from", "start", type=THRESHOLD, default=0.70, show_default=True, help="Lowest threshold tried.")
@click.option("--to", "stop", type=THRESHOLD, default=0.99, show_default=True, help="Highest threshold tried.")
@click.option(
    "--step", type=click.FloatRange(0.001, 1), default=0.01, show_default=True, help="Between two thresholds tried."
)
@click.option(
    "--write-config",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=_env_file,
    help="Write SEMANTIC_SIMILARITY_THRESHOLD=<chosen> into this .env file (other lines kept). The sweep judges "
    "each threshold as a floor (nothing under it served), and a threshold set is one: no margin is written.",
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
        pairs = evaluation.load(dataset, used_split, settings().max_prompt_chars)
        evaluation.guard_sets(guards_spec or "none")  # a bad guard name fails before Redis is touched
        async with evaluation.scratch_cache(settings()) as cache:
            spec = guards_spec or _configured(cache)
            sets = evaluation.guard_sets(spec, decision=cache.decision, guards=cache.guards)
            click.echo(f"calibrate: {len(pairs)} pairs from {dataset} ({used_split} split), guards {spec}", err=True)
            runs = await evaluation.evaluate(cache, pairs, threshold=0.0, guard_sets=sets, progress=progress)
        return spec, evaluation.curve(runs[next(iter(sets))], evaluation.thresholds(start, stop, step))

    spec, points = run(go())
    chosen = evaluation.pick(points, max_wrong)
    if write_config is not None and chosen is not None:
        try:
            envfile.write_threshold(write_config, chosen.threshold)
        except OSError as exc:
            raise click.ClickException(f"cannot write {str(write_config)!r}: {exc}") from None
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
        _eval_tables.print_curve(dataset, used_split, spec, max_wrong, points, chosen, write_config)
    if chosen is None:
        raise SystemExit(1)
