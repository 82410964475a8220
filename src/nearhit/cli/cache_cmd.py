"""``nearhit cache``: store, look up, search, inspect and clear cached answers from the shell."""

from __future__ import annotations

from typing import Any

import click

from nearhit import validate
from nearhit.cache import Scope, model_calls, rewrite_stats, verdicts, verify_stats
from nearhit.cli._common import THRESHOLD, echo_json, json_option, open_cache, run, settings
from nearhit.llm import served_model


def _scope_options(function: Any) -> Any:
    for option in reversed(
        [
            click.option(
                "--model",
                "-m",
                default=None,
                help="Model the answer is for (default: the one the server answers as: NEARHIT_MODEL, "
                "simulated-<it> with the simulated LLM), so the UI and the gateway serve what you store.",
            ),
            click.option("--tenant", "-t", default="default", show_default=True, help="Tenant (isolates entries)."),
            click.option("--system", "-s", default=None, help="System prompt (part of the scope)."),
        ]
    ):
        function = option(function)
    return function


def _model(given: str | None) -> str:
    return given if given is not None else served_model(settings())


@click.group()
def cache() -> None:
    """Store, look up, search and clear cached answers."""


@cache.command()
@click.argument("prompt")
@click.argument("response")
@_scope_options
@click.option("--ttl", type=int, default=None, help="Seconds to keep it (default: CACHE_TTL, else forever).")
@json_option
def store(
    prompt: str, response: str, model: str | None, tenant: str, system: str | None, ttl: int | None, as_json: bool
) -> None:
    """Store RESPONSE as the answer to PROMPT."""

    async def go() -> str:
        async with open_cache() as engine:
            scope = Scope.build(model=_model(model), tenant=tenant, system_prompt=system)
            return await engine.store(prompt, response, scope, ttl=ttl)

    doc_id = run(go())
    if as_json:
        echo_json({"stored": True, "doc_id": doc_id})
    else:
        click.echo(f"stored {doc_id}")


@cache.command()
@click.argument("prompt")
@_scope_options
@click.option(
    "--threshold",
    type=THRESHOLD,
    default=None,
    help="Similarity needed for a semantic hit, 0-1 (default: SEMANTIC_SIMILARITY_THRESHOLD, else 0.76). Given, "
    "it stands for SEMANTIC_SIMILARITY_THRESHOLD: nothing under it is served unless a margin is set too.",
)
@json_option
def lookup(
    prompt: str, model: str | None, tenant: str, system: str | None, threshold: float | None, as_json: bool
) -> None:
    """Look PROMPT up: exact match first, then semantic. Exit code 0 on a hit, 1 on a miss."""

    async def go() -> dict[str, Any]:
        async with open_cache(threshold) as engine:
            scope = Scope.build(model=_model(model), tenant=tenant, system_prompt=system)
            return (await engine.lookup(prompt, scope)).to_dict()

    result = run(go())
    if as_json:
        echo_json(result)
    elif result["hit"]:
        click.echo(
            f"{result['match']} hit (similarity {result['similarity']:.4f}) in {result['timings_ms']['total']} ms"
        )
        click.echo(result["response"])
    else:
        best = f"best similarity {result['similarity']:.4f}" if result["similarity"] is not None else "no candidate"
        why = f"; rejected by {result['rejected_by']}: {result['rejection_reason']}" if result["rejected_by"] else ""
        click.echo(f"miss ({best}, threshold {result['threshold']}{why})")
    raise SystemExit(0 if result["hit"] else 1)


@cache.command()
@click.option("--request-id", default=None, help="The x-request-id of the response that served the answer.")
@click.option("--doc-id", default=None, help="The entry served (a lookup's doc_id).")
@click.option("--verdict", type=click.Choice(["wrong", "right"]), required=True, help="Was the answer right?")
@click.option("--prompt", default=None, help="With --doc-id: the question it was served for.")
@click.option("--note", default=None, help="Why (logged).")
@json_option
def feedback(
    request_id: str | None, doc_id: str | None, verdict: str, prompt: str | None, note: str | None, as_json: bool
) -> None:
    """Say a served answer was wrong (or right): the same question, or a closer look-alike, is not served that
    entry again. Name the response (--request-id) or the entry (--doc-id, alone: 'wrong' retires it)."""
    if (request_id is None) == (doc_id is None):
        raise click.UsageError("give exactly one of --request-id (the response) or --doc-id (the entry)")
    if prompt is not None and doc_id is None:
        raise click.UsageError("--prompt goes with --doc-id (a request id already names its question)")
    try:  # the API's rules: checked here, not looked up, echoed whole or logged
        validate.feedback_ids(request_id, doc_id, note)
        if prompt is not None:
            validate.prompt(prompt, settings().max_prompt_chars)
    except validate.InvalidInput as exc:
        raise click.UsageError(str(exc)) from None

    async def go() -> dict[str, Any]:
        async with open_cache() as engine:
            recorded = await verdicts.give(
                engine,
                "wrong" if verdict == "wrong" else "right",
                tenant=None,  # the shell acts for every tenant, like the admin token
                request_id=request_id,
                doc_id=doc_id,
                prompt=prompt,
                note=note,
            )
            return recorded.to_dict()

    result = run(go())
    if as_json:
        echo_json(result)
    else:
        similarity = "" if result["similarity"] is None else f" (similarity {result['similarity']:.4f})"
        click.echo(f"{result['verdict']}: {result['action']} for {result['doc_id']}{similarity}")


@cache.command()
@click.argument("text")
@click.option("--top-k", "-k", type=int, default=5, show_default=True, help="How many entries to show.")
@click.option("--threshold", type=THRESHOLD, default=None, help="Only entries at least this similar.")
@click.option("--tenant", "-t", default=None, help="Only this tenant's entries.")
@json_option
def search(text: str, top_k: int, threshold: float | None, tenant: str | None, as_json: bool) -> None:
    """Show the stored entries nearest to TEXT (any scope unless --tenant)."""

    async def go() -> list[dict[str, Any]]:
        async with open_cache() as engine:
            hits = await engine.search(text=text, top_k=top_k, threshold=threshold, tenant=tenant)
            return [hit.__dict__ for hit in hits]

    hits = run(go())
    if as_json:
        echo_json(hits)
        return
    if not hits:
        click.echo("no entries")
    for hit in hits:
        click.echo(
            f"{hit['similarity']:.4f}  [{hit['tenant']}/{hit['model']}]  {hit['prompt']!r} -> {hit['response'][:80]!r}"
        )
        # The id `cache delete` takes; it also tells apart one question stored in two scopes (two conversations,
        # two system prompts), which the line above shows alike.
        click.echo(f"        {hit['doc_id']}")


@cache.command()
@json_option
def stats(as_json: bool) -> None:
    """Entries, index and memory sizes, hit and miss counters."""

    async def go() -> dict[str, Any]:
        async with open_cache() as engine:
            return (await engine.stats()).to_dict()

    data = run(go())
    if as_json:
        echo_json(data)
        return
    counters = data["counters"]
    click.echo(f"index           {data['index_name']} ({data['algorithm']}, {data['dimension']}-d)")
    twins = f" (+ {data['twins']:,} conversations' twins: pointers, not entries)" if data["twins"] else ""
    indexing = " (so far: the index, made over keys already there, is still reading them)" if data["indexing"] else ""
    click.echo(f"entries         {data['entries']:,}{twins}{indexing}")
    click.echo(f"vector index    {data['vector_index_mb']:.2f} MB")
    click.echo(f"Redis memory    {data['used_memory_bytes'] / 1e6:.2f} MB")
    click.echo(
        f"lookups         {counters['exact_hits']:,} exact hits, {counters['semantic_hits']:,} semantic hits, "
        f"{counters['misses']:,} misses ({counters['guard_rejections']:,} rejected by a guard or the decision); "
        f"{counters['conversation_hits']:,} of the hits for conversations"
    )
    click.echo(
        f"stores          {counters['stores']:,} ({counters['stores_cleared']:,} more dropped: the cache was cleared "
        f"while they were generated); {data['counters_dropped']:,} counter increments lost by this process"
    )
    _model_calls(counters, rewrite_stats.COUNTERS, "rewrites", f"{counters['rewrite_hits']:,} hits through them")
    _model_calls(counters, verify_stats.COUNTERS, "checks", f"{counters['verify_refusals']:,} hits refused")


def _model_calls(counters: dict[str, int], names: model_calls.Counters, label: str, outcome: str) -> None:
    """A line for a model called on lookups (the rewrite, the check), once it has been: its calls, the replies kept,
    the failures, the calls skipped after failures in a row (if any), ``outcome``, its tokens, price and time a
    call."""
    calls = counters[names.calls]
    if not (calls or counters[names.kept] or counters[names.failures] or counters[names.skipped]):
        return
    skipped = f", {counters[names.skipped]:,} skipped after failures in a row" if counters[names.skipped] else ""
    click.echo(
        f"{label:<16}{calls:,} calls ({counters[names.kept]:,} more kept in Redis, "
        f"{counters[names.failures]:,} failed{skipped}), {outcome}; "
        f"{counters[names.prompt_tokens] + counters[names.completion_tokens]:,} tokens, "
        f"${counters[names.cost_micro_usd] / 1e6:.4f}, {counters[names.ms] / max(calls, 1):.0f} ms a call"
    )


@cache.command()
@click.option("--tenant", "-t", default=None, help="Only this tenant's entries.")
@click.option("--yes", "-y", is_flag=True, help="Don't ask for confirmation.")
@json_option
def clear(tenant: str | None, yes: bool, as_json: bool) -> None:
    """Delete cached answers: all of them, or one tenant's."""
    if tenant is not None:  # checked before the question, which an empty --tenant made "EVERY cached entry?"
        try:
            validate.label(tenant, "tenant")
        except validate.InvalidInput as exc:
            raise click.UsageError(str(exc)) from None
    if not yes and not as_json:
        what = f"every entry of tenant {tenant!r}" if tenant is not None else "EVERY cached entry"
        click.confirm(f"Delete {what}?", abort=True)

    def reading(read: int, fraction: float) -> None:
        click.echo(
            f"waiting for the index, re-created over the keys there, to read them: {read:,} ({fraction:.0%})", err=True
        )

    async def go() -> int:
        async with open_cache() as engine:
            return await engine.clear(tenant=tenant, progress=reading)

    deleted = run(go())
    if as_json:
        echo_json({"deleted": deleted})
    else:
        click.echo(f"deleted {deleted:,} entries")


@cache.command()
@click.argument("doc_id")
@json_option
def delete(doc_id: str, as_json: bool) -> None:
    """Delete the entry DOC_ID (as `store` printed it). Exit code 0 if deleted, 1 if there was none."""
    try:  # a 100 kB id refused by its length, not echoed back whole
        validate.entry_id(doc_id)
    except validate.InvalidInput as exc:
        raise click.UsageError(str(exc)) from None

    async def go() -> bool:
        async with open_cache() as engine:
            return await engine.delete(doc_id)

    deleted = run(go())
    if as_json:
        echo_json({"deleted": deleted, "doc_id": doc_id})
    else:
        click.echo(f"deleted {doc_id}" if deleted else f"no entry {doc_id}")
    raise SystemExit(0 if deleted else 1)


@cache.command()
@click.option("--drop-entries", is_flag=True, help="Delete the entries too (needed after changing embedder).")
@click.option(
    "--yes",
    "-y",
    is_flag=True,
    help="With --drop-entries: don't ask before deleting them (keeping them, it never asks).",
)
def rebuild(drop_entries: bool, yes: bool) -> None:
    """Drop and re-create the vector index (entries are re-indexed unless --drop-entries)."""
    if drop_entries and not yes:
        click.confirm("Delete every cached entry and re-create the index?", abort=True)

    async def go() -> None:
        from nearhit.cache.index import drop_index
        from nearhit.cli._common import settings
        from nearhit.service import bootstrap

        config = settings()
        # Opening the cache would fail on an index that does not fit (dimension, old shape): drop it first.
        redis = await bootstrap.connect_redis(config)
        await drop_index(redis, config.index_name, delete_entries=drop_entries)
        await redis.aclose()
        async with open_cache() as engine:
            await engine.rebuild(drop_entries=False)

    run(go())
    click.echo("index rebuilt" + (" (entries deleted)" if drop_entries else ""))
