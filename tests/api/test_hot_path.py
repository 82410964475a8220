"""What a request crosses on the way to a hit: one middleware layer, async dependencies only (no thread hop),
no ``dataclasses.asdict``, and a hit's figures read from its entry rather than computed per request."""

from __future__ import annotations

import asyncio
import dataclasses
import inspect
import sys
from typing import Any

import pytest
from fastapi.dependencies.models import Dependant

from nearhit.api import ask, gateway
from nearhit.api.access import Rule, nearhit_routes, rule_of
from nearhit.api.app import create_app
from nearhit.cache import SemanticCache
from nearhit.cache.keys import Scope
from nearhit.config import Settings
from tests.support.live import LiveServer
from tests.support.sse import ask_stream
from tests.support.waiting import settled

HOT = ("/ask", "/ask/stream", "/v1/chat/completions", "/v1/models")


def test_one_middleware_layer(settings: Settings) -> None:
    app = create_app(settings.model_copy(update={"cors_origins": ""}))
    assert [m.cls.__name__ for m in app.user_middleware] == ["Edge"]  # nearhit.api.middleware.Edge


def _calls(dependant: Dependant) -> list[Any]:
    calls = [dependant.call] if dependant.call is not None else []
    for sub in dependant.dependencies:
        calls += _calls(sub)
    return calls


def test_the_hot_routes_depend_on_async_functions_only(settings: Settings) -> None:
    """FastAPI runs a plain ``def`` dependency in its thread pool: a thread hop per request."""
    app = create_app(settings)
    routes = [r for r in nearhit_routes(app) if r.path in HOT]
    assert {r.path for r in routes} == set(HOT)
    for route in routes:
        for call in _calls(route.dependant):
            target = call if inspect.isfunction(call) or inspect.ismethod(call) else type(call).__call__
            assert inspect.iscoroutinefunction(target), f"{route.path}: {call} runs in the thread pool"


async def test_a_hit_makes_no_asdict(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    prompt = {"prompt": "What does asdict cost on a hit?", "include_raw": False}
    await ask_stream(live.client, prompt)
    await settled(live.runtime)
    original = dataclasses.asdict

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("dataclasses.asdict on the request path")

    for module in [dataclasses, *(m for name, m in sys.modules.items() if name.startswith("nearhit"))]:
        if getattr(module, "asdict", None) is original:
            monkeypatch.setattr(module, "asdict", refused)
    stream = await ask_stream(live.client, prompt)
    document = next(data for kind, data in stream if kind == "cache_document")
    assert document["match"] == "exact"
    done = next(data for kind, data in stream if kind == "column_complete")
    assert done["status"] == "done" and done["tokens_saved"] > 0
    answer = await live.client.post(
        "/v1/chat/completions", json={"model": "gpt-4o", "messages": [{"role": "user", "content": "Hi there?"}]}
    )
    assert answer.status_code == 200


async def test_a_hit_reads_its_price_from_the_entry(live: LiveServer) -> None:
    """The price of the call an entry saved is stored with it: a hit reports that, not a price looked up again."""
    question = {"model": "gpt-4o", "messages": [{"role": "user", "content": "What is a price table?"}]}
    miss = await live.client.post("/v1/chat/completions", json=question)
    assert miss.headers["x-nearhit-cache"] == "miss"
    await settled(live.runtime)
    cache = await live.runtime.cache()
    redis = cache.redis
    keys = [key async for key in redis.scan_iter(match=f"{cache.keys.entry_prefix}*", count=1000)]
    assert len(keys) == 1
    stored = float(await redis.hget(keys[0], "cost_usd"))
    assert stored > 0
    hit = await live.client.post("/v1/chat/completions", json=question)
    assert hit.headers["x-nearhit-cache"] == "hit-exact"
    assert float(hit.headers["x-nearhit-cost-saved"]) == pytest.approx(stored, abs=1e-6)
    await redis.hset(keys[0], "cost_usd", "0.5")  # what the entry says is what the hit says
    again = await live.client.post("/v1/chat/completions", json=question)
    assert again.headers["x-nearhit-cost-saved"] == "0.500000"


async def test_served_records_are_written_in_batches(cache: SemanticCache) -> None:
    """Which entry a request was served (for feedback) is queued, not a round trip per hit; feedback finds it
    before and after the batch is written."""
    scope = Scope.build(tenant="default")
    await cache.store("What is a served record?", "The entry a request got.", scope)
    result = await cache.lookup("What is a served record?", scope)
    assert result.hit
    before = len(asyncio.all_tasks())
    for i in range(20):
        cache.remember_served(f"req-{i}", result, "default", "What is a served record?")
    assert len(asyncio.all_tasks()) - before <= 1  # the one waiting batch write
    assert (await cache.feedback.served("req-7")) is not None
    await cache.background.drain()
    assert await cache.redis.exists(*(cache.keys.served(f"req-{i}") for i in range(20))) == 20
    served = await cache.feedback.served("req-7")
    assert served is not None and served.doc_id == result.answer.doc_id  # type: ignore[union-attr]


def test_the_hit_routes_have_no_dependency_to_solve(settings: Settings) -> None:
    """A hit's route reads its caller (``caller_of``) and its body itself: FastAPI solves nothing per request,
    while the route keeps its access rule and the security requirement /docs shows for every caller route
    (``POST /ask``'s OpenAPI entry is still its body model's)."""
    app = create_app(settings)
    routes = {(r.path, m): r for r in nearhit_routes(app) for m in r.methods or ()}
    paths = app.openapi()["paths"]
    for path in ("/v1/chat/completions", "/ask"):
        route = routes[path, "POST"]
        assert route.dependant.dependencies == [] and route.dependant.body_params == [], path
        assert rule_of(route) is Rule.CALLER
        assert paths[path]["post"]["security"] == paths["/v1/models"]["get"]["security"]
    ask_body = paths["/ask"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert ask_body == {"$ref": "#/components/schemas/AskBody"}
    assert list(paths["/ask"]["post"]["responses"])[-1] == "422"


def test_the_hot_routes_are_tried_first(settings: Settings) -> None:
    """FastAPI tries an app's routes in order, each included router it passes costing a match of all its routes:
    the gateway's and ``/ask``'s come first (their paths overlap no other route's: the gateway's own 404 and 405
    are in ``tests/gateway/test_dropin.py``)."""
    app = create_app(settings)
    first = [getattr(route, "original_router", None) for route in app.router.routes[:2]]
    assert first == [gateway.router, ask.router]


async def test_ask_sends_its_document_unvalidated(live: LiveServer, monkeypatch: pytest.MonkeyPatch) -> None:
    """``POST /ask`` encodes its own document: FastAPI's response validation is not run on a hit."""
    import fastapi.routing

    def refused(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("FastAPI validated /ask's document")

    question = {"prompt": "What does a response model cost on a hit?", "include_raw": False}
    assert (await live.client.post("/ask", json=question)).status_code == 200
    await settled(live.runtime)
    monkeypatch.setattr(fastapi.routing, "serialize_response", refused)
    hit = await live.client.post("/ask", json=question)
    assert hit.status_code == 200 and hit.headers["content-type"] == "application/json"
    document = hit.json()
    assert document["cache"]["cache_document"]["match"] == "exact" and document["cache"]["answer"]
    assert set(document) == {"model", "simulated", "cache"}
