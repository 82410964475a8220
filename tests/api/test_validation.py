"""Bad input gets a precise 422 (schema and engine checks alike, in FastAPI's shape); admin endpoints need the
token when one is set; request ids travel."""

from __future__ import annotations

import pytest
from fastapi.dependencies.models import Dependant

from nearhit.api import deps
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import LiveServer, fast_llm, serve


@pytest.mark.parametrize(
    ("body", "status", "fragment"),
    [
        ({}, 422, "prompt"),
        ({"prompt": ""}, 422, "at least 1 character"),
        ({"prompt": "   "}, 422, "prompt is empty"),
        ({"prompt": "x" * 32_001}, 422, "the limit is 32,000"),
        ({"prompt": 42}, 422, "string"),
        ({"prompt": "hi", "colour": "blue"}, 422, "Extra inputs are not permitted"),
        ({"prompt": "hi", "threshold": 1.5}, 422, "less than or equal to 1"),
        ({"prompt": "hi", "threshold": -0.1}, 422, "greater than or equal to 0"),
        ({"prompt": "hi", "ttl": 0}, 422, "greater than 0"),
        ({"prompt": "hi", "tenant": ""}, 422, "tenant"),
        ({"prompt": "hi", "tenant": "a\nb"}, 422, "control characters"),
        ({"prompt": "hi", "tenant": "a\x85b"}, 422, "control characters"),
        ({"prompt": "hi", "tenant": "  "}, 422, "is empty"),
        ({"prompt": "hi", "temperature": False}, 422, "valid number"),
        ({"prompt": "hi", "max_tokens": "5"}, 422, "valid integer"),
        ({"prompt": "hi", "no_store": "yes"}, 422, "valid boolean"),
        ({"prompt": "hi", "history": [{"role": "wizard", "content": "x"}]}, 422, "role"),
        # Was "Value should have at most 100000 items": a text's limit worded as a list's.
        ({"prompt": "hi", "system_prompt": "s" * 100_001}, 422, "String should have at most 100000 characters"),
        (
            {"prompt": "hi", "history": [{"role": "user", "content": "c" * 1_000_001}]},
            422,
            "String should have at most 1000000 characters",
        ),
    ],
)
async def test_ask_rejects_bad_bodies(shared_live: LiveServer, body: dict, status: int, fragment: str) -> None:
    for path in ("/ask", "/ask/stream"):
        response = await shared_live.client.post(path, json=body)
        assert response.status_code == status, (path, response.text)
        assert fragment in response.text


@pytest.mark.parametrize("field", ["tenant", "conversation_id"])
@pytest.mark.parametrize("value", ["\u200b", "\u2060\ufeff", "\u200e\u200f", " \u200b ", "\u3164"])
async def test_a_label_of_invisible_characters_only_is_refused_as_a_blank_one(
    shared_live: LiveServer, field: str, value: str
) -> None:
    """A tenant of a zero-width space reads as no tenant, as " " does (refused): before, it was accepted."""
    response = await shared_live.client.post("/ask", json={"prompt": "hi", field: value})
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["body", field] and "is empty" in error["msg"], error


async def test_malformed_json_and_huge_bodies(live: LiveServer) -> None:
    response = await live.client.post("/ask", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422 and "JSON decode error" in response.text
    response = await live.client.post(
        "/ask", content=b"x" * (3 * 1024 * 1024), headers={"content-type": "application/json"}
    )
    assert response.status_code == 413 and "too large" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "body", "status", "fragment"),
    [
        ("/cache/search", {}, 422, "exactly one of 'text' or 'embedding'"),
        ("/cache/search", {"text": "a", "embedding": [0.1]}, 422, "exactly one"),
        ("/cache/search", {"text": "a", "top_k": -1}, 422, "greater than or equal to 1"),
        ("/cache/search", {"text": "a", "top_k": 101}, 422, "less than or equal to 100"),
        ("/cache/search", {"embedding": [0.1] * 10}, 422, "10 values; this index takes 384"),
        ("/vector/search", {"embedding": [0.1] * 383}, 422, "383 values; this index takes 384"),
        ("/vector/search", {"embedding": [0.0] * 384}, 422, "all zeros"),
        ("/vector/search", {"embedding": []}, 422, "at least 1 item"),
        ("/vector/search", {"embedding": [0.1] * 384, "threshold": 2}, 422, "less than or equal to 1"),
        ("/vector/add", {"prompt": "p", "response": "r", "embedding": [0.1] * 12}, 422, "12 values"),
        ("/cache/store", {"prompt": "p", "response": ""}, 422, "at least 1 character"),
        ("/cache/store", {"prompt": "p", "response": "   "}, 422, "response is empty"),
    ],
)
async def test_cache_and_vector_reject_bad_bodies(
    shared_live: LiveServer, path: str, body: dict, status: int, fragment: str
) -> None:
    response = await shared_live.client.post(path, json=body)
    assert response.status_code == status, response.text
    assert fragment in response.text
    assert isinstance(response.json()["detail"], list)  # one shape for every 422


async def test_clear_needs_a_selection_and_never_touches_foreign_keys(live: LiveServer) -> None:
    cache = await live.runtime.cache()
    await cache.redis.set("not-nearhit:precious", "1")
    for prompt in ("what is redis", "what is a vector", "how do I cook rice"):
        assert (await live.client.post("/cache/store", json={"prompt": prompt, "response": "r"})).status_code == 201
    assert (await live.client.delete("/cache/clear")).status_code == 400
    both = await live.client.delete("/cache/clear", params={"tenant": "a", "pattern": "b"})
    assert both.status_code == 400
    assert (await live.client.delete("/cache/clear", params={"pattern": "a\x01"})).status_code == 422
    response = await live.client.delete("/cache/clear", params={"pattern": "What is *"})
    assert response.json() == {"deleted": 2}
    response = await live.client.delete("/cache/clear", params={"pattern": "*"})
    assert response.json() == {"deleted": 1}
    assert await cache.redis.get("not-nearhit:precious") == b"1"
    await cache.redis.delete("not-nearhit:precious")


async def test_a_query_parameter_given_twice_is_refused_and_nothing_is_deleted(shared_live: LiveServer) -> None:
    stored = await shared_live.client.post(
        "/cache/store", json={"prompt": "what is a twice-given pattern", "response": "r"}
    )
    assert stored.status_code == 201
    twice = await shared_live.client.delete(
        "/cache/clear", params=[("pattern", "nothing*"), ("pattern", "what is a twice*")]
    )
    assert twice.status_code == 422, twice.text
    assert twice.json()["detail"][0]["loc"] == ["query", "pattern"]
    assert "given more than once" in twice.text
    window = await shared_live.client.get("/telemetry/summary", params=[("window", "60"), ("window", "120")])
    assert window.status_code == 422
    kept = await shared_live.client.post("/cache/search", json={"text": "what is a twice-given pattern", "top_k": 1})
    assert kept.json()["results"][0]["response"] == "r"


async def test_store_search_and_vector_round_trip(live: LiveServer, local_embedder: LocalEmbedder) -> None:
    stored = await live.client.post("/cache/store", json={"prompt": "What is HNSW?", "response": "A graph index."})
    assert stored.status_code == 201
    found = (await live.client.post("/cache/search", json={"text": "what is hnsw", "top_k": 3})).json()
    assert found["results"][0]["response"] == "A graph index."
    vector = local_embedder.encode(["llamas and alpacas"])[0].tolist()
    added = await live.client.post(
        "/vector/add", json={"prompt": "camelids", "response": "Llamas.", "embedding": vector, "tenant": "zoo"}
    )
    assert added.status_code == 201
    hits = (await live.client.post("/vector/search", json={"embedding": vector, "top_k": 1, "tenant": "zoo"})).json()
    assert hits["results"][0]["response"] == "Llamas." and hits["dimension"] == 384
    stats = (await live.client.get("/cache/stats")).json()
    assert stats["entries"] == 2
    metrics = (await live.client.get("/metrics")).json()
    assert metrics["cache"]["entries"] == 2


@pytest.mark.parametrize("scale", [1e38, 1e-40])
async def test_a_vector_of_extreme_but_finite_values_keeps_its_direction(
    live: LiveServer, local_embedder: LocalEmbedder, scale: float
) -> None:
    """float32 squares of 1e38 overflow and of 1e-40 vanish: a norm taken in float32 made such a vector all zeros
    (stored as no direction at all, or refused as 'all zeros')."""
    direction = local_embedder.encode(["llamas and alpacas"])[0]
    scaled = (direction / abs(direction).max() * scale).tolist()
    body = {"prompt": "camelids", "response": "Llamas.", "embedding": scaled}
    added = await live.client.post("/vector/add", json=body)
    assert added.status_code == 201, added.text
    hits = (await live.client.post("/vector/search", json={"embedding": direction.tolist(), "top_k": 1})).json()
    assert hits["results"][0]["response"] == "Llamas." and hits["results"][0]["similarity"] > 0.999


async def test_request_id_is_echoed_or_made(live: LiveServer) -> None:
    response = await live.client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert response.headers["x-request-id"] == "abc-123"
    response = await live.client.get("/health", headers={"X-Request-ID": "bad id with spaces"})
    assert response.headers["x-request-id"] != "bad id with spaces" and len(response.headers["x-request-id"]) == 32


async def test_admin_endpoints_need_the_token_when_set(settings: Settings, local_embedder: LocalEmbedder) -> None:
    secured = settings.model_copy(update={"admin_token": "s3cret"})
    runtime = Runtime(secured, local_embedder, fast_llm())
    try:
        async with serve(secured, runtime) as live:
            body = {"prompt": "p", "response": "r"}
            denied = await live.client.post("/cache/store", json=body)
            assert denied.status_code == 401 and "admin token" in denied.json()["detail"]
            wrong = await live.client.post("/cache/store", json=body, headers={"Authorization": "Bearer nope"})
            assert wrong.status_code == 401
            ok = await live.client.post("/cache/store", json=body, headers={"Authorization": "Bearer s3cret"})
            assert ok.status_code == 201
            assert (await live.client.delete("/telemetry/clear")).status_code == 401
            assert (await live.client.delete("/cache/clear", params={"all": True})).status_code == 401
            cleared = await live.client.delete(
                "/cache/clear", params={"all": True}, headers={"X-Admin-Token": "s3cret"}
            )
            assert cleared.json() == {"deleted": 1}
            assert (await live.client.post("/ask", json={"prompt": "p"})).status_code == 200  # not admin
    finally:
        await runtime.close()


async def test_a_refused_long_value_is_not_sent_back_whole(shared_live: LiveServer) -> None:
    """FastAPI's 422 repeats the refused value: clipped, so a 100,000-character field costs no 100 kB reply."""
    response = await shared_live.client.post("/ask", json={"prompt": "hi", "tenant": "t" * 100_000})
    assert response.status_code == 422
    assert len(response.content) < 2_000
    [error] = response.json()["detail"]
    assert error["loc"] == ["body", "tenant"] and error["input"].endswith("… (100,000 characters)")
    unknown = await shared_live.client.post("/ask", json={"prompt": "hi", "t" * 100_000: 1})  # its name in loc
    assert unknown.status_code == 422 and len(unknown.content) < 2_000, len(unknown.content)
    assert unknown.json()["detail"][0]["loc"] == ["body", "t" * 200 + "… (100,000 characters)"]


# No character a reader would see: a zero-width space, bidi marks, a BOM, a soft hyphen, a word joiner, a tag
# character, a combining mark with nothing to sit on, a Hangul filler. Each normalised to the same empty text,
# such prompts were answered and then served to one another as hits.
INVISIBLE = [
    "\u200b",
    "\u200f\u202e\u200e",
    "\u2066\u2069",
    "\ufeff",
    "\u00ad",
    "\u2060",
    "\U000e0020",
    "\u0301",
    "\u3164",
]


@pytest.mark.parametrize("prompt", INVISIBLE)
async def test_a_prompt_with_nothing_visible_is_refused_everywhere(shared_live: LiveServer, prompt: str) -> None:
    client = shared_live.client
    for path in ("/ask", "/ask/stream"):
        response = await client.post(path, json={"prompt": f" {prompt} "})
        assert response.status_code == 422 and "prompt is empty" in response.text, (path, response.text)
    stored = await client.post("/cache/store", json={"prompt": prompt, "response": "an answer"})
    assert stored.status_code == 422 and "prompt is empty" in stored.text, stored.text
    answer = await client.post("/cache/store", json={"prompt": "a question", "response": prompt})
    assert answer.status_code == 422 and "response is empty" in answer.text, answer.text
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}]}
    gateway = await client.post("/v1/chat/completions", json=chat)
    assert gateway.status_code == 400 and "prompt is empty" in gateway.text, gateway.text


async def test_invisible_characters_inside_a_visible_prompt_are_kept(shared_live: LiveServer) -> None:
    for prompt in ("a\u200bb", "e\u0301t\u00e9", "\u202eolleh\u202c", "\u3164x"):
        response = await shared_live.client.post("/ask", json={"prompt": prompt, "include_raw": False})
        assert response.status_code == 200, (prompt, response.text)


@pytest.mark.parametrize(
    ("method", "path", "unknown", "takes"),
    [
        ("DELETE", "/cache/clear?tenat=acme&all=true", "tenat", "it takes all, pattern, tenant"),
        ("GET", "/telemetry/events?tenant=globex", "tenant", "it takes count"),
        ("GET", "/calculator/skus?region=eastus2&regoin=westus", "regoin", "it takes region"),
        ("POST", "/ask?tenant=globex", "tenant", "it takes none"),
        ("POST", "/ask/stream?no_store", "no_store", "it takes none"),
    ],
)
async def test_a_query_parameter_the_endpoint_does_not_take_is_a_422_naming_it(
    live: LiveServer, method: str, path: str, unknown: str, takes: str
) -> None:
    # FastAPI ignores a parameter a route does not declare: a misspelt ?tenat=acme beside all=true cleared every
    # tenant's entries, and ?tenant=globex on the events listed every tenant's to the admin.
    for prompt, tenant in (("what is a misspelt tenant", "acme"), ("what is a misspelt tenant", "globex")):
        stored = await live.client.post("/cache/store", json={"prompt": prompt, "response": "r", "tenant": tenant})
        assert stored.status_code == 201
    body = {"prompt": "what is a misspelt tenant", "include_raw": False} if method == "POST" else None
    response = await live.client.request(method, path, json=body)
    assert response.status_code == 422, response.text
    [error] = response.json()["detail"]
    assert error["loc"] == ["query", unknown] and error["msg"] == f"not a query parameter of this endpoint: {takes}"
    assert (await live.client.get("/cache/stats")).json()["entries"] == 2
    assert (await live.client.get("/telemetry/summary?window=300")).status_code == 200  # a declared one still read


async def test_a_routes_query_parameters_are_found_once_not_per_request(
    shared_live: LiveServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The walk of a route's dependencies for the query parameters it declares runs at its first request with a
    query, not at every one (it cost each such request); what it found still refuses an undeclared one."""
    walks: list[Dependant] = []
    walk = deps._declared

    def counted(dependant: Dependant) -> list[str]:
        walks.append(dependant)
        return walk(dependant)

    monkeypatch.setattr(deps, "_declared", counted)
    for _ in range(3):
        assert (await shared_live.client.get("/telemetry/summary?window=300")).status_code == 200
    first = len(walks)
    for _ in range(3):
        assert (await shared_live.client.get("/telemetry/summary?window=301")).status_code == 200
        refused = await shared_live.client.get("/telemetry/summary?windo=300")
        assert refused.status_code == 422 and refused.json()["detail"][0]["loc"] == ["query", "windo"]
    assert len(walks) == first
