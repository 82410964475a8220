"""``nearhit cache``: what the CLI stores is what the server serves; ``cache delete``."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from click.testing import CliRunner, Result

from nearhit import redis_server
from nearhit.cache import Scope, SemanticCache
from nearhit.cli import main
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.llm import build_provider, served_model
from nearhit.service.runtime import Runtime
from tests.support.live import fast_llm, serve
from tests.support.reindexing import dropped_over_copies, indexing_held


async def invoke(settings: Settings, *args: str, **more: str) -> Result:
    env = more | {
        "REDIS_URL": settings.redis_url,
        "VECTOR_INDEX_NAME": settings.index_name,
        "NEARHIT_DATA_DIR": str(settings.data_dir),
        "NEARHIT_LLM": "simulated",
        "NEARHIT_MODEL": "gpt-4o",
    }
    return await asyncio.to_thread(CliRunner().invoke, main, list(args), env=env, catch_exceptions=False)


def test_served_model_is_the_providers_model(settings: Settings) -> None:
    assert served_model(settings) == build_provider(settings).model == "simulated-gpt-4o"
    openai = settings.model_copy(update={"llm": "openai", "openai_base_url": "http://127.0.0.1:9/v1"})
    assert served_model(openai) == build_provider(openai).model == "gpt-4o"


async def test_an_entry_seeded_from_the_cli_is_served_by_the_ui_and_the_gateway(
    cache: SemanticCache, settings: Settings, local_embedder: LocalEmbedder
) -> None:
    stored = await invoke(settings, "cache", "store", "What is nearhit?", "A semantic cache.", "--json")
    assert stored.exit_code == 0, stored.output
    looked_up = await invoke(settings, "cache", "lookup", "what is nearhit")
    assert looked_up.exit_code == 0 and "A semantic cache." in looked_up.stdout
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        async with serve(settings, runtime) as live:
            ask = await live.client.post("/ask", json={"prompt": "What is nearhit?", "include_raw": False})
            assert ask.status_code == 200, ask.text
            assert ask.json()["cache"]["cache_document"]["match"] == "exact", ask.text
            chat = await live.client.post(
                "/v1/chat/completions",
                json={"model": "gpt-4o", "messages": [{"role": "user", "content": "What is nearhit?"}]},
            )
            assert chat.status_code == 200, chat.text
            assert chat.json()["choices"][0]["message"]["content"] == "A semantic cache."
    finally:
        await runtime.close()


async def test_cache_delete(cache: SemanticCache, settings: Settings) -> None:
    stored = await invoke(settings, "cache", "store", "What is RAG?", "Retrieval-augmented generation.", "--json")
    doc_id = json.loads(stored.stdout)["doc_id"]
    deleted = await invoke(settings, "cache", "delete", doc_id)
    assert deleted.exit_code == 0 and f"deleted {doc_id}" in deleted.stdout
    again = await invoke(settings, "cache", "delete", doc_id, "--json")
    assert again.exit_code == 1 and json.loads(again.stdout) == {"deleted": False, "doc_id": doc_id}
    foreign = await invoke(settings, "cache", "delete", cache.keys.stats_key)
    assert foreign.exit_code == 2 and "not an entry id" in foreign.output
    assert (await cache.stats()).entries == 0


async def test_cache_search_shows_the_ids_cache_delete_takes(cache: SemanticCache, settings: Settings) -> None:
    """One question stored under two system prompts printed two identical lines, and no id to delete either by."""
    ids = []
    for system in ("Be brief.", "Answer in French."):
        stored = await invoke(settings, "cache", "store", "What is RAG?", "Retrieval.", "--system", system, "--json")
        ids.append(json.loads(stored.stdout)["doc_id"])
    found = await invoke(settings, "cache", "search", "what is rag")
    assert found.exit_code == 0, found.output
    assert ids[0] != ids[1] and all(f"        {doc_id}\n" in found.stdout for doc_id in ids)
    deleted = await invoke(settings, "cache", "delete", ids[0])
    assert deleted.exit_code == 0


async def test_cache_stats_shows_the_rewrites_once_there_are_any(cache: SemanticCache, settings: Settings) -> None:
    quiet = await invoke(settings, "cache", "stats")
    assert quiet.exit_code == 0 and "rewrites" not in quiet.stdout  # off by default: nothing to show
    counted = {"rewrites": 4, "rewrites_cached": 6, "rewrite_failures": 1, "rewrite_hits": 7}
    await cache.redis.hset(cache.keys.stats_key, mapping=counted | {"rewrite_cost_micro_usd": 290, "rewrite_ms": 2000})
    shown = await invoke(settings, "cache", "stats")
    assert "rewrites        4 calls (6 more kept in Redis, 1 failed), 7 hits" in shown.stdout
    assert "$0.0003, 500 ms a call" in shown.stdout


async def test_cache_stats_shows_the_checks_once_there_are_any(cache: SemanticCache, settings: Settings) -> None:
    quiet = await invoke(settings, "cache", "stats")
    assert quiet.exit_code == 0 and "checks" not in quiet.stdout  # off by default: nothing to show
    counted = {"verifies": 5, "verifies_cached": 2, "verify_failures": 1, "verify_refusals": 3, "verifies_skipped": 7}
    amounts = {
        "verify_prompt_tokens": 1200,
        "verify_completion_tokens": 5,
        "verify_cost_micro_usd": 190,
        "verify_ms": 1500,
    }
    await cache.redis.hset(cache.keys.stats_key, mapping=counted | amounts)
    shown = await invoke(settings, "cache", "stats")
    shown_calls = "5 calls (2 more kept in Redis, 1 failed, 7 skipped after failures in a row), 3 hits refused"
    assert f"checks          {shown_calls}; 1,205 tokens" in shown.stdout
    assert "$0.0002, 300 ms a call" in shown.stdout


async def test_cache_stats_shows_the_stores_dropped_by_a_clear(cache: SemanticCache, settings: Settings) -> None:
    await cache.redis.hset(cache.keys.stats_key, mapping={"stores": 3, "stores_cleared": 1})
    shown = await invoke(settings, "cache", "stats")
    assert "stores          3 (1 more dropped: the cache was cleared while they were generated)" in shown.stdout
    assert json.loads((await invoke(settings, "cache", "stats", "--json")).stdout)["counters_dropped"] == 0


async def test_cache_lookup_threshold_stands_for_the_setting(cache: SemanticCache, settings: Settings) -> None:
    """``--threshold`` is SEMANTIC_SIMILARITY_THRESHOLD set: a floor. A quiet paraphrase at ~0.73, served under
    the default threshold by its margin (the decision's, the default), is not served under a threshold given,
    even the default's own value."""
    stored = await invoke(settings, "cache", "store", "Beach trip packing list?", "Sunscreen, towel.", "--json")
    assert stored.exit_code == 0, stored.output
    asked = "What should I pack for a beach holiday?"
    served = await invoke(settings, "cache", "lookup", asked, "--json")
    assert served.exit_code == 0 and json.loads(served.stdout)["candidates"][0]["margin"] == "decision", served.output
    floor = await invoke(settings, "cache", "lookup", asked, "--threshold", "0.76", "--json")
    assert floor.exit_code == 1 and json.loads(floor.stdout)["threshold"] == 0.76, floor.output


async def test_a_tenant_s_clear_shows_the_index_reading_and_stops_at_its_deadline(
    cache: SemanticCache, settings: Settings
) -> None:
    """While the clear waits for an index re-created over the keys there, it says how far the index has read; past
    ``NEARHIT_CLEAR_INDEXING_TIMEOUT`` it exits 1 saying so and that the clear can be run again. The index's
    reading is held, so the clear finds it reading whatever the load."""
    acme = await cache.store("What is the capital?", "Paris.", Scope.build(model="gpt-4o", tenant="acme"))
    await dropped_over_copies(cache, acme, 20)  # the CLI re-creates the index over them
    async with indexing_held(cache.redis):
        given = {"NEARHIT_CLEAR_INDEXING_TIMEOUT": "0.001"}
        cleared = await invoke(settings, "cache", "clear", "--tenant", "acme", "--yes", **given)
    assert cleared.exit_code == 1, cleared.output
    assert "waiting for the index, re-created over the keys there, to read them: " in cleared.stderr
    assert "has read 0 keys so far (0%)" in cleared.stderr and "Run the clear again" in cleared.stderr, cleared.stderr
    again = await invoke(settings, "cache", "clear", "--tenant", "acme", "--yes")
    assert again.exit_code == 0 and again.stdout.startswith("deleted "), again.output
    assert not [key async for key in cache.redis.scan_iter(match=cache.keys.entry_pattern)]


def test_a_command_that_starts_the_embedded_redis_says_it_keeps_running(tmp_path: Path) -> None:
    """`nearhit cache stats` after the demo stopped started a detached redis-server and said nothing about it."""
    env = {"REDIS_URL": None, "NEARHIT_DATA_DIR": str(tmp_path), "NEARHIT_LLM": "simulated"}
    try:
        first = CliRunner().invoke(main, ["cache", "stats"], env=env, catch_exceptions=False)
        assert first.exit_code == 0, first.output
        server = redis_server.find_running(tmp_path)
        assert server is not None
        said = f"started the embedded Redis at {server.url} (data: {tmp_path}); it keeps running"
        assert said in first.stderr and "`nearhit redis stop` stops it" in first.stderr
        again = CliRunner().invoke(main, ["cache", "stats"], env=env, catch_exceptions=False)
        assert again.exit_code == 0 and "started the embedded Redis" not in again.stderr  # it was running
    finally:
        redis_server.stop(tmp_path)
