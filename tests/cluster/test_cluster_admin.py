"""The cache's admin routes through the service on the local 3+3 cluster (no search coordinator: an index per
tenant, on its shard): ``/cache/clear``'s count by tenant, by pattern and of everything (a conversation's twins not
counted as entries), ``/cache/search`` over every shard and one tenant's, ``DELETE /cache/entries/{id}``,
``/cache/stats`` and a conversation's lookup, for tenants on three shards. hv58 made these twin-aware on one Redis;
none had run on a cluster."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import redis

from nearhit.cache.client import index_names
from nearhit.cache.index import drop_index
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.redis_cluster import LocalTopology
from nearhit.service.runtime import Runtime
from tests.api.test_conversations import CACHED, QUESTION, REWORDED
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.waiting import settled

SINGLE = "What is the capital of France?"


@pytest.fixture
async def live_cluster(
    local_cluster: LocalTopology, tmp_path: Path, local_embedder: LocalEmbedder
) -> AsyncIterator[LiveServer]:
    settings = load_settings(redis_url=local_cluster.url, data_dir=tmp_path, index_name=f"a_{uuid.uuid4().hex[:8]}")
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        async with serve(settings, runtime) as live:
            yield live
            cache = await runtime.cache()
            for name in cache.spec.tenant_indexes(await index_names(cache.redis)):
                await drop_index(cache.redis, name, delete_entries=True)
    finally:
        await runtime.close()


async def tenants_on_three_shards(live: LiveServer, local_cluster: LocalTopology) -> list[str]:
    cache = await live.runtime.cache()
    chosen: dict[int, str] = {}
    with redis.RedisCluster(host="127.0.0.1", port=local_cluster.ports("primary")[0]) as client:
        for i in range(1000):
            chosen.setdefault(client.get_node_from_key(cache.spec.for_tenant(f"t{i}").name).port, f"t{i}")
            if len(chosen) == 3:
                return list(chosen.values())
    raise AssertionError("no tenants on three shards")


async def ask(live: LiveServer, body: dict[str, Any]) -> dict[str, Any]:
    reply = await live.client.post("/ask", json={**body, "include_raw": False})
    assert reply.status_code == 200, reply.text
    await settled(live.runtime)
    return dict(reply.json()["cache"])


async def search(live: LiveServer, text: str, **options: Any) -> list[dict[str, Any]]:
    reply = await live.client.post("/cache/search", json={"text": text, "threshold": 0, **options})
    assert reply.status_code == 200, reply.text
    return list(reply.json()["results"])


async def test_clears_searches_deletes_and_stats_on_a_cluster_count_entries_not_twins(
    live_cluster: LiveServer, local_cluster: LocalTopology
) -> None:
    live = live_cluster
    tenants = await tenants_on_three_shards(live, local_cluster)
    for tenant in tenants:  # a conversation (its entry and two twins) and a single question, on each shard
        assert (await ask(live, {"prompt": QUESTION, "history": CACHED, "tenant": tenant}))["store"] == "stored"
        assert (await ask(live, {"prompt": SINGLE, "tenant": tenant}))["store"] == "stored"
    for tenant in tenants:
        asked = await ask(live, {"prompt": QUESTION, "history": REWORDED, "tenant": tenant})
        assert asked["outcome"] == "semantic" and not asked["degraded"], asked
        assert asked["cache_document"]["context"]["turns"] == [[t["role"], t["content"]] for t in CACHED]

    stats = (await live.client.get("/cache/stats")).json()
    assert (stats["entries"], stats["twins"]) == (6, 6), stats
    for top_k in (1, 2, 3, 6):  # entries, not twins, however many of these each shard's KNN returns
        found = await search(live, QUESTION, top_k=top_k)
        assert len(found) == top_k and len({hit["doc_id"] for hit in found}) == top_k, (top_k, found)
    own = await search(live, QUESTION, top_k=1, tenant=tenants[0])
    assert [(hit["tenant"], hit["prompt"]) for hit in own] == [(tenants[0], QUESTION)]

    cleared = await live.client.delete("/cache/clear", params={"tenant": tenants[0]})
    assert cleared.json() == {"deleted": 2}, cleared.text
    (single,) = [hit for hit in await search(live, SINGLE, tenant=tenants[1]) if hit["prompt"] == SINGLE]
    deleted = await live.client.delete(f"/cache/entries/{single['doc_id']}")
    assert deleted.status_code == 200 and deleted.json()["deleted"] is True, deleted.text
    by_pattern = await live.client.delete("/cache/clear", params={"pattern": "*capital*"})
    assert by_pattern.json() == {"deleted": 1}, by_pattern.text  # the last single question, the third tenant's
    stats = (await live.client.get("/cache/stats")).json()
    assert (stats["entries"], stats["twins"]) == (2, 4), stats
    everything = await live.client.delete("/cache/clear", params={"all": "true"})
    assert everything.json() == {"deleted": 2}, everything.text
    stats = (await live.client.get("/cache/stats")).json()
    assert (stats["entries"], stats["twins"]) == (0, 0), stats
