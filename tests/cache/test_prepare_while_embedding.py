"""With ``NEARHIT_GUARDS_PREPARE_WHILE_EMBEDDING``, a lookup works out what the guards read of its prompt alone
while its embedding runs in the model's thread (issue 18); off by default (on 2 cores the local model takes
both, and the work done meanwhile slowed it). What the guards say is the same either way
(tests/guards/test_prepared.py)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.base import Vectors
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GuardSet, GuardSignal, SignalGuard
from nearhit.service import bootstrap

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
HOLD_S = 2.0


class Recording(SignalGuard):
    """Says nothing; records the texts it is asked to prepare, and says when it was."""

    name = "recording"

    def __init__(self) -> None:
        self.prepared: list[str] = []
        self.done = threading.Event()

    def prepare(self, text: str) -> None:
        self.prepared.append(text)
        self.done.set()

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        return None


class Held:
    """The local embedder, its model call held (once armed) until the guards have prepared the prompt, or
    ``HOLD_S`` has passed: whether the preparation ran while the embedding was under way."""

    def __init__(self, inner: LocalEmbedder, prepared: threading.Event) -> None:
        self.inner, self.prepared = inner, prepared
        self.model_name, self.dimension = inner.model_name, inner.dimension
        self.armed = False
        self.overlapped: list[bool] = []

    async def embed(self, texts: Sequence[str]) -> Vectors:
        return await asyncio.to_thread(self._encode, texts)

    def _encode(self, texts: Sequence[str]) -> Vectors:
        if self.armed:
            self.overlapped.append(self.prepared.wait(timeout=HOLD_S))
        return self.inner.encode(texts)


@asynccontextmanager
async def _cache(
    settings: Settings, embedder: Held, recording: Recording, **changed: object
) -> AsyncIterator[SemanticCache]:
    """A cache on its own index with the recording guard last, one entry stored, the embedder then armed."""
    cache = await bootstrap.open_cache(settings.model_copy(update=changed), embedder)
    try:
        cache.guards = GuardSet([*GuardSet.default().guards, recording])
        await cache.store("How do I remove limescale from a shower head?", "Soak it in vinegar.", SCOPE)
        embedder.armed = True
        yield cache
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


async def test_the_prompt_is_prepared_while_its_embedding_runs(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    recording = Recording()
    embedder = Held(local_embedder, recording.done)
    prompt = "What's the best way to get limescale off a shower head?"
    async with _cache(settings, embedder, recording, guards_prepare_while_embedding=True) as cache:
        result = await cache.lookup(prompt, SCOPE, threshold=0.75)
    assert embedder.overlapped == [True] and recording.prepared == [prompt]
    assert result.match == "semantic"


async def test_off_by_default_with_the_local_model_the_guards_read_the_prompt_after_the_embedding(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    recording = Recording()
    embedder = Held(local_embedder, recording.done)
    recording.done.set()  # nothing to wait for: the default does not prepare
    async with _cache(settings, embedder, recording) as cache:
        result = await cache.lookup("What's the best way to get limescale off a shower head?", SCOPE, threshold=0.75)
    assert recording.prepared == [] and result.match == "semantic"


def test_unset_it_follows_the_embedder_and_a_setting_wins() -> None:
    local = Settings(_env_file=None, embedder="local")
    remote = Settings(_env_file=None, embedder="openai", openai_api_key="sk-test")
    assert bootstrap.prepare_while_embedding(local) is False
    assert bootstrap.prepare_while_embedding(remote) is True
    assert (
        bootstrap.prepare_while_embedding(remote.model_copy(update={"guards_prepare_while_embedding": False})) is False
    )
    assert bootstrap.prepare_while_embedding(local.model_copy(update={"guards_prepare_while_embedding": True})) is True
