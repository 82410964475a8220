"""``nearhit calc``: what the cache saves in a year, what it costs, and the Redis it needs."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar, get_args

import click

from nearhit.cache.keys import KeySpace
from nearhit.cli._common import run, settings
from nearhit.economics import BOUNDS, INTEGERS, Estimate, Scenario, as_dict, estimate, resolve_prices, scenario_defaults
from nearhit.economics.footprint import Algorithm
from nearhit.economics.observed import Observed, from_summary
from nearhit.errors import InvalidInput
from nearhit.service import bootstrap
from nearhit.service.telemetry import Telemetry

FC = TypeVar("FC", bound=Callable[..., Any])


_DEFAULTS = scenario_defaults()


def _range(name: str) -> click.IntRange | click.FloatRange:
    """The option's click type, built from the scenario's own bounds so both reject the same values."""
    bound = BOUNDS[name]
    if name in INTEGERS:
        return click.IntRange(int(bound.lo), int(bound.hi))
    return click.FloatRange(bound.lo, bound.hi, min_open=bound.lo_open)


def _option(field: str, *decls: str, **kwargs: Any) -> Callable[[FC], FC]:
    """A ``click.option`` for the scenario field ``field``: its type (bounds) and default come from
    :class:`Scenario`; an option whose field is derived when left out has no default."""
    if field in BOUNDS:
        kwargs.setdefault("type", _range(field))
    default = _DEFAULTS.get(field)
    if default is not None:
        kwargs.update(default=default, show_default=True)
    return click.option(*(decls or (f"--{field.replace('_', '-')}",)), field, **kwargs)


@click.command("calc")
@_option("model", help="Chat model, as genai-prices names it.")
@_option("requests_per_day", help="Chat requests per day, hits and misses.")
@_option("hit_rate", help="Share of requests served from the cache.")
@_option("input_tokens", help="Mean per request.")
@_option("output_tokens", help="Mean per request.")
@_option("embedding_model", help="Embedding model, or 'local' / 'local-multilingual' (free).")
@_option("embedding_tokens", help="Tokens embedded per request [input tokens].")
@_option("ttl_seconds", "--ttl", help="Entry TTL, seconds.")
@_option("dim", help="Vector dimension [the embedding model's].")
@_option("algorithm", type=click.Choice(get_args(Algorithm)), help="Vector index algorithm.")
@_option("hnsw_m", help="HNSW links per node [the index's: NEARHIT_HNSW_M].")
@_option("distinct_share", help="Share of requests that store a new entry [1 - hit rate].")
@_option("prompt_bytes", help="Mean stored prompt [4 × input tokens].")
@_option("response_bytes", help="Mean stored answer [4 × output tokens].")
@_option("ha", "--ha/--no-ha", help="High availability: two Redis nodes.")
@_option("region", help="Region of the Redis price table.")
@_option("headroom", help="Spare memory on top of the working set.")
@_option("yearly_growth", help="Traffic growth per year.")
@_option("years", help="Years to project.")
@_option("llm_latency_ms", help="Full LLM answer [450 ms + output / 80 tok/s].")
@_option("hit_latency_ms", help="A cache hit, end to end (ms).")
@_option("input_price_per_mtok", "--input-price", help="Override: USD per 1M input tokens.")
@_option("output_price_per_mtok", "--output-price", help="Override: USD per 1M output tokens.")
@_option("embedding_price_per_mtok", "--embedding-price", help="Override: USD per 1M embedded tokens.")
@_option("redis_price_per_node_hour", "--redis-price", help="Override: USD per Redis node-hour.")
@click.option(
    "--redis-prices",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Your own Redis price table (same JSON shape as the bundled one).",
)
@click.option("--as-of", type=click.DateTime(["%Y-%m-%d"]), help="Price date [today].")
@click.option(
    "--observed",
    is_flag=True,
    help="Take hit rate, token means, LLM latency and model from this service's telemetry (REDIS_URL or the "
    "embedded Redis, VECTOR_INDEX_NAME); options given explicitly still win.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def calc(
    redis_prices: Path | None,
    as_of: datetime | None,
    observed: bool,
    as_json: bool,
    **fields: Any,
) -> None:
    """Annual LLM, embedding and Redis spend with and without the cache, breakeven hit rate and Redis SKU.

    Every figure comes from a dated price: chat and embedding prices from genai-prices, Redis from the
    bundled Azure Managed Redis table (list prices and marked estimates).
    """
    # ``fields``: one keyword per ``_option``, each named as the Scenario field it fills.
    if observed:
        seen = _observed()
        context = click.get_current_context()

        def chosen(name: str) -> bool:
            return context.get_parameter_source(name) is not click.core.ParameterSource.DEFAULT

        for name in ("hit_rate", "input_tokens", "output_tokens", "llm_latency_ms"):
            if not chosen(name):
                fields[name] = getattr(seen, name)
        if seen.model and not chosen("model"):
            fields["model"] = seen.model
        click.echo(
            f"observed over {seen.requests:,} requests: hit rate {seen.hit_rate:.1%}, {seen.input_tokens:,} in / "
            f"{seen.output_tokens:,} out tokens per LLM answer, priced as {seen.model}",
            err=True,
        )
    try:
        scenario = Scenario(**fields, as_of=as_of.date() if as_of else None)
        result = estimate(scenario, resolve_prices(scenario, redis_prices))
    except InvalidInput as exc:
        raise click.UsageError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(as_dict(result), indent=2))
    else:
        click.echo(render(result))


def render(result: Estimate) -> str:
    """The estimate as a readable table: inputs, prices with their dates, spend, sizing, breakeven."""
    s, a, p, fp, be = result.scenario, result.annual, result.prices, result.footprint, result.breakeven
    sku = a.sku
    count = f"{a.sku_count} × " if a.sku_count > 1 else ""
    rows: list[tuple[str, Any]] = [
        ("Scenario", None),
        ("chat model", f"{p.chat.model} ({p.chat.provider})"),
        ("requests per day", f"{s.requests_per_day:,.0f}"),
        ("tokens per request", f"{s.input_tokens:,} in / {s.output_tokens:,} out"),
        ("hit rate", f"{s.hit_rate:.1%}"),
        (
            "embedding",
            f"{p.embedding.model}, {s.embedding_tokens:,} tokens per request, {s.dim}-d {s.algorithm.upper()}",
        ),
        ("TTL, distinct share", f"{s.ttl_seconds:,} s, {s.distinct_share:.1%}"),
        ("Prices", None),
        (
            "chat, per 1M tokens",
            f"${p.chat.input_per_mtok:,.4g} in / ${p.chat.output_per_mtok:,.4g} out  [{p.chat.source}, {p.chat.as_of}]",
        ),
        ("embedding, per 1M", f"${p.embedding.input_per_mtok:,.4g}  [{p.embedding.source}, {p.embedding.as_of}]"),
        (
            "Redis node-hour",
            f"${sku.usd_per_node_hour:,.4g} {sku.name}, {sku.kind}  [{sku.source}; table {p.redis.as_of}]",
        ),
        ("A year (365 days)", None),
        ("token spend, no cache", _usd(a.token_spend_without_cache)),
        ("token spend, with cache", _usd(a.token_spend_with_cache) + "  (misses only)"),
        ("embedding spend", _usd(a.embedding_spend) + "  (every request, hits and misses)"),
        ("Redis spend", _usd(a.redis_spend) + f"  ({count}{sku.name}, {'HA: 2 nodes' if s.ha else '1 node'})"),
        ("total with cache", _usd(a.total_spend_with_cache)),
        ("net savings", _usd(a.net_savings)),
        ("Breakeven hit rate", None),
        ("seed formula (Redis only)", _pct(be.seed_pct, be.seed_exceeds_100)),
        ("with embedding cost", _pct(be.full_pct, be.full_exceeds_100)),
        ("Memory", None),
        (
            "per entry",
            f"{fp.total:,} B = vector {fp.vector:,} + index graph {fp.index_graph:,} "
            f"+ payload {fp.payload:,} + key overhead {fp.key_overhead:,}",
        ),
        (
            "working set",
            f"{a.working_set.entries:,} entries, {_gb(a.working_set.bytes)} "
            f"({_gb(a.working_set.required_bytes)} with {s.headroom:.0%} headroom)",
        ),
        (
            "Azure Managed Redis SKU",
            f"{count}{sku.name} ({sku.tier}, {sku.advertised_gb:g} GB, {_gb(sku.usable_bytes)} usable)",
        ),
        ("Latency", None),
        (
            "saved per year",
            f"{result.latency.saved_hours:,.0f} h (hits × ({s.llm_latency_ms:,.0f} − {s.hit_latency_ms:g} ms))",
        ),
        ("added per year", f"{result.latency.added_hours:,.0f} h (the lookup before each miss)"),
    ]
    if len(result.projection) > 1:
        rows.append(("Projection", None))
        for number, year in enumerate(result.projection, start=1):
            rows.append(
                (
                    f"year {number}",
                    f"{year.requests_per_day:,.0f}/day: net {_usd(year.net_savings)}, "
                    f"Redis {year.sku_count} × {year.sku.name}",
                )
            )
    width = max(len(label) for label, value in rows if value is not None)
    lines = [f"\n{label}" if value is None else f"  {label:<{width}}  {value}" for label, value in rows]
    return "\n".join(lines).lstrip("\n")


def _usd(value: float) -> str:
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _pct(value: float | None, exceeds: bool) -> str:
    if value is None:
        return "never (no token spend to save)"
    return f"{value:.2f}%" + ("  > 100%: the cache cannot pay for itself" if exceeds else "")


def _gb(size: float) -> str:
    return f"{size / 1e9:,.2f} GB"


def _observed() -> Observed:
    """The telemetry summary of the configured service, turned into calculator inputs."""

    async def summary() -> dict[str, Any]:
        config = settings()
        redis = await bootstrap.connect_redis(config)
        try:
            return await Telemetry(lambda: redis, KeySpace(config.index_name)).summary()
        finally:
            await redis.aclose()

    data = run(summary())
    try:
        return from_summary(data)
    except InvalidInput as exc:
        raise click.ClickException(str(exc)) from None
