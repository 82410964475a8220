"""``POST /v1/nearhit/feedback`` answers every error in OpenAI's shape, like the rest of ``/v1``: also a Redis it
cannot reach (503) and a prompt over the configured limit (422), both checked after the body's schema."""

from __future__ import annotations

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import fast_llm, serve
from tests.support.ports import free_port


async def test_redis_away_is_a_503_in_openai_shape(settings: Settings, local_embedder: LocalEmbedder) -> None:
    own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{free_port()}/0", "redis_timeout": 0.5})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            response = await live.client.post("/v1/nearhit/feedback", json={"request_id": "r1", "verdict": "wrong"})
            assert response.status_code == 503, response.text
            error = response.json()["error"]
            assert error["code"] == "cache_unavailable" and error["type"] == "server_error"
            assert "cache unavailable" in error["message"]
            plain = await live.client.post("/cache/feedback", json={"request_id": "r1", "verdict": "wrong"})
            assert plain.status_code == 503 and "cache unavailable" in plain.json()["detail"]
    finally:
        await runtime.close()


async def test_a_prompt_over_the_configured_limit_is_a_422_in_openai_shape(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    own = settings.model_copy(update={"max_prompt_chars": 50})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            stored = await live.client.post("/cache/store", json={"prompt": "What is Redis?", "response": "A store."})
            doc_id = stored.json()["doc_id"]
            body = {"doc_id": doc_id, "prompt": "Why " * 20, "verdict": "wrong"}
            response = await live.client.post("/v1/nearhit/feedback", json=body)
            assert response.status_code == 422, response.text
            error = response.json()["error"]
            assert error["param"] == "prompt" and "NEARHIT_MAX_PROMPT_CHARS" in error["message"]
            await live.client.delete(f"/cache/entries/{doc_id}")
    finally:
        await runtime.close()
