"""Feedback on a served answer through the API and the gateway, on a real server and the real embedded Redis."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.waiting import eventually

CACHED = "Why was my card declined at checkout?"
LOOK_ALIKE = "What causes my card to be declined when I check out?"  # a dev-split paraphrase, served
ALPHA_KEY, BETA_KEY = "key-alpha-0123456789", "key-beta-0123456789"


async def store(live: LiveServer, tenant: str = "default", headers: dict[str, str] | None = None) -> str:
    response = await live.client.post(
        "/cache/store",
        json={"prompt": CACHED, "response": "Settings > Account > Email.", "tenant": tenant},
        headers=headers or {},
    )
    assert response.status_code == 201, response.text
    return str(response.json()["doc_id"])


async def ask(
    live: LiveServer, prompt: str, headers: dict[str, str] | None = None, *, store: bool = True
) -> httpx.Response:
    body = {"prompt": prompt, "include_raw": False, "no_store": not store}
    response = await live.client.post("/ask", json=body, headers=headers or {})
    assert response.status_code == 200, response.text
    return response


def document(response: httpx.Response) -> dict[str, Any]:
    return dict(response.json()["cache"]["cache_document"])


async def test_wrong_feedback_on_a_request_stops_that_entry_being_served_again(live: LiveServer) -> None:
    doc_id = await store(live)
    served = await ask(live, LOOK_ALIKE)
    assert document(served)["match"] == "semantic", document(served)
    assert document(served)["doc_id"] == doc_id
    request_id = served.headers["x-request-id"]

    async def remembered() -> bool:
        return await live.runtime._cache.feedback.served(request_id) is not None  # type: ignore[union-attr]

    assert await eventually(remembered, timeout=10)
    response = await live.client.post(
        "/cache/feedback", json={"request_id": request_id, "verdict": "wrong", "note": "asks about the phone"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["recorded"] and body["doc_id"] == doc_id and body["action"] == "negative stored"
    assert 0.76 <= body["similarity"] < 1

    again = document(await ask(live, LOOK_ALIKE, store=False))
    assert again["match"] is None and again["rejected_by"] == "feedback"
    assert [c["outcome"] for c in again["candidates"] if c["doc_id"] == doc_id] == ["rejected_by_feedback"]
    assert document(await ask(live, CACHED))["match"] == "exact"  # the entry still serves its own question

    summary = (await live.client.get("/telemetry/summary")).json()["feedback"]
    assert summary["feedback_wrong"] == 1 and summary["labels_feedback"] == 1
    await live.runtime._cache._flush_counts()  # type: ignore[union-attr]
    summary = (await live.client.get("/telemetry/summary")).json()["feedback"]
    assert summary["feedback_rejections"] >= 1


async def test_feedback_on_an_entry_alone_and_with_its_question(live: LiveServer) -> None:
    doc_id = await store(live)
    right = await live.client.post("/cache/feedback", json={"doc_id": doc_id, "prompt": LOOK_ALIKE, "verdict": "right"})
    assert right.status_code == 200 and right.json()["action"] == "positive stored"
    retired = await live.client.post("/cache/feedback", json={"doc_id": doc_id, "verdict": "wrong"})
    assert retired.status_code == 200 and retired.json()["action"] == "entry retired"
    assert document(await ask(live, CACHED, store=False))["match"] is None
    gone = await live.client.post("/cache/feedback", json={"doc_id": doc_id, "verdict": "wrong"})
    assert gone.status_code == 404 and doc_id in gone.json()["detail"]


@pytest.mark.parametrize(
    ("body", "status", "says"),
    [
        ({"request_id": "no-such-request", "verdict": "wrong"}, 404, "no-such-request"),
        ({"doc_id": "nearhit:x:entry:" + "0" * 64, "verdict": "wrong"}, 404, "nearhit:x:entry:"),
        ({"doc_id": "not-a-key", "verdict": "right"}, 404, "not-a-key"),
        ({"request_id": "r1", "verdict": "meh"}, 422, "verdict"),
        ({"request_id": "r1", "doc_id": "d", "verdict": "wrong"}, 422, "exactly one of"),
        ({"verdict": "wrong"}, 422, "exactly one of"),
        ({"request_id": "r1", "prompt": "p", "verdict": "wrong"}, 422, "'prompt' goes with 'doc_id'"),
        ({"request_id": "r1", "verdict": "wrong", "extra": 1}, 422, "extra"),
    ],
)
async def test_bad_feedback(shared_live: LiveServer, body: dict[str, Any], status: int, says: str) -> None:
    response = await shared_live.client.post("/cache/feedback", json=body)
    assert response.status_code == status, response.text
    assert says in response.text
    gateway = await shared_live.client.post("/v1/nearhit/feedback", json=body)
    assert gateway.status_code == status, gateway.text
    assert says in gateway.json()["error"]["message"]


async def test_the_gateway_route_takes_feedback_on_a_gateway_hit(live: LiveServer) -> None:
    doc_id = await store(live, tenant="default")
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": LOOK_ALIKE}]}
    response = await live.client.post("/v1/chat/completions", json=chat)
    assert response.status_code == 200 and response.headers["x-nearhit-cache"] == "hit-semantic"
    request_id = response.headers["x-request-id"]

    async def accepted() -> httpx.Response | None:
        answer = await live.client.post("/v1/nearhit/feedback", json={"request_id": request_id, "verdict": "wrong"})
        return answer if answer.status_code == 200 else None

    answer = await eventually(accepted, timeout=10)
    assert answer is not None and answer.json()["doc_id"] == doc_id
    again = await live.client.post("/v1/chat/completions", json=chat, headers={"Cache-Control": "no-store"})
    assert again.headers["x-nearhit-cache"] == "miss" and again.headers["x-nearhit-rejected-by"] == "feedback"


@pytest.fixture
async def secured(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    own = settings.model_copy(update={"gateway_keys": f"{ALPHA_KEY}=alpha,{BETA_KEY}=beta"})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            yield live
    finally:
        cache = await runtime.cache()
        await cache.clear()
        await runtime.close()


async def test_another_tenants_request_or_entry_is_a_404_like_an_unknown_one(secured: LiveServer) -> None:
    alpha, beta = {"Authorization": f"Bearer {ALPHA_KEY}"}, {"Authorization": f"Bearer {BETA_KEY}"}
    cache = await secured.runtime.cache()
    from nearhit.cache import Scope

    doc_id = await cache.store(CACHED, "Settings.", Scope.build(model=secured.runtime.provider.model, tenant="alpha"))
    served = await ask(secured, LOOK_ALIKE, alpha)
    assert document(served)["doc_id"] == doc_id
    request_id = served.headers["x-request-id"]

    async def remembered() -> bool:
        return await cache.feedback.served(request_id) is not None

    assert await eventually(remembered, timeout=10)
    for body in ({"request_id": request_id, "verdict": "wrong"}, {"doc_id": doc_id, "verdict": "wrong"}):
        theirs = await secured.client.post("/cache/feedback", json=body, headers=beta)
        assert theirs.status_code == 404, theirs.text
        unknown = dict(body) | ({"request_id": "zzz"} if "request_id" in body else {"doc_id": doc_id[:-1] + "x"})
        nobody = await secured.client.post("/cache/feedback", json=unknown, headers=beta)
        assert nobody.status_code == 404
        their_id, unknown_id = body.get("request_id", doc_id), unknown.get("request_id", unknown.get("doc_id"))
        assert theirs.json()["detail"].replace(their_id, "ID") == nobody.json()["detail"].replace(unknown_id, "ID")
    mine = await secured.client.post(
        "/cache/feedback", json={"request_id": request_id, "verdict": "wrong"}, headers=alpha
    )
    assert mine.status_code == 200


async def test_streamed_hits_can_be_named_by_their_request_id(live: LiveServer) -> None:
    doc_id = await store(live)
    chat = {"model": "gpt-4o", "stream": True, "messages": [{"role": "user", "content": LOOK_ALIKE}]}
    async with live.client.stream("POST", "/v1/chat/completions", json=chat) as response:
        assert response.headers["x-nearhit-cache"] == "hit-semantic"
        request_id = response.headers["x-request-id"]
        await response.aread()
    race = {"prompt": LOOK_ALIKE, "include_raw": False}
    async with live.client.stream("POST", "/ask/stream", json=race) as response:
        ui_request_id = response.headers["x-request-id"]
        assert '"match": "semantic"' in (await response.aread()).decode()

    for named in (request_id, ui_request_id):

        async def accepted(named: str = named) -> httpx.Response | None:
            answer = await live.client.post("/cache/feedback", json={"request_id": named, "verdict": "right"})
            return answer if answer.status_code == 200 else None

        answer = await eventually(accepted, timeout=10)
        assert answer is not None and answer.json()["doc_id"] == doc_id
        assert answer.json()["action"] == "positive stored"
