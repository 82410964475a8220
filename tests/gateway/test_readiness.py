"""``/readiness`` checks every provider the model table routes to, not only the configured one: a request for a
model on a provider that cannot be reached would fail, so the service is not ready while one is down."""

from __future__ import annotations

import json

import httpx

from tests.gateway.conftest import Gateway, ServeGateway
from tests.support.fake_upstream import FakeUpstream
from tests.support.ports import free_port

TABLE = {"sim": {"upstream": "gpt-4o"}, "real": {"upstream": "gpt-4o", "provider": "openai"}}


async def _readiness(gateway: Gateway) -> httpx.Response:
    async with httpx.AsyncClient(base_url=gateway.base_url.removesuffix("/v1")) as http:
        return await http.get("/readiness")


async def test_readiness_reports_each_routed_provider(serve: ServeGateway, upstream: FakeUpstream) -> None:
    async with serve(
        models=json.dumps(TABLE), llm="simulated", openai_base_url=upstream.base_url, openai_api_key="sk-test"
    ) as gateway:
        runtime = gateway.runtime
        response = await _readiness(gateway)
        body = response.json()
        assert response.status_code == 200, body
        assert body["llm"] == {"ok": True, "model": runtime.provider.model, "simulated": True}
        assert body["llm:openai"] == {"ok": True, "model": runtime.providers["openai"].model, "simulated": False}


async def test_an_unreachable_routed_provider_makes_the_service_not_ready(serve: ServeGateway) -> None:
    nowhere = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    async with serve(
        models=json.dumps(TABLE), llm="simulated", openai_base_url=nowhere, openai_api_key="sk-test"
    ) as gateway:
        response = await _readiness(gateway)
        body = response.json()
        assert response.status_code == 503 and body["ready"] is False, body
        assert body["llm"]["ok"] is True  # the configured (simulated) provider is fine
        assert body["llm:openai"]["ok"] is False and body["llm:openai"]["error"], body
