"""``nearhit.Cache``: the sync face on its private loop thread, from plain code, threads and async code."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nearhit import Cache, CacheClosed, SyncCallInEventLoop
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from tests.library.conftest import _drop


def test_store_lookup_delete_stats(sync_cache: Cache) -> None:
    doc_id = sync_cache.store("What is the capital of France?", "Paris.")
    assert sync_cache.lookup("what is the capital of France").match == "exact"
    assert sync_cache.lookup("What's the capital city of France?").match == "semantic"
    assert [hit.doc_id for hit in sync_cache.search("capital of France", top_k=1)] == [doc_id]
    assert sync_cache.delete(doc_id)
    assert sync_cache.stats().entries == 0


def test_a_vector_given_is_passed_through(sync_cache: Cache) -> None:
    embedder = sync_cache.inner.engine.embedder
    assert isinstance(embedder, LocalEmbedder)  # the offline default
    vector = embedder.encode(["how long should green tea steep"])[0]
    doc_id = sync_cache.store("How long should green tea steep?", "Two to three minutes.", vector=vector)
    assert sync_cache.lookup("How many minutes do I steep green tea?", vector=vector).doc_id == doc_id


def test_answer_from_many_threads_calls_the_llm_once(sync_cache: Cache) -> None:
    calls = 0
    lock = threading.Lock()

    def llm(prompt: str) -> str:
        nonlocal calls
        with lock:
            calls += 1
        time.sleep(0.2)  # the LLM's latency, so the concurrent callers overlap (the thing under test)
        return "Because of Rayleigh scattering."

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(lambda _: sync_cache.answer("Why is the sky blue?", llm), range(8)))
    assert calls == 1
    assert {a.text for a in answers} == {"Because of Rayleigh scattering."}
    assert sync_cache.answer("Why is the sky blue?", llm).cached and calls == 1


def test_cached_decorator_keeps_the_function_name(sync_cache: Cache) -> None:
    @sync_cache.cached
    def ask(prompt: str) -> str:
        """Ask the model."""
        return "four"

    assert ask("two plus two?") == "four" == ask("Two plus two")
    assert ask.__name__ == "ask" and ask.__doc__ == "Ask the model."


def test_the_llm_callback_may_use_the_sync_cache_itself(sync_cache: Cache) -> None:
    """``call_llm`` runs in a worker thread, not on the loop, so a nested sync call does not deadlock."""

    def llm(prompt: str) -> str:
        return "nested: " + str(sync_cache.lookup("something else").hit)

    assert sync_cache.answer("outer question?", llm).text == "nested: False"


async def test_called_inside_a_running_loop_is_a_clear_error(sync_cache: Cache) -> None:
    with pytest.raises(SyncCallInEventLoop, match=r"await nearhit.AsyncCache.open\(\)"):
        sync_cache.lookup("What is Redis?")


def test_closed_cache_says_so(settings: Settings) -> None:
    cache = Cache.open(settings=settings)
    cache.clear()
    cache.close()
    cache.close()  # idempotent
    with pytest.raises(CacheClosed, match="closed"):
        cache.lookup("What is Redis?")


def test_open_failure_stops_the_loop_thread(settings: Settings) -> None:
    before = {t.name for t in threading.enumerate()}
    with pytest.raises(Exception, match="VECTOR_DIMENSION"):
        Cache.open(settings=settings.model_copy(update={"vector_dimension": 3}))
    assert {t.name for t in threading.enumerate()} - before == set()


@pytest.mark.slow
def test_a_cache_left_open_closes_quietly_at_exit(settings: Settings, tmp_path: Path) -> None:
    """README's `set_llm_cache(NearhitCache())` never closes its cache: the script's exit must not print a
    destroyed task's traceback, and the counters it kept must still reach Redis."""
    script = tmp_path / "left_open.py"
    script.write_text(
        "from nearhit import Cache\n"
        "cache = Cache.open()\n"
        "cache.store('What is Redis?', 'An in-memory data store.')\n"
        "print(cache.lookup('What is Redis?').match)\n",
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "REDIS_URL": settings.redis_url or "",
        "VECTOR_INDEX_NAME": settings.index_name,
        "PYTHONPATH": os.pathsep.join(sys.path),
    }
    try:
        done = subprocess.run(
            [sys.executable, str(script)], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip() == "exact"
        assert "Traceback" not in done.stderr and "destroyed" not in done.stderr, done.stderr
        with Cache.open(settings=settings) as cache:
            assert cache.stats().counters["exact_hits"] == 1  # written by the close at exit
    finally:
        asyncio.run(_drop(settings))
