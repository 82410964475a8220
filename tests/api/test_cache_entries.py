"""``DELETE /cache/entries/{doc_id}``: one entry by its id; 404 naming an unknown id; never a foreign key."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope
from nearhit.cache.index import drop_index
from nearhit.errors import InvalidInput
from tests.support.live import LiveServer


async def test_delete_one_entry_by_id(live: LiveServer) -> None:
    client = live.client
    stored = await client.post("/cache/store", json={"prompt": "What is Redis?", "response": "A data store."})
    assert stored.status_code == 201, stored.text
    doc_id = stored.json()["doc_id"]
    assert (await client.post("/ask", json={"prompt": "What is Redis?", "include_raw": False})).status_code == 200
    deleted = await client.delete(f"/cache/entries/{doc_id}")
    assert deleted.status_code == 200 and deleted.json() == {"deleted": True, "doc_id": doc_id}
    again = await client.delete(f"/cache/entries/{doc_id}")
    assert again.status_code == 404 and doc_id in again.json()["detail"]
    cache = await live.runtime.cache()
    assert not (await cache.lookup("What is Redis?", Scope.build(model=live.runtime.provider.model))).hit


async def test_an_id_outside_the_entry_prefix_is_refused_and_kept(live: LiveServer) -> None:
    cache = await live.runtime.cache()
    await cache.redis.set("someone:else", "keep me")
    try:
        for foreign in ("someone:else", cache.keys.stats_key, cache.keys.entry_prefix + "zz"):
            response = await live.client.delete(f"/cache/entries/{foreign}")
            assert response.status_code == 422 and "not an entry id" in response.text, response.text
            assert response.json()["detail"][0]["loc"] == ["path", "doc_id"]  # was ["body"]: there is none
        assert await cache.redis.get("someone:else") == b"keep me"
    finally:
        await cache.redis.delete("someone:else")


async def test_an_id_of_any_length_is_refused_by_its_length_not_echoed_back(live: LiveServer) -> None:
    """A 30,000-character id (the head allows 64 KiB) was answered with the id whole in the 422, named as the body;
    the library's ``delete`` repeated it whole too."""
    long_id = "x" * 30_000
    response = await live.client.delete(f"/cache/entries/{long_id}")
    assert response.status_code == 422
    assert len(response.text) < 2_000, len(response.text)
    assert response.json()["detail"][0]["loc"] == ["path", "doc_id"]
    cache = await live.runtime.cache()
    with pytest.raises(InvalidInput, match="doc id must be 1 to 300 characters, not 30,000") as refused:
        await cache.delete(long_id)
    assert long_id not in str(refused.value)


async def test_stats_and_a_tenant_s_clear_answer_after_the_index_was_dropped(live: LiveServer) -> None:
    """The index and its entries gone under the server (``FT.DROPINDEX DD``, as another client's ``FLUSHDB``):
    a clear of a tenant answered 503 "cache unavailable: ...: no such index". Both answer, and the cache works on."""
    client = live.client
    stored = await client.post("/cache/store", json={"prompt": "What is Redis?", "response": "A data store."})
    assert stored.status_code == 201, stored.text
    cache = await live.runtime.cache()
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    cleared = await client.delete("/cache/clear", params={"tenant": "default"})
    assert cleared.status_code == 200 and cleared.json() == {"deleted": 0}, cleared.text
    stats = await client.get("/cache/stats")
    assert stats.status_code == 200 and stats.json()["entries"] == 0, stats.text
    await client.post("/cache/store", json={"prompt": "What is Redis?", "response": "A data store."})
    assert (await client.get("/cache/stats")).json()["entries"] == 1
