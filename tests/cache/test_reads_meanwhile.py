"""``client.reads(meanwhile=...)``: the caller's work that needs no reply runs while Redis answers (issue 18: a
lookup's KNN search), once, and an error in it leaves the connection in step (real Redis)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import redis
from redis.asyncio import Redis

from nearhit.cache import Scope, SemanticCache, semantic_cache
from nearhit.cache.client import reads
from tests.support.waiting import eventually_sync


async def test_the_work_runs_once_the_commands_are_sent_and_before_the_replies_are_read(
    redis_client: Redis, redis_url: str
) -> None:
    (client_id,) = await reads(redis_client, [("CLIENT", "ID")])  # the connection the next round trip keeps using
    seen: list[str] = []

    def meanwhile() -> None:
        with redis.Redis.from_url(redis_url) as other:
            # Redis has the command already: the connection's last one is the ECHO, not the CLIENT ID before it.
            listed = eventually_sync(
                lambda: (line := other.execute_command("CLIENT", "LIST", "ID", client_id).decode())
                and "cmd=echo" in line
                and line,
                timeout=2.0,
            )
            seen.append(listed)

    assert await reads(redis_client, [("ECHO", "sent")], meanwhile=meanwhile) == [b"sent"]
    assert len(seen) == 1


async def test_an_error_in_the_work_is_raised_with_every_reply_read(redis_client: Redis) -> None:
    def failing() -> None:
        raise ValueError("the work failed")

    with pytest.raises(ValueError, match="the work failed"):
        await reads(redis_client, [("ECHO", "first"), ("ECHO", "second")], meanwhile=failing)
    # Both replies were read: the connection answers the next round trip with its own reply, not a stale one.
    assert await reads(redis_client, [("ECHO", "next")]) == [b"next"]


async def test_a_lookup_does_what_needs_no_reply_while_its_knn_runs(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The result's vector and query, and the fresh embedding handed to the store, are done inside the KNN's round
    trip (``_aside`` passed as ``meanwhile``), with the same result as before."""
    scope = Scope.build(model="m", tenant="meanwhile")
    await cache.store("How do I reverse a list in Python?", "Use reversed() or slicing.", scope)
    await cache.background.drain()
    passed: list[Any] = []
    original = semantic_cache.reads

    async def spied(*args: Any, **kwargs: Any) -> list[Any]:
        passed.append(kwargs.get("meanwhile"))
        return await original(*args, **kwargs)

    monkeypatch.setattr(semantic_cache, "reads", spied)
    text = "How can I reverse a Python list?"
    result = await cache.lookup(text, scope)
    monkeypatch.undo()
    assert passed[0] is None and passed[-1] is not None  # the exact read has none; the KNN's round trip has it
    (vector,) = await cache.embedder.embed([cache.prepare(text, scope).text])
    assert result.embedding is not None and np.allclose(result.embedding, vector, atol=1e-6)
    assert result.query is not None and result.query["command"] == "FT.SEARCH"
    await cache.background.drain()  # the fresh embedding was handed to the store: written, then read back
    key = cache.embeddings.key_for(cache.prepare(text, scope).text, cache.spec.keys)
    assert await cache.redis.exists(key) == 1
