"""The REST endpoints around the engine, hostile (hv58): what the fourth pass found, on a real server."""

from __future__ import annotations

import numpy as np
import pytest

from nearhit.embeddings.local import LocalEmbedder
from tests.support.live import LiveServer
from tests.support.waiting import eventually


@pytest.mark.parametrize("length", [65, 5_000, 60_000])
async def test_a_long_region_for_the_skus_is_a_422_without_repeating_it(shared_live: LiveServer, length: int) -> None:
    region = "x" * length
    response = await shared_live.client.get("/calculator/skus", params={"region": region})
    assert response.status_code == 422, response.text  # was a 400 "unknown region '<all of it>'"
    assert len(response.content) < 1_000  # a long one clipped as every 422 clips it
    assert "at most 64 characters" in response.text
    assert response.json()["detail"][0]["loc"] == ["query", "region"]


async def test_an_empty_region_for_the_skus_is_a_422(shared_live: LiveServer) -> None:
    response = await shared_live.client.get("/calculator/skus", params={"region": ""})
    assert response.status_code == 422, response.text
    assert response.json()["detail"][0]["loc"] == ["query", "region"]


async def test_a_known_region_for_the_skus_still_answers(shared_live: LiveServer) -> None:
    assert (await shared_live.client.get("/calculator/skus", params={"region": "eastus2"})).status_code == 200
    unknown = await shared_live.client.get("/calculator/skus", params={"region": "EASTUS2"})
    assert unknown.status_code == 400 and "eastus2" in unknown.json()["detail"]


@pytest.mark.parametrize("scale", [3.5e38, 1e300, 1.7976931348623157e308, 1e-46, 1e-300])
async def test_a_finite_vector_beyond_float32s_range_keeps_its_direction(
    live: LiveServer, local_embedder: LocalEmbedder, scale: float
) -> None:
    """A finite vector past float32's range was refused as 'vector contains NaN or infinite values' (3.5e38: its
    values became infinite in float32), or, under float32's smallest (1e-46), as 'all zeros': neither is what was
    sent. Its direction is kept, for an entry and for a search."""
    direction = local_embedder.encode(["llamas and alpacas"])[0]
    scaled = (direction.astype(np.float64) / abs(direction).max() * scale).tolist()
    added = await live.client.post(
        "/vector/add", json={"prompt": "camelids", "response": "Llamas.", "embedding": scaled}
    )
    assert added.status_code == 201, added.text
    for query in (direction.tolist(), scaled):
        found = await live.client.post("/vector/search", json={"embedding": query, "top_k": 1})
        assert found.status_code == 200, found.text
        [hit] = found.json()["results"]
        assert hit["response"] == "Llamas." and hit["similarity"] > 0.999
    searched = await live.client.post("/cache/search", json={"embedding": scaled, "top_k": 1})
    assert searched.status_code == 200 and searched.json()["results"][0]["response"] == "Llamas."


@pytest.mark.parametrize("values", [[0.0] * 384, [-0.0] * 384])
async def test_a_vector_of_zeros_is_still_refused_as_such(shared_live: LiveServer, values: list[float]) -> None:
    response = await shared_live.client.post("/vector/search", json={"embedding": values})
    assert response.status_code == 422 and "all zeros" in response.text, response.text


async def test_a_search_at_threshold_1_finds_the_very_vector_stored(live: LiveServer) -> None:
    """The index's cosine of a vector with itself is 1 give or take float32's rounding: 0.99999994 (refused by
    ``threshold: 1``, which the schema allows: the very vector stored was not found) or 1.0000001 (a similarity
    over 1 reported). Now found, at 1 at most."""
    rng = np.random.default_rng(58)
    vectors = [rng.normal(size=384).tolist() for _ in range(24)]
    for n, vector in enumerate(vectors):
        body = {"prompt": f"random {n}", "response": "r", "embedding": vector, "tenant": "thr"}
        assert (await live.client.post("/vector/add", json=body)).status_code == 201
    for n, vector in enumerate(vectors):
        for path in ("/vector/search", "/cache/search"):
            query = {"embedding": vector, "tenant": "thr", "threshold": 1, "top_k": 1}
            results = (await live.client.post(path, json=query)).json()["results"]
            assert [hit["prompt"] for hit in results] == [f"random {n}"], (path, n)
            assert -1.0 <= results[0]["similarity"] <= 1.0


TOWERS = ["Eiffel Tower", "Tower of London", "CN Tower", "Tokyo Tower"]


async def test_a_search_lists_top_k_entries_though_conversations_twins_are_nearer(live: LiveServer) -> None:
    """A conversation's entry has up to two twins (the conversation told as one question), which the search does
    not list: they took the KNN's ``top_k`` places and were then dropped, so ``top_k: 1`` found nothing (threshold
    0) while the entry was there, 0.49 similar. Now ``top_k`` entries, twins or not nearer."""
    for tower in TOWERS:
        history = [
            {"role": "user", "content": f"Tell me about the {tower}."},
            {"role": "assistant", "content": f"The {tower} is a famous tower."},
        ]
        body = {"prompt": "How tall is it?", "history": history, "include_raw": False, "tenant": "towers"}
        assert (await live.client.post("/ask", json=body)).status_code == 200

    async def stored() -> bool:
        return (await live.client.get("/cache/stats")).json()["twins"] == 2 * len(TOWERS)

    assert await eventually(stored, timeout=10)
    for top_k in (1, 2, 3, 4, 10):
        for path, query in (("/cache/search", {"text": "How tall is the CN Tower?"}), ("/vector/search", {})):
            if path == "/vector/search":
                vector = (await live.runtime.cache()).embedder.encode(["How tall is the CN Tower?"])[0]
                query = {"embedding": vector.tolist()}
            body = query | {"tenant": "towers", "top_k": top_k, "threshold": 0}
            results = (await live.client.post(path, json=body)).json()["results"]
            assert len(results) == min(top_k, len(TOWERS)), (path, top_k, results)
            assert all(hit["prompt"] == "How tall is it?" for hit in results)
            assert len({hit["doc_id"] for hit in results}) == len(results)


async def _conversations(live: LiveServer, tenant: str, towers: list[str]) -> None:
    for tower in towers:
        history = [
            {"role": "user", "content": f"Tell me about the {tower}."},
            {"role": "assistant", "content": f"The {tower} is a famous tower."},
        ]
        body = {"prompt": "How tall is it?", "history": history, "include_raw": False, "tenant": tenant}
        assert (await live.client.post("/ask", json=body)).status_code == 200


@pytest.mark.parametrize("selection", ["tenant", "all", "pattern"])
async def test_a_clear_counts_the_entries_it_deleted_not_their_twins(live: LiveServer, selection: str) -> None:
    """A clear by tenant or of everything counted a conversation's twins as entries ("deleted": 3 for one
    conversation's entry, which /cache/stats counts as 1 entry); a clear by pattern did not. Now all say 1."""
    await _conversations(live, "towers", TOWERS[:2])
    single = {"prompt": "How tall is the CN Tower?", "response": "553 m.", "tenant": "towers"}
    assert (await live.client.post("/cache/store", json=single)).status_code == 201

    async def stored() -> bool:
        stats = (await live.client.get("/cache/stats")).json()
        return bool(stats["entries"] == 3 and stats["twins"] == 4)

    assert await eventually(stored, timeout=10)
    params = {"tenant": {"tenant": "towers"}, "all": {"all": "true"}, "pattern": {"pattern": "how tall*"}}[selection]
    cleared = await live.client.delete("/cache/clear", params=params)
    assert cleared.status_code == 200 and cleared.json() == {"deleted": 3}, cleared.text
    stats = (await live.client.get("/cache/stats")).json()
    assert stats["entries"] == 0 and stats["twins"] == 0
