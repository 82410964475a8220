"""The REST endpoints around the engine, hostile (hv58): what the fourth pass found, on a real server."""

from __future__ import annotations

import pytest

from tests.support.live import LiveServer


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
