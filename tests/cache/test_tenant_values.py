"""Tenant names are exact: no case folding, no splitting on commas, no trimming (the index filters on a digest)."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import redis
from click.testing import CliRunner

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index, ensure_index
from nearhit.cache.keys import KeySpace, sha256_hex
from nearhit.cli import main
from nearhit.errors import IndexMismatch
from tests.support.waiting import eventually

TENANTS = ["tenantA", "TENANTA", "tenanta", "x,tenantA", "tenant A", " tenantA", "tenantA "]
QUESTION = "What is the capital of France?"


def scope(tenant: str) -> Scope:
    return Scope.build(model="gpt-4o", tenant=tenant)


async def fill(cache: SemanticCache) -> None:
    for tenant in TENANTS:
        await cache.store(QUESTION, f"Paris, for {tenant!r}.", scope(tenant))


async def wait_entries(cache: SemanticCache, count: int) -> None:
    async def indexed() -> bool:
        assert (found := (await cache.stats()).entries) == count, f"expected {count} indexed entries, found {found}"
        return True

    await eventually(indexed)


async def test_search_and_lookup_never_cross_tenants(cache: SemanticCache) -> None:
    await fill(cache)
    for tenant in TENANTS:
        hits = await cache.search(text=QUESTION, top_k=20, tenant=tenant)
        assert [hit.tenant for hit in hits] == [tenant]
        result = await cache.lookup("Which city is France's capital?", scope(tenant), threshold=0.5)
        assert result.answer is not None and result.answer.response == f"Paris, for {tenant!r}."


@pytest.mark.parametrize("tenant", TENANTS)
async def test_clearing_a_tenant_clears_exactly_its_own_entries(cache: SemanticCache, tenant: str) -> None:
    await fill(cache)
    assert await cache.clear(tenant=tenant) == 1
    left = {hit.tenant for hit in await cache.search(text=QUESTION, top_k=20)}
    assert left == set(TENANTS) - {tenant}


async def test_an_old_index_is_named_and_rebuild_migrates_it(cache: SemanticCache) -> None:
    """An index of the old shape (tenant as a folded TAG, entries without the digest) is refused with the command
    that fixes it; ``rebuild`` keeps the entries and re-writes what the new shape indexes."""
    await fill(cache)
    await drop_index(cache.redis, cache.spec.name, delete_entries=False)
    async for key in cache.redis.scan_iter(match=f"{cache.keys.entry_prefix}*"):
        await cache.redis.hdel(key, "tenant_id")
    await cache.redis.execute_command(
        "FT.CREATE", cache.spec.name, "ON", "HASH", "PREFIX", 1, cache.keys.entry_prefix, "SCHEMA",
        "scope", "TAG", "tenant", "TAG", "model", "TAG", "created_at", "NUMERIC",
        "embedding", "VECTOR", "HNSW", 6, "TYPE", "FLOAT32", "DIM", 384, "DISTANCE_METRIC", "COSINE",
    )  # fmt: skip
    with pytest.raises(IndexMismatch, match="nearhit cache rebuild"):
        await ensure_index(cache.redis, cache.spec)
    await cache.rebuild()
    await ensure_index(cache.redis, cache.spec)  # the new shape passes
    await wait_entries(cache, len(TENANTS))
    assert await cache.clear(tenant="TENANTA") == 1
    assert {hit.tenant for hit in await cache.search(text=QUESTION, top_k=20, tenant="tenantA")} == {"tenantA"}


def test_the_cli_rebuild_migrates_an_old_index(
    redis_url: str, index_name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``nearhit cache rebuild`` opens an index of the old shape (opening the cache alone refuses it)."""
    keys = KeySpace(index_name)
    client = redis.Redis.from_url(redis_url)
    key = keys.entry_prefix + "0" * 64
    client.hset(key, mapping={"prompt": QUESTION, "response": "Paris.", "tenant": "TENANTA", "scope": "0" * 64,
                              "embedding": np.full(384, 0.05, dtype=np.float32).tobytes()})  # fmt: skip
    client.execute_command(
        "FT.CREATE", index_name, "ON", "HASH", "PREFIX", 1, keys.entry_prefix, "SCHEMA", "scope", "TAG",
        "tenant", "TAG", "embedding", "VECTOR", "HNSW", 6, "TYPE", "FLOAT32", "DIM", 384, "DISTANCE_METRIC", "COSINE",
    )  # fmt: skip
    for name in [n for n in os.environ if n.startswith(("NEARHIT_", "OPENAI_", "AZURE_OPENAI_", "CACHE_TTL"))]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("REDIS_URL", redis_url)
    monkeypatch.setenv("VECTOR_INDEX_NAME", index_name)
    monkeypatch.setenv("NEARHIT_DATA_DIR", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    try:
        result = CliRunner().invoke(main, ["cache", "rebuild"])
        assert result.exit_code == 0, result.output
        assert client.hget(key, "tenant_id") == sha256_hex("TENANTA").encode()
        assert client.exists(key)
    finally:
        client.execute_command("FT.DROPINDEX", index_name, "DD")
        client.close()
