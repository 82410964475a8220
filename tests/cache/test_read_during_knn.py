"""With ``NEARHIT_GUARDS_READ_DURING_KNN``, a semantic lookup reads its prompt (what the judge reads of it alone:
:meth:`GuardSet.prepare`) while Redis runs the KNN, so that once the candidates come back only their texts are
left to read (issue 13). The results are the same either way; an exact hit reads nothing; a prompt over
``READ_AHEAD_CHARS`` is read as before, by the judge; off by default."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from functools import _lru_cache_wrapper
from typing import Any

import nearhit.decision
import nearhit.guards
from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.cache.results import LookupResult
from nearhit.cache.semantic_cache import READ_AHEAD_CHARS
from nearhit.config import Settings
from nearhit.decision import Decision
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GuardSet, GuardSignal, SignalGuard
from nearhit.service import bootstrap

SCOPE = Scope.build(model="gpt-4o", tenant="acme")
STORED = [
    ("How do I remove limescale from a shower head?", "Soak it in white vinegar overnight."),
    ("How many litres of paint cover 40 square metres of fence?", "About 4 litres for one coat."),
    ("Can I ship lithium batteries with Parcelforce?", "Only inside the equipment they power."),
]
ASKED = [
    "How can I get limescale off my shower head?",  # a paraphrase
    "How many litres of paint cover 25 square metres of fence?",  # a number changed
    "Can I ship lithium batteries with Evri?",  # a name changed
    "Why won't my sourdough rise in a cold kitchen?",  # nothing near
]


class Recording(SignalGuard):
    """Says nothing; records the texts it is asked to prepare, and whether a text it judges was prepared first."""

    name = "recording"

    def __init__(self) -> None:
        self.prepared: list[str] = []
        self.judged_prepared: list[bool] = []

    def prepare(self, text: str) -> None:
        self.prepared.append(text)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        self.judged_prepared.append(query in self.prepared)
        return None


def _text_caches() -> Iterator[_lru_cache_wrapper[object]]:
    """Every per-text (bounded) cache of the guards' and the decision's modules: a prompt read cold."""
    for package in (nearhit.guards, nearhit.decision):
        for info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package.__name__}.{info.name}")
            for value in vars(module).values():
                if isinstance(value, _lru_cache_wrapper) and value.cache_info().maxsize is not None:
                    yield value


def _cold(*caches: SemanticCache) -> None:
    for cached in _text_caches():
        cached.cache_clear()
    for cache in caches:
        assert cache.decision is not None
        guards = cache.decision.guards
        for memo in (guards.deciding_signals, guards.signal_after, cache.decision.pair_features):
            memo.cache_clear()
        guards._all_signals.cache_clear()


def _outcome(result: LookupResult) -> dict[str, Any]:
    """What the lookup decided and why (not how long it took)."""
    data = result.to_dict()
    del data["timings_ms"]
    return data


@asynccontextmanager
async def _caches(settings: Settings, embedder: LocalEmbedder) -> AsyncIterator[tuple[SemanticCache, SemanticCache]]:
    """Two caches under the decision on one index holding ``STORED``: the prompt read during the KNN, and after."""
    during = await bootstrap.open_cache(
        settings.model_copy(update={"guards": True, "guards_read_during_knn": True}), embedder
    )
    after = await bootstrap.open_cache(settings.model_copy(update={"guards": True}), embedder)  # the default
    try:
        for prompt, answer in STORED:
            await during.store(prompt, answer, SCOPE)
        yield during, after
    finally:
        await drop_index(during.redis, during.spec.name, delete_entries=True)
        await during.close()
        await after.close()


async def test_the_same_results_with_the_prompt_read_during_the_knn_or_after(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    async with _caches(settings, local_embedder) as (during, after):
        assert during.read_during_knn and not after.read_during_knn and during.decision is not None
        outcomes = []
        for prompt in ASKED:
            pair = []
            for cache in (during, after):
                _cold(during, after)
                pair.append(_outcome(await cache.lookup(prompt, SCOPE, threshold=0.75)))
            outcomes.append(pair)
    assert all(read_during == read_after for read_during, read_after in outcomes)
    matches = [read_during["match"] for read_during, _ in outcomes]
    assert matches[0] == "semantic" and matches[3] is None  # a hit and a miss among them
    assert any(read_during["rejection_reason"] for read_during, _ in outcomes)  # and a refusal with its reason


async def test_the_prompt_is_read_before_its_candidates_are_judged_and_only_after_an_exact_miss(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    recording = Recording()
    async with _caches(settings, local_embedder) as (cache, _):
        guards = GuardSet([*GuardSet.default().guards, recording])
        cache.guards, cache.decision = guards, Decision(guards)
        result = await cache.lookup(ASKED[0], SCOPE, threshold=0.75)
        assert result.match == "semantic"
        assert recording.prepared == [ASKED[0]]  # once: not during the embedding too (off for the local model)
        assert recording.judged_prepared and all(recording.judged_prepared)
        exact = await cache.lookup(STORED[1][0], SCOPE)
    assert exact.match == "exact" and recording.prepared == [ASKED[0]]


async def test_a_prompt_too_long_to_read_ahead_is_read_by_the_judge_as_before(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    recording = Recording()
    long = ASKED[0] + " I have tried scrubbing it with a brush and it did not help." * 20
    assert len(long) > READ_AHEAD_CHARS
    async with _caches(settings, local_embedder) as (cache, _):
        guards = GuardSet([*GuardSet.default().guards, recording])
        cache.guards, cache.decision = guards, Decision(guards)
        await cache.lookup(long, SCOPE, threshold=0.5)
    assert recording.prepared == [] and recording.judged_prepared and not any(recording.judged_prepared)
