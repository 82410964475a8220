"""``nearhit eval --replay``: the pairs played as traffic against the error-bounded cache, and its text report
(per pass, then over time)."""

from __future__ import annotations

from pathlib import Path

import click

from nearhit import evaluation
from nearhit.cache import prior
from nearhit.cache.bounded import check_bound
from nearhit.cache.exploration_budget import check_rate
from nearhit.cli._common import echo_json, open_cache, progress, run, settings
from nearhit.cli._eval_tables import pct
from nearhit.evaluation.replay import WINDOW, PassReport
from nearhit.evaluation.scratch_index import offline_timeout

BANDS = (0.80, 0.85, 0.90, 0.95)
"""Lower edges of the similarity bands the explorations are counted in (below the first: one band)."""


def load_prior(spec: str) -> prior.PriorFor:
    """``--prior``: 'shipped', 'none' or a prior file; a bad file is a usage error naming the option."""
    if spec == "shipped":
        return prior.shipped
    if spec == "none":
        return prior.no_prior
    try:
        return prior.from_file(Path(spec))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise click.BadParameter(f"{spec}: not a prior file ({exc})", param_hint="--prior") from None


def replay(
    dataset: str,
    used_split: str,
    guards_spec: str | None,
    passes: int,
    seed: int,
    max_wrong_rate: float | None,
    max_exploration_rate: float | None,
    prior_for: prior.PriorFor,
    as_json: bool,
) -> None:
    """Play ``dataset`` as traffic for ``passes`` passes; print (or ``--json``) what each pass did, and over time."""
    configured = settings().max_wrong_rate
    try:
        bound = check_bound(max_wrong_rate if max_wrong_rate is not None else configured or 0.02, "--max-wrong-rate")
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-wrong-rate") from None
    try:
        cap = settings().max_exploration_rate if max_exploration_rate is None else check_rate(max_exploration_rate)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--max-exploration-rate") from None

    async def go() -> tuple[int, list[PassReport]]:
        pairs = evaluation.load(dataset, used_split, settings().max_prompt_chars)
        # Built as under NEARHIT_MAX_WRONG_RATE: unless NEARHIT_DECISION says, the bound's gate is the guards.
        # An offline run: it waits on a loaded Redis as eval's scratch index does.
        async with open_cache(max_wrong_rate=bound, redis_timeout=offline_timeout(settings())) as cache:
            if guards_spec is not None:
                judges = evaluation.guard_sets(guards_spec, decision=cache.decision, guards=cache.guards)
                evaluation.judge_with(cache, next(iter(judges.values())))
            cache.prior = prior_for
            started_from = cache.judge_prior()
            click.echo(
                f"replay: {len(pairs)} pairs from {dataset} ({used_split} split), {passes} passes, seed {seed}, "
                f"bound {bound}, exploration cap {cap}",
                err=True,
            )
            reports = await evaluation.replay(
                cache, pairs, bound=bound, passes=passes, seed=seed, max_exploration_rate=cap, progress=progress
            )
            return (started_from.total if started_from is not None else 0), reports

    prior_observations, reports = run(go())
    if as_json:
        echo_json(
            {
                "dataset": dataset,
                "split": used_split,
                "max_wrong_rate": bound,
                "max_exploration_rate": cap,
                "seed": seed,
                "prior_observations": prior_observations,
                "passes": [r.to_dict() for r in reports],
            }
        )
        return
    click.echo(
        f"{dataset} ({used_split} split): replay with NEARHIT_MAX_WRONG_RATE={bound}"
        + (f", NEARHIT_MAX_EXPLORATION_RATE={cap}" if cap is not None else "")
        + f", seed {seed}, starting from "
        + (f"a prior of {prior_observations} observations" if prior_observations else "no prior")
    )
    click.echo(
        f"{'pass':>4} {'lookups':>7} {'recall':>14} {'wrong/traps':>16} {'wrong/hits':>11} "
        f"{'explorations':>16} {'audits':>6} {'labelled misses':>15} {'refused (right)':>15} {'verified':>8} "
        f"{'served from':>11}{' over budget (wrong)':>20}"
    )
    for r in reports:
        click.echo(
            f"{r.number:>4} {r.lookups:>7} {r.hits:>5}/{r.should_hit:<4}{pct(r.recall):>5} "
            f"{r.wrong_hits:>4}/{r.traps:<4}{pct(r.wrong_rate):>7} {pct(r.wrong_per_hit):>11} "
            f"{r.explorations:>6} ({pct(r.exploration_rate):>6}) {r.audits:>6} {r.labelled_misses:>15} "
            f"{f'{r.refused} ({r.refused_right})':>15} {r.verified:>8} "
            f"{'none' if r.served_from > 1 else f'{r.served_from:.2f}':>11}"
            f"{f'{r.over_budget} ({r.over_budget_wrong})':>20}"
        )
    click.echo(
        "wrong/hits is what the bound holds (wrong answers among those served); explorations are lookups the static "
        "decision would have served but the policy sent to the LLM to learn; refused: labelled misses the static "
        "decision would have served, withheld because the index's own labels show its wrong rate over the bound "
        "wherever the policy could serve them (right ones among them); served from is the lowest similarity at "
        "which a new question is served after the pass (none: not proven yet; a question labelled right before is "
        "served regardless: verified, also over a guard's veto); over budget: served on the static decision alone, "
        "past NEARHIT_MAX_EXPLORATION_RATE's cap (wrong ones among them)."
    )
    _explored_by_band(reports)
    click.echo(f"\nover time (windows of {WINDOW} lookups; so far: every hit served since the replay began)")
    click.echo(f"{'pass':>4} {'lookups':>9} {'served':>6} {'wrong':>5} {'explorations':>12} {'wrong/hits so far':>26}")
    for r in reports:
        for w in r.windows:
            so_far = f"{w.wrong_so_far}/{w.served_so_far} (<= {pct(w.upper_so_far)})"
            click.echo(
                f"{r.number:>4} {w.start:>4}-{w.start + w.lookups - 1:<4} {w.served:>6} {w.wrong_hits:>5} "
                f"{w.explorations:>12} {so_far:>26}"
            )
    click.echo(
        f"<= is the one-sided 95% upper bound of the wrong-hit rate among hits served so far; the bound: {bound}"
    )
    if dataset in evaluation.FOW_CACHE:
        click.echo(f"\n{evaluation.ATTRIBUTION}")


def _explored_by_band(reports: list[PassReport]) -> None:
    """Where each pass spent its explorations, and what the label said the withheld answer was worth."""
    edges = (0.0, *BANDS)
    names = [f"< {BANDS[0]:.2f}"] + [f">= {low:.2f}" for low in BANDS]
    click.echo("\nexplorations by similarity (right / wrong: what serving the withheld answer would have been)")
    click.echo(f"{'pass':>4} " + " ".join(f"{name:>11}" for name in names))
    for r in reports:
        cells = []
        for low, high in zip(edges, (*BANDS, 2.0), strict=True):
            band = [e for e in r.explored if low <= e.similarity < high]
            cells.append(f"{sum(e.right for e in band)}/{sum(not e.right for e in band)}")
        click.echo(f"{r.number:>4} " + " ".join(f"{cell:>11}" for cell in cells))
