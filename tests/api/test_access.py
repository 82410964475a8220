"""One access model for every endpoint: the matrix (every route x every kind of caller) on a real server.

The route list comes from the app itself, so a new endpoint without an access rule or without a sample request
here fails this file.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from nearhit.api.access import PUBLIC, AdminDep, Rule, check_routes, nearhit_routes, rule_of
from nearhit.api.app import create_app
from nearhit.cache import KeySpace, Scope, normalise
from nearhit.config import Settings, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import ConfigError
from nearhit.service.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve
from tests.support.waiting import settled

ALPHA_KEY = "key-alpha-0123456789"
BETA_KEY = "key-beta-0123456789"
ADMIN_TOKEN = "admin-token-0123456789abcdef"
QUESTION = "What is the capital of France?"
VECTOR = [0.1] * 384

CALLERS: dict[str, dict[str, str]] = {
    "none": {},
    "other": {"Authorization": f"Bearer {BETA_KEY}"},  # the other tenant's key
    "own": {"Authorization": f"bearer {ALPHA_KEY}"},  # the scheme is case-insensitive
    "admin": {"Authorization": f"Bearer {ADMIN_TOKEN}"},
}
TENANT_OF = {"other": "beta", "own": "alpha"}
ENTRIES: dict[str, str] = {}  # tenant -> the id of its entry, set by the live_secured fixture
FEEDBACK = {"/cache/feedback", "/v1/nearhit/feedback"}  # another tenant's entry is a 404, as if unknown


@dataclass
class Sample:
    """One request to a route; ``tenant_field`` names where an explicit tenant goes (json or params)."""

    method: str
    path: str
    json: dict[str, Any] | None = None
    params: dict[str, Any] = field(default_factory=dict)
    tenant_field: str | None = None

    def bound(self, runtime: Runtime) -> Sample:
        """``{entry}`` in the path becomes the id of the entry the ``/cache/store`` sample stores."""
        entry = KeySpace(runtime.settings.index_name).entry(
            Scope.build(model=runtime.provider.model, tenant="gamma"), normalise("p")
        )
        return dataclasses.replace(self, path=self.path.replace("{entry}", entry))

    async def send(
        self, client: httpx.AsyncClient, headers: dict[str, str], tenant: str | None = None
    ) -> httpx.Response:
        json, params = (dict(self.json) if self.json is not None else None), dict(self.params)
        if json is not None and json.get("doc_id") == "ALPHA_DOC":
            json["doc_id"] = ENTRIES["alpha"]
        if tenant is not None:
            assert self.tenant_field in ("json", "params")
            (json if self.tenant_field == "json" else params)["tenant"] = tenant  # type: ignore[index]
        return await client.request(self.method, self.path, json=json, params=params, headers=headers)


SAMPLES: dict[tuple[str, str], Sample] = {
    ("POST", "/ask"): Sample("POST", "/ask", {"prompt": QUESTION, "include_raw": False}, tenant_field="json"),
    ("POST", "/ask/stream"): Sample(
        "POST", "/ask/stream", {"prompt": QUESTION, "include_raw": False}, tenant_field="json"
    ),
    ("GET", "/cache/stats"): Sample("GET", "/cache/stats"),
    # feedback on alpha's entry (ALPHA_DOC is replaced by its id): alpha and admin may, beta gets a 404
    ("POST", "/cache/feedback"): Sample("POST", "/cache/feedback", {"doc_id": "ALPHA_DOC", "verdict": "right"}),
    ("POST", "/v1/nearhit/feedback"): Sample(
        "POST", "/v1/nearhit/feedback", {"doc_id": "ALPHA_DOC", "verdict": "right"}
    ),
    ("POST", "/cache/search"): Sample("POST", "/cache/search", {"text": QUESTION, "top_k": 10}, tenant_field="json"),
    ("POST", "/vector/search"): Sample(
        "POST", "/vector/search", {"embedding": VECTOR, "top_k": 10}, tenant_field="json"
    ),
    ("GET", "/telemetry/summary"): Sample("GET", "/telemetry/summary"),
    ("GET", "/telemetry/events"): Sample("GET", "/telemetry/events", params={"count": 100}),
    ("GET", "/telemetry/stream-info"): Sample("GET", "/telemetry/stream-info"),
    ("POST", "/v1/chat/completions"): Sample(
        "POST", "/v1/chat/completions", {"model": "gpt-4o", "messages": [{"role": "user", "content": QUESTION}]}
    ),
    ("POST", "/v1/embeddings"): Sample("POST", "/v1/embeddings", {"model": "local", "input": "hello"}),
    ("GET", "/v1/models"): Sample("GET", "/v1/models"),
    ("GET", "/v1/models/{model}"): Sample("GET", "/v1/models/simulated-gpt-4o"),  # fast_llm()'s model
    ("GET", "/health"): Sample("GET", "/health"),
    ("GET", "/readiness"): Sample("GET", "/readiness"),
    ("GET", "/metrics"): Sample("GET", "/metrics"),
    ("GET", "/metrics/prometheus"): Sample("GET", "/metrics/prometheus"),
    ("GET", "/llm/test"): Sample("GET", "/llm/test"),
    ("POST", "/calculator/estimate"): Sample(
        "POST",
        "/calculator/estimate",
        {"requests_per_day": 1000, "input_tokens": 100, "output_tokens": 100, "hit_rate": 0.3},
    ),
    ("GET", "/calculator/skus"): Sample("GET", "/calculator/skus"),
    ("GET", "/calculator/models"): Sample("GET", "/calculator/models"),
    ("GET", "/calculator/inputs"): Sample("GET", "/calculator/inputs"),
    ("GET", "/calculator/observed"): Sample("GET", "/calculator/observed"),
    ("GET", "/"): Sample("GET", "/"),
    ("GET", "/calculator"): Sample("GET", "/calculator"),
    ("GET", "/ui/config"): Sample("GET", "/ui/config"),
    # admin routes: harmless arguments (another tenant, nothing to delete but telemetry, run last)
    ("POST", "/cache/store"): Sample("POST", "/cache/store", {"prompt": "p", "response": "r", "tenant": "gamma"}),
    ("DELETE", "/cache/entries/{doc_id}"): Sample("DELETE", "/cache/entries/{entry}"),  # after /cache/store
    ("POST", "/vector/add"): Sample("POST", "/vector/add", {"prompt": "p2", "response": "r2", "tenant": "gamma"}),
    ("DELETE", "/cache/clear"): Sample("DELETE", "/cache/clear", params={"tenant": "nobody"}),
    ("DELETE", "/telemetry/clear"): Sample("DELETE", "/telemetry/clear"),
}

_MARKS = re.compile(r'(?:answer|prompt)-of-(alpha|beta)|"tenant":\s*"(alpha|beta)"')


def seen(response: httpx.Response) -> set[str]:
    """The tenants whose content (an answer, a tenant name) the response shows."""
    return {a or b for a, b in _MARKS.findall(response.text)}


def secured(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"gateway_keys": f"{ALPHA_KEY}=alpha,{BETA_KEY}=beta", "admin_token": ADMIN_TOKEN, "guards": False}
    )


@pytest.fixture
async def live_secured(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[LiveServer]:
    """A secured server with one entry per tenant (the same prompt) and telemetry of both tenants."""
    own = secured(settings)
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            cache = await runtime.cache()
            for tenant in ("alpha", "beta"):
                scope = Scope.build(model=runtime.provider.model, tenant=tenant)
                ENTRIES[tenant] = await cache.store(QUESTION, f"Paris, answer-of-{tenant}.", scope)
            for caller in ("own", "other"):
                response = await live.client.post("/ask", json={"prompt": QUESTION}, headers=CALLERS[caller])
                assert response.status_code == 200, response.text
            await runtime.telemetry.flush()
            yield live
    finally:
        cache = await runtime.cache()
        await cache.clear()
        await runtime.telemetry.clear()
        await runtime.close()


def _assert_denied(response: httpx.Response, status: int) -> None:
    assert response.status_code == status, (response.request.url, response.text)
    body = response.json()
    message = body["error"]["message"] if response.request.url.path.startswith("/v1/") else body["detail"]
    assert message and isinstance(message, str)
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def test_every_route_has_a_rule_and_a_sample(settings: Settings) -> None:
    app = create_app(settings)
    routes = {(method, route.path): rule_of(route) for route in nearhit_routes(app) for method in route.methods}
    assert all(rule is not None for rule in routes.values())
    missing = set(routes) - set(SAMPLES)
    assert not missing, f"add a sample request to SAMPLES for {sorted(missing)}"


# The routes that may call the provider (or a paid embedder) and so spend its money: never public.
SPENDING = {
    ("POST", "/ask"),
    ("POST", "/ask/stream"),
    ("POST", "/v1/chat/completions"),
    ("POST", "/v1/embeddings"),
    ("GET", "/llm/test"),
}


def test_no_route_that_spends_provider_money_is_public(settings: Settings) -> None:
    app = create_app(settings)
    rules = {(method, route.path): rule_of(route) for route in nearhit_routes(app) for method in route.methods}
    assert set(rules) >= SPENDING
    assert {route: rules[route] for route in SPENDING if rules[route] is Rule.PUBLIC} == {}
    assert rules[("GET", "/llm/test")] is Rule.ADMIN  # an operator's check of the provider, not a tenant's call


def test_a_route_without_exactly_one_rule_stops_the_app(settings: Settings) -> None:
    app = create_app(settings)
    app.add_api_route("/new", lambda: {}, methods=["GET"])
    with pytest.raises(RuntimeError, match="GET /new must declare exactly one access rule"):
        check_routes(app)
    app = create_app(settings)
    app.add_api_route("/both", lambda: {}, methods=["GET"], dependencies=[PUBLIC, AdminDep])
    with pytest.raises(RuntimeError, match="GET /both must declare exactly one access rule"):
        check_routes(app)


async def test_the_access_matrix(live_secured: LiveServer) -> None:
    """Every route x (no key, the other tenant's key, the own key, admin): each sees only what it may."""
    app = create_app(live_secured.runtime.settings)
    routes = sorted(
        ((method, route.path, rule_of(route)) for route in nearhit_routes(app) for method in route.methods),
        key=lambda item: item[2] is Rule.ADMIN and item[0] != "GET",  # the admin routes that write and delete: last
    )
    client = live_secured.client
    for method, path, rule in routes:
        await live_secured.runtime.telemetry.flush()  # what earlier samples recorded shows in the summaries
        sample = SAMPLES[(method, path)].bound(live_secured.runtime)
        for name, headers in CALLERS.items():
            response = await sample.send(client, headers)
            where = f"{method} {path} as {name}"
            if rule is Rule.PUBLIC:
                assert response.status_code < 400, (where, response.text)
                assert seen(response) == set(), where
            elif rule is Rule.ADMIN:
                if name == "admin":
                    assert response.status_code < 300, (where, response.text)
                else:
                    _assert_denied(response, 401 if name == "none" else 403)
            elif name == "none":
                _assert_denied(response, 401)
            elif name == "other" and path in FEEDBACK:
                assert response.status_code == 404, (where, response.text)
                assert ENTRIES["alpha"] in response.text and seen(response) == set(), where
            else:
                assert response.status_code == 200, (where, response.text)
                if name == "admin":
                    if path in ("/cache/search", "/telemetry/events"):
                        assert seen(response) == {"alpha", "beta"}, where
                else:
                    assert seen(response) <= {TENANT_OF[name]}, where
                    if path in ("/ask", "/ask/stream", "/cache/search", "/telemetry/events"):
                        assert seen(response) == {TENANT_OF[name]}, where
            if sample.tenant_field is not None:  # an explicit tenant: the own one, another one
                asks_alpha = await sample.send(client, headers, tenant="alpha")
                if name == "other":
                    _assert_denied(asks_alpha, 403)
                    assert "'beta'" in asks_alpha.json()["detail"] and "'alpha'" in asks_alpha.json()["detail"]
                elif name == "none":
                    _assert_denied(asks_alpha, 401)
                else:
                    assert asks_alpha.status_code == 200, (where, asks_alpha.text)
                    assert seen(asks_alpha) <= {"alpha"}, where


async def test_no_lookup_shows_another_tenants_near_entries(live_secured: LiveServer) -> None:
    """The matrix asks each tenant's own question (an exact hit: no candidates); here a paraphrase runs the
    semantic lookup, beside another tenant's entry worded nearer to it: neither the candidates (a prompt each,
    which the matrix's marks would not tell apart) nor the answer, on any path, are the other tenant's."""
    runtime, client = live_secured.runtime, live_secured.client
    beta = Scope.build(model=runtime.provider.model, tenant="beta")
    paraphrase = "Which city is the capital of France?"
    await (await runtime.cache()).store(f"{paraphrase} prompt-of-beta", "Paris, answer-of-beta.", beta)
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": paraphrase}]}
    for caller, tenant in (("own", {}), ("admin", {"tenant": "alpha"})):
        where = f"as {caller}"
        for path in ("/ask", "/ask/stream"):
            body = {"prompt": paraphrase, "include_raw": False} | tenant
            response = await client.post(path, json=body, headers=CALLERS[caller])
            assert response.status_code == 200 and '"candidates": [{' in response.text.replace('":[', '": ['), where
            assert seen(response) == {"alpha"}, (path, where, response.text)
        searched = await client.post(
            "/cache/search", json={"text": paraphrase, "top_k": 100} | tenant, headers=CALLERS[caller]
        )
        assert searched.status_code == 200 and seen(searched) == {"alpha"}, where
    for streamed in (False, True):  # the gateway: a key's own tenant only
        response = await client.post("/v1/chat/completions", json=chat | {"stream": streamed}, headers=CALLERS["own"])
        assert response.status_code == 200 and seen(response) == {"alpha"}, (streamed, response.text)


_PROBE_AGE = re.compile(r'"checked_s_ago":\s*[0-9.e-]+')  # how old the health status is: moves by itself


async def test_no_public_route_shows_that_another_tenant_is_active(live_secured: LiveServer) -> None:
    """With tenants configured, what anyone but the admin reads on a public route does not move while a tenant
    works (a miss stored, then a hit): no entry count, hit or store counter, telemetry total or newest event."""
    runtime, client = live_secured.runtime, live_secured.client
    public = sorted(
        (method, route.path)
        for route in nearhit_routes(create_app(runtime.settings))
        for method in route.methods
        if rule_of(route) is Rule.PUBLIC
    )
    assert ("GET", "/health") in public

    async def snapshot() -> dict[tuple[str, str, str], str]:
        await runtime.telemetry.flush()
        await runtime.check_health()  # what the background check would see a second later
        return {
            (method, path, name): _PROBE_AGE.sub("", (await SAMPLES[(method, path)].send(client, CALLERS[name])).text)
            for method, path in public
            for name in ("none", "own")
        }

    before = await snapshot()
    for _ in range(2):  # a miss, stored; then a hit
        question = {"prompt": "How many moons does Jupiter have?", "include_raw": False}
        assert (await client.post("/ask", json=question, headers=CALLERS["other"])).status_code == 200
        await settled(runtime)
    after = await snapshot()
    assert [key for key in before if before[key] != after[key]] == []


async def test_a_tenants_own_events_do_not_move_with_another_tenants_work(live_secured: LiveServer) -> None:
    """A key reads its tenant's newest events, not its share of everyone's newest: the list it reads does not
    shrink while another tenant works (it showed when the others were active, which the aggregates hide)."""
    runtime, client = live_secured.runtime, live_secured.client

    async def own_events() -> list[dict[str, Any]]:
        await runtime.telemetry.flush()
        response = await client.get("/telemetry/events", params={"count": 2}, headers=CALLERS["own"])
        assert response.status_code == 200, response.text
        events: list[dict[str, Any]] = response.json()["events"]
        return events

    before = await own_events()
    assert len(before) == 2 and {event["tenant"] for event in before} == {"alpha"}
    for _ in range(3):
        question = {"prompt": "How many moons does Jupiter have?", "include_raw": False}
        assert (await client.post("/ask", json=question, headers=CALLERS["other"])).status_code == 200
    assert await own_events() == before
    everyone = await client.get("/telemetry/events", params={"count": 3}, headers=CALLERS["admin"])
    assert {event["tenant"] for event in everyone.json()["events"]} == {"beta"}  # the admin reads every tenant's


async def test_unknown_credentials_and_schemes_are_401(live_secured: LiveServer) -> None:
    client = live_secured.client
    for headers in ({"Authorization": "Bearer nope"}, {"Authorization": f"Basic {ALPHA_KEY}"}, {"X-Admin-Token": "x"}):
        response = await client.post("/ask", json={"prompt": QUESTION}, headers=headers)
        _assert_denied(response, 401)
    gateway = await client.get("/v1/models", headers={"Authorization": "Bearer nope"})
    _assert_denied(gateway, 401)
    assert gateway.json()["error"]["code"] == "invalid_api_key"
    admin_header = await client.get("/telemetry/events", headers={"X-Admin-Token": ADMIN_TOKEN})
    assert admin_header.status_code == 200 and seen(admin_header) == {"alpha", "beta"}


async def test_keys_without_an_admin_token_turn_admin_endpoints_off(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    own = settings.model_copy(update={"gateway_keys": f"{ALPHA_KEY}=alpha"})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            response = await live.client.delete("/cache/clear", params={"all": True}, headers=CALLERS["own"])
            _assert_denied(response, 403)
            assert "NEARHIT_ADMIN_TOKEN is not" in response.json()["detail"]
    finally:
        await runtime.close()


async def test_an_admin_token_alone_keeps_one_shared_tenant(settings: Settings, local_embedder: LocalEmbedder) -> None:
    """Without a key table the callers are the shared tenant; another tenant needs the admin token."""
    own = settings.model_copy(update={"admin_token": ADMIN_TOKEN})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            assert (await live.client.post("/ask", json={"prompt": "hi", "include_raw": False})).status_code == 200
            other = await live.client.post("/ask", json={"prompt": "hi", "tenant": "acme"})
            _assert_denied(other, 401)
            assert "admin token" in other.json()["detail"]
            wrong = await live.client.post("/ask", json={"prompt": "hi"}, headers={"X-Admin-Token": "not-the-token"})
            _assert_denied(wrong, 401)
            assert wrong.json()["detail"] == "X-Admin-Token is not NEARHIT_ADMIN_TOKEN"
            as_admin = await live.client.post("/ask", json={"prompt": "hi", "tenant": "acme"}, headers=CALLERS["admin"])
            assert as_admin.status_code == 200
    finally:
        await runtime.close()


async def test_open_mode_is_as_before_and_says_so(
    settings: Settings, local_embedder: LocalEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        with caplog.at_level("WARNING", logger="nearhit.api.app"):
            async with serve(settings, runtime) as live:
                response = await live.client.post("/ask", json={"prompt": "hi", "tenant": "acme", "include_raw": False})
                assert response.status_code == 200
                assert (await live.client.delete("/cache/clear", params={"tenant": "acme"})).status_code == 200
        warnings = [r.getMessage() for r in caplog.records if r.name == "nearhit.api.app"]
        assert len(warnings) == 1 and "OPEN" in warnings[0]
    finally:
        await runtime.close()


def test_a_short_admin_token_stops_start_up(settings: Settings) -> None:
    with pytest.raises(ConfigError, match="NEARHIT_ADMIN_TOKEN must be at least 16 characters"):
        load_settings(admin_token="s3cret")
    assert load_settings(admin_token="").admin_token is None  # blank means unset


async def test_ask_checks_the_query_then_the_caller_then_the_body(live_secured: LiveServer) -> None:
    """``POST /ask`` reads its caller and body itself (no dependency solved per request), in the order FastAPI
    solved them: a query parameter given twice (422), then the credential (401/403), then the body (422)."""
    client = live_secured.client
    twice = await client.post("/ask?a=1&a=2", content=b"[]", headers={"Content-Type": "application/json"})
    assert twice.status_code == 422 and twice.json()["detail"][0]["loc"] == ["query", "a"]
    _assert_denied(await client.post("/ask", json={"prompt": 3}), 401)
    own = CALLERS["own"]
    empty = await client.post("/ask", headers=own)
    assert empty.status_code == 422
    assert empty.json() == {"detail": [{"type": "missing", "loc": ["body"], "msg": "Field required", "input": None}]}
    wrong = await client.post("/ask", json={"prompt": 3, "bogus": 1}, headers=own)
    assert wrong.status_code == 422
    assert [(e["type"], e["loc"]) for e in wrong.json()["detail"]] == [
        ("string_type", ["body", "prompt"]),
        ("extra_forbidden", ["body", "bogus"]),
    ]
    _assert_denied(await client.post("/ask", json={"prompt": QUESTION, "tenant": "beta"}, headers=own), 403)


async def test_head_answers_where_get_does_with_its_status_and_no_body(live_secured: LiveServer) -> None:
    """RFC 9110 9.3.2: a server answers ``HEAD`` where it answers ``GET``. FastAPI adds no ``HEAD`` to a ``GET``
    route, so a monitor probing ``/health`` with ``HEAD`` read a 405. Every ``GET`` route, for every caller, now
    answers ``HEAD`` with the ``GET``'s status and headers (its access rule included), and no body."""
    app = create_app(live_secured.runtime.settings)
    gets = sorted(route.path for route in nearhit_routes(app) if "GET" in route.methods)
    assert "/health" in gets and "/v1/models" in gets
    client = live_secured.client
    for path in gets:
        sample = SAMPLES[("GET", path)].bound(live_secured.runtime)
        for name, headers in CALLERS.items():
            got = await sample.send(client, headers)
            head = await dataclasses.replace(sample, method="HEAD").send(client, headers)
            where = f"HEAD {path} as {name}"
            assert head.status_code == got.status_code, (where, head.status_code, got.status_code)
            assert head.content == b"", where
            assert head.headers["content-type"] == got.headers["content-type"], where
    posted = await client.head("/ask", headers=CALLERS["own"])
    assert posted.status_code == 405 and posted.headers["allow"] == "POST"  # HEAD is a GET's, nothing else's
