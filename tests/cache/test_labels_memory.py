"""The cluster's labels check (:meth:`FeedbackStore.may_have_labels`): a "some labels" answer is kept for a
while, and a read that fails is a "maybe" (the observations are read), never a failed lookup."""

from __future__ import annotations

from redis.asyncio import Redis

from nearhit.cache import SemanticCache
from nearhit.cache.feedback import FeedbackStore
from tests.support.ports import free_port


async def test_some_labels_are_kept_and_none_are_read_again(cache: SemanticCache) -> None:
    assert await cache.feedback.may_have_labels() is False
    await cache.feedback.count("labels_feedback")  # another process's first label: seen on the next read
    assert await cache.feedback.may_have_labels() is True
    await cache.redis.delete(cache.keys.stats_key)  # cleared: this process keeps its "some" a while
    assert await cache.feedback.may_have_labels() is True
    assert await FeedbackStore(cache.redis, cache.keys).may_have_labels() is False


async def test_a_failed_read_is_maybe_labels(cache: SemanticCache) -> None:
    unreachable = Redis(port=free_port(), socket_connect_timeout=1)
    try:
        assert await FeedbackStore(unreachable, cache.keys).may_have_labels() is True
    finally:
        await unreachable.aclose()
