"""Redis goes away: the raw column keeps streaming, the cache column says it is degraded and answers from
the LLM; Redis comes back: caching resumes without a restart. A dropped index is re-created."""

from __future__ import annotations

from pathlib import Path

from nearhit import redis_server
from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import fast_llm, serve
from tests.support.ports import free_port
from tests.support.sse import ask_stream
from tests.support.waiting import eventually, settled

QUESTION = "What happens when the cache is down?"


def completes(stream: list) -> dict:
    return {d["column"]: d for k, d in stream if k == "column_complete"}


async def test_redis_outage_and_recovery(settings: Settings, local_embedder: LocalEmbedder, tmp_path: Path) -> None:
    server, _ = redis_server.ensure_running(tmp_path)
    own = settings.model_copy(update={"redis_url": server.url, "redis_timeout": 1.0})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            assert (await live.client.get("/health")).status_code == 200
            redis_server.stop(tmp_path)

            stream = await ask_stream(live.client, {"prompt": QUESTION})
            done = completes(stream)
            assert done["raw"]["status"] == "done" and done["raw"]["completion_tokens"] > 0
            assert done["cache"]["status"] == "degraded" and "cache unavailable" in done["cache"]["error"]
            document = next(d for k, d in stream if k == "cache_document")
            assert document["degraded"] is True and document["reason"]
            answer = "".join(d["content"] for k, d in stream if k == "content_chunk" and d["column"] == "cache")
            assert answer  # the cache column still answered, from the LLM

            async def unhealthy() -> bool:  # /health answers from a status checked every second in the background
                health = await live.client.get("/health")
                assert health.status_code == 503 and health.json()["redis"]["ok"] is False
                return True

            await eventually(unhealthy, interval=0.1)
            assert (await live.client.get("/cache/stats")).status_code == 503

            restarted, _ = redis_server.ensure_running(tmp_path)
            assert restarted.port == server.port  # same port: the client reconnects by itself

            async def healthy() -> bool:
                return (await live.client.get("/health")).status_code == 200

            await eventually(healthy, interval=0.1)
            await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
            await settled(runtime)
            stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
            assert completes(stream)["cache"]["outcome"] == "exact"
    finally:
        await runtime.close()
        redis_server.stop(tmp_path)


async def test_starting_without_redis_then_it_appears(
    settings: Settings, local_embedder: LocalEmbedder, tmp_path: Path
) -> None:
    port = free_port()
    (tmp_path / "redis.port").write_text(str(port))
    own = settings.model_copy(update={"redis_url": f"redis://127.0.0.1:{port}/0", "redis_timeout": 0.5})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
            assert completes(stream)["cache"]["status"] == "degraded"
            server, _ = redis_server.ensure_running(tmp_path)
            assert server.port == port

            async def reconnected() -> bool:  # once the reconnect interval has passed
                stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
                assert completes(stream)["cache"]["status"] == "done"
                return True

            await eventually(reconnected, timeout=10, interval=0.2)
    finally:
        await runtime.close()
        redis_server.stop(tmp_path)


async def test_dropped_index_degrades_then_recovers(settings: Settings, local_embedder: LocalEmbedder) -> None:
    runtime = Runtime(settings, local_embedder, fast_llm())
    try:
        async with serve(settings, runtime) as live:
            cache = await runtime.cache()
            await drop_index(cache.redis, cache.spec.name, delete_entries=True)
            stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
            assert completes(stream)["cache"]["status"] == "degraded"
            assert (await live.client.get("/health")).status_code == 200  # re-created
            await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
            await settled(runtime)
            stream = await ask_stream(live.client, {"prompt": QUESTION, "include_raw": False})
            assert completes(stream)["cache"]["outcome"] == "exact"
            await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    finally:
        await runtime.close()
