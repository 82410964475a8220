"""A similarity threshold the user sets is a floor (issue 13: SEMANTIC_SIMILARITY_THRESHOLD "keeps working for
users who set it"): no margin serves under it unless one is set too. With nothing set, the default threshold keeps
its margins. The real embedded Redis and the local embedder, the settings read as the server reads them."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.cache.results import LookupResult
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from tests.support.lookups import Turns, ask

STORED = "How do I reset my password?"
PARAPHRASE = "Steps to reset my password?"  # ~0.93 similar, no guard reads a difference
QUIET = ("Beach trip packing list?", "What should I pack for a beach holiday?")  # ~0.73, no difference read
BENCH: Turns = [
    ("user", "I found an old cast-iron garden bench at a car boot sale."),
    ("assistant", "Cast iron lasts for decades if it's looked after."),
]
# ~0.64 after the very same turns: under the quiet band's floor, inside the same turns' margin (0.16)
FOLLOW_UP = ("How do I get the rust off?", "What's the best way to clean the corrosion from it?")

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
# The margin that serves a quiet paraphrase under the threshold: the decision's (the default), the vetoes' band.
each_judge = pytest.mark.parametrize(("env", "margin"), [({}, "decision"), ({"NEARHIT_DECISION": "false"}, "quiet")])
Opener = Callable[..., AbstractAsyncContextManager[SemanticCache]]


@pytest.fixture
def configured(
    redis_url: str,
    redis_data_dir: Path,
    index_name: str,
    local_embedder: LocalEmbedder,
    monkeypatch: pytest.MonkeyPatch,
) -> Opener:
    """A cache opened from the environment given (as variables), with the guards on, on its own index."""

    @asynccontextmanager
    async def open_with(**env: str) -> AsyncIterator[SemanticCache]:
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        settings = load_settings(redis_url=redis_url, data_dir=redis_data_dir, index_name=index_name)
        cache = await bootstrap.open_cache(settings, local_embedder)
        try:
            yield cache
        finally:
            await drop_index(cache.redis, cache.spec.name, delete_entries=True)
            await cache.close()

    return open_with


async def served(cache: SemanticCache, stored: str, asked: str) -> LookupResult:
    await cache.store(stored, "the answer", SCOPE)
    return await cache.lookup(asked, SCOPE)


async def test_a_threshold_set_serves_nothing_under_it(configured: Opener) -> None:
    async with configured(SEMANTIC_SIMILARITY_THRESHOLD="0.99") as cache:
        result = await served(cache, STORED, PARAPHRASE)
    assert result.threshold == 0.99 and 0.89 <= (result.similarity or 0) < 0.99, result.candidates
    assert not result.hit, result.candidates


async def test_a_distance_threshold_set_is_a_floor_too(configured: Opener) -> None:
    async with configured(SEMANTIC_DISTANCE_THRESHOLD="0.01") as cache:
        assert not (await served(cache, STORED, PARAPHRASE)).hit


async def test_with_the_quiet_margin_set_too_the_band_serves_under_it(configured: Opener) -> None:
    """The quiet band is the guards as vetoes' margin (the decision carries its model's own)."""
    async with configured(
        SEMANTIC_SIMILARITY_THRESHOLD="0.99", NEARHIT_GUARDS_QUIET_MARGIN="0.10", NEARHIT_DECISION="false"
    ) as cache:
        result = await served(cache, STORED, PARAPHRASE)
    assert result.hit, result.candidates
    assert [c.margin for c in result.candidates if c.outcome == "served"] == ["quiet"]


@each_judge
async def test_with_nothing_set_the_default_threshold_keeps_its_margin(
    configured: Opener, env: dict[str, str], margin: str
) -> None:
    async with configured(**env) as cache:
        assert cache.threshold == DEFAULT_SIMILARITY_THRESHOLD and cache.fitted_margins
        result = await served(cache, *QUIET)
    assert result.hit and (result.similarity or 1) < DEFAULT_SIMILARITY_THRESHOLD, result.candidates
    assert [c.margin for c in result.candidates if c.outcome == "served"] == [margin]


async def test_the_default_threshold_set_by_hand_is_a_floor(configured: Opener) -> None:
    """The very value of the default, set: the user asked for it as a floor."""
    async with configured(SEMANTIC_SIMILARITY_THRESHOLD=str(DEFAULT_SIMILARITY_THRESHOLD)) as cache:
        assert not (await served(cache, *QUIET)).hit


@pytest.mark.parametrize(
    ("env", "hit"),
    [
        ({}, True),
        ({"SEMANTIC_SIMILARITY_THRESHOLD": str(DEFAULT_SIMILARITY_THRESHOLD)}, False),
        ({"SEMANTIC_SIMILARITY_THRESHOLD": str(DEFAULT_SIMILARITY_THRESHOLD), "NEARHIT_FITTED_MARGINS": "true"}, True),
        # The guards as vetoes alike: under the decision (the default) a conversation's lookup is judged by the
        # guards, with its margins.
        ({"NEARHIT_DECISION": "false"}, True),
        ({"NEARHIT_DECISION": "false", "SEMANTIC_SIMILARITY_THRESHOLD": str(DEFAULT_SIMILARITY_THRESHOLD)}, False),
    ],
)
async def test_a_conversations_same_turns_margin_follows_the_threshold(
    configured: Opener, env: dict[str, str], hit: bool
) -> None:
    async with configured(**env) as cache:
        await cache.store(ask(cache, BENCH, FOLLOW_UP[0]), "rust answer")
        result = await cache.lookup(ask(cache, BENCH, FOLLOW_UP[1]))
    assert result.hit is hit, result.candidates
    if hit:
        assert result.similarity is not None and result.similarity < DEFAULT_SIMILARITY_THRESHOLD - 0.10
        assert [c.margin for c in result.candidates if c.outcome == "served"] == ["same_turns"]


async def test_a_threshold_given_to_one_lookup_is_a_floor_too(configured: Opener) -> None:
    """``cache.lookup(prompt, threshold=...)``: the default threshold given by hand serves nothing under it, as
    set in the settings; the cache's own (no threshold given) keeps its margin (the decision's, by default)."""
    async with configured() as cache:
        await cache.store(QUIET[0], "the answer", SCOPE)
        given = await cache.lookup(QUIET[1], SCOPE, threshold=DEFAULT_SIMILARITY_THRESHOLD)
        own = await cache.lookup(QUIET[1], SCOPE)
    assert not given.hit and own.hit, (given.candidates, own.candidates)


@each_judge
async def test_a_threshold_given_to_one_lookup_keeps_the_margins_set(
    configured: Opener, env: dict[str, str], margin: str
) -> None:
    async with configured(NEARHIT_GUARDS_QUIET_MARGIN="0.10", NEARHIT_FITTED_MARGINS="true", **env) as cache:
        result = await served(cache, STORED, PARAPHRASE)
        assert result.hit and result.candidates[0].margin is None  # at the cache's threshold
        given = await cache.lookup(PARAPHRASE, SCOPE, threshold=0.99)
        await cache.store(ask(cache, BENCH, FOLLOW_UP[0]), "rust answer")
        follow_up = await cache.lookup(ask(cache, BENCH, FOLLOW_UP[1]), threshold=DEFAULT_SIMILARITY_THRESHOLD)
    assert [c.margin for c in given.candidates if c.outcome == "served"] == [margin], given.candidates
    assert [c.margin for c in follow_up.candidates if c.outcome == "served"] == ["same_turns"], follow_up.candidates


async def test_a_conversations_margin_is_a_floor_under_a_threshold_given_to_one_lookup(configured: Opener) -> None:
    async with configured() as cache:
        await cache.store(ask(cache, BENCH, FOLLOW_UP[0]), "rust answer")
        given = await cache.lookup(ask(cache, BENCH, FOLLOW_UP[1]), threshold=DEFAULT_SIMILARITY_THRESHOLD)
        own = await cache.lookup(ask(cache, BENCH, FOLLOW_UP[1]))
    assert not given.hit and own.hit, (given.candidates, own.candidates)
