"""A lookup's embedding started beside its exact read (``cache.early_embed``): the same results, counted once,
dropped on an exact hit or a stored embedding; and when ``auto`` chooses to start early."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence

import numpy as np
import pytest

from nearhit.cache import Scope, SemanticCache, semantic_cache
from nearhit.cache.early_embed import AUTO_ABOVE, EarlyEmbedding
from nearhit.cache.index import drop_index
from nearhit.cache.keys import normalise
from nearhit.config import Settings
from nearhit.embeddings.base import Vectors
from nearhit.embeddings.batcher import MicroBatcher
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap

SCOPE = Scope.build(model="gpt-4o", tenant="acme")


@pytest.fixture
async def early(settings: Settings, local_embedder: LocalEmbedder) -> AsyncIterator[SemanticCache]:
    own = {"early_embed": "always", "index_name": f"{settings.index_name}_early"}  # its own entries and embeddings
    cache = await bootstrap.open_cache(settings.model_copy(update=own), local_embedder)
    yield cache
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.close()


async def test_a_semantic_hit_is_the_same_with_the_embedding_started_early(
    early: SemanticCache, cache: SemanticCache
) -> None:
    for which in (early, cache):
        await which.store("What is the capital of France?", "Paris.", SCOPE)
    assert early.early.wanted() and not cache.early.wanted()  # "always"; "auto" has seen no lookup yet
    results = []
    for which in (early, cache):
        question = "Which city is France's capital?"
        for both in (early, cache):
            await both.background.drain()  # the embedding store is shared: no write of the other's is pending
        await which.redis.delete(which.embeddings.key_for(normalise(question)))  # each computes it
        misses = which.embeddings.misses
        results.append(await which.lookup(question, SCOPE, threshold=0.5))
        assert which.embeddings.misses == misses + 1  # the early embedding is counted once, when used
    for result in results:
        assert result.match == "semantic" and result.answer is not None and result.answer.response == "Paris."
    np.testing.assert_allclose(results[0].embedding or [], results[1].embedding or [], atol=1e-6)


async def test_an_exact_hit_or_a_stored_embedding_drops_the_early_one(
    early: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[asyncio.Task[Vectors]] = []
    dropped: list[asyncio.Task[Vectors] | None] = []
    start, cancel = early.embeddings.start, semantic_cache._cancel
    monkeypatch.setattr(early.embeddings, "start", lambda texts: started.append(start(texts)) or started[-1])
    monkeypatch.setattr(semantic_cache, "_cancel", lambda task: dropped.append(task) or cancel(task))
    await early.store("What is the capital of France?", "Paris.", SCOPE)
    misses = early.embeddings.misses
    result = await early.lookup("What is the capital of France?", SCOPE)
    assert result.match == "exact" and early.embeddings.misses == misses  # not counted: not needed
    assert len(started) == 1 and dropped == started  # begun beside the read, dropped on the hit
    question = "Which city is France's capital?"
    await early.redis.delete(early.embeddings.key_for(normalise(question)))  # another test may have stored it
    first = await early.lookup(question, SCOPE, threshold=0.5)
    assert early.embeddings.misses == misses + 1
    await early.background.drain()  # its embedding is now in the store
    hits = early.embeddings.hits
    again = await early.lookup(question, SCOPE, threshold=0.5)
    assert early.embeddings.hits == hits + 1 and early.embeddings.misses == misses + 1
    assert len(started) == 3 and dropped == [started[0], started[2]]  # the stored one was used instead
    assert again.embedding == first.embedding and again.match == "semantic"


async def test_a_caller_gone_before_its_batch_begins_is_never_embedded() -> None:
    """An early embedding cancelled while another batch runs (an exact hit under load) costs no model call."""
    running, release = threading.Event(), threading.Event()
    encoded: list[list[str]] = []

    def encode(texts: Sequence[str]) -> Vectors:
        encoded.append(list(texts))
        running.set()
        release.wait(5)
        return np.zeros((len(texts), 2), dtype=np.float32)

    batcher = MicroBatcher(encode)
    first = asyncio.create_task(batcher.embed(["first"]))
    await asyncio.to_thread(running.wait, 5)  # the first batch is in the model
    dropped = asyncio.create_task(batcher.embed(["dropped"]))
    kept = asyncio.create_task(batcher.embed(["kept"]))
    await asyncio.sleep(0)  # both are queued behind the running batch
    dropped.cancel()
    release.set()
    await asyncio.gather(first, kept)
    assert encoded == [["first"], ["kept"]]


def test_auto_starts_early_while_most_lookups_need_an_embedding() -> None:
    choice = EarlyEmbedding("auto", in_process=True)
    assert not choice.wanted()  # nothing seen: exact hits are the cheap case to protect
    while not choice.wanted():
        choice.observe(True)
    assert choice.needed_share > AUTO_ABOVE
    while choice.wanted():
        choice.observe(False)  # exact repeats take over
    assert choice.needed_share <= AUTO_ABOVE
    remote = EarlyEmbedding("auto", in_process=False)
    never = EarlyEmbedding("never", in_process=True)
    for _ in range(100):
        remote.observe(True)
        never.observe(True)
    assert not remote.wanted() and not never.wanted()
    assert EarlyEmbedding("always", in_process=False).wanted()


async def test_auto_learns_from_the_cache_s_own_lookups(cache: SemanticCache) -> None:
    assert cache.early.mode == "auto" and not cache.early.wanted()
    for n in range(30):
        await cache.lookup(f"A question never asked before, number {n}?", SCOPE)
    assert cache.early.wanted()
