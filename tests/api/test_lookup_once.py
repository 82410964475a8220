"""A request is turned once into a :class:`~nearhit.cache.lookup.Lookup`: on a miss its prompt is checked once
and normalised once, for the lookup, the single-flight key and the store, and the store writes the vector
the lookup computed (no second embedding, no second read of the embedding store)."""

from __future__ import annotations

import sys
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from nearhit import validate
from nearhit.cache import keys
from nearhit.service.answering import Answerer
from nearhit.service.events import ColumnDone
from nearhit.service.request import AskRequest
from tests.api.conftest import LiveServer
from tests.support.sse import ask_stream

Calls = Counter[str]


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Iterator[Calls]:
    """Count the calls of the prompt check and of normalisation, wherever a module holds them, on the request's path:
    the chat's next turn read ahead after the store (its own thread, ``SemanticCache.read_next_turn``) normalises
    another text, the next request's turns, and is not counted."""
    counted: Calls = Counter()
    for name, original in (("validate.prompt", validate.prompt), ("normalise", keys.normalise)):
        wrapper = _counting(counted, name, original)
        for module in list(sys.modules.values()):
            if not (getattr(module, "__name__", "") or "").startswith("nearhit"):
                continue
            for attribute, value in list(vars(module).items()):
                if value is original:
                    monkeypatch.setattr(module, attribute, wrapper)
    yield counted


def _counting(counted: Calls, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if not threading.current_thread().name.startswith("nearhit-read-ahead"):
            counted[name] += 1
        return original(*args, **kwargs)

    return wrapper


async def test_a_miss_over_http_checks_and_normalises_its_prompt_once(live: LiveServer, calls: Calls) -> None:
    cache = await live.runtime.cache()
    embedded = _count_embeddings(cache.embedder)
    before = (cache.embeddings.hits, cache.embeddings.misses)
    stream = await ask_stream(live.client, {"prompt": "How many times is this prompt checked?", "include_raw": False})
    complete = next(data for kind, data in stream if kind == "column_complete")
    assert complete["outcome"] == "miss" and complete["store"] == "stored"
    assert calls == {"validate.prompt": 1, "normalise": 1}
    assert embedded == [1]  # the store wrote the lookup's vector
    assert (cache.embeddings.hits, cache.embeddings.misses) == (before[0], before[1] + 1)  # no second read


async def test_a_miss_through_the_service_checks_and_normalises_its_prompt_once(live: LiveServer, calls: Calls) -> None:
    events = [event async for event in Answerer(live.runtime).cached(AskRequest("Checked once, in the service?"))]
    done = events[-1]
    assert isinstance(done, ColumnDone) and done.record.outcome == "miss" and done.store == "stored"
    assert calls == {"validate.prompt": 1, "normalise": 1}


def _count_embeddings(embedder: Any) -> list[int]:
    """How many embed calls ``embedder`` gets from now on (one counter in a list, read by the test)."""
    count = [0]
    original = embedder.embed

    async def embed(texts: Any) -> Any:
        count[0] += 1
        return await original(texts)

    embedder.embed = embed
    return count
