"""A conversation's second chances run beside the LLM call its miss makes (issue 14, latency;
``NEARHIT_SECOND_CHANCES_BESIDE_LLM``, ``service.beside``): a second chance that serves drops the call and stores
nothing; a miss streams the call's answer whole and stores it once, after its second chances; a second chance that
fails leaves the answer unharmed; off, no call starts before the second chances are over. Through ``/ask/stream`` and
``/v1/chat/completions``, the real server and the real embedded Redis."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from nearhit.cache import SemanticCache
from nearhit.cache.lookup import Lookup
from nearhit.config import Settings
from nearhit.economics.prices import request_cost
from nearhit.embeddings.local import LocalEmbedder
from nearhit.llm import ChatMessage, LLMEvent, SimulatedLLM, count_message_tokens
from nearhit.service import bootstrap
from nearhit.service.answering import Answerer
from nearhit.service.request import AskRequest
from nearhit.service.runtime import Runtime
from tests.api.test_conversations import CACHED, GREETING_THEN_RETOLD, STARTER, TRAPS, Turns
from tests.support.cleanup import forget_index
from tests.support.live import LiveServer
from tests.support.live import serve as serve_app
from tests.support.sse import ask_stream
from tests.support.waiting import eventually, settled

FED = "How often should I feed it?"
FEEDING = "How often does it need feeding?"
"""Asked after ``GREETING_THEN_RETOLD``: served ``STARTER``'s entry by a second chance (turn by turn), not at the
first look (tests/api/test_conversations.py)."""


class CountingLLM(SimulatedLLM):
    """The simulated model, counting the generations it starts, ends and has cancelled; ``ttft`` settable."""

    def __init__(self) -> None:
        super().__init__("gpt-4o", ttft_ms=10, tokens_per_second=2000)
        self.started = self.finished = self.cancelled = 0
        self.order: list[str] = []  # "asked" as each generation starts (a test adds its own marks)

    def ttft(self, seconds: float) -> None:
        self._ttft = seconds

    async def stream(self, messages: Sequence[ChatMessage], **options: Any) -> AsyncIterator[LLMEvent]:
        self.started += 1
        self.order.append("asked")
        try:
            async for event in super().stream(messages, **options):
                yield event
        except asyncio.CancelledError:
            self.cancelled += 1
            raise
        self.finished += 1


@contextlib.asynccontextmanager
async def running(
    settings: Settings, embedder: LocalEmbedder, llm: CountingLLM, **update: Any
) -> AsyncIterator[LiveServer]:
    """``live`` (tests/api/conftest.py), on ``llm``."""
    own = settings.model_copy(update={"guards": True, **update})
    runtime = Runtime(own, embedder, llm)
    async with serve_app(own, runtime) as server:
        yield server
    name = (await runtime.cache()).spec.name
    await runtime.close()
    redis = await bootstrap.connect_redis(own)
    try:
        await forget_index(redis, name)
    finally:
        await redis.aclose()


async def asked(live: LiveServer, history: Turns, prompt: str) -> dict[str, list[dict[str, Any]]]:
    """One ``/ask/stream`` call's events by kind, once its flight is over."""
    stream = await ask_stream(live.client, {"prompt": prompt, "history": history, "include_raw": False})
    await settled(live.runtime)
    kinds: dict[str, list[dict[str, Any]]] = {}
    for kind, data in stream:
        kinds.setdefault(kind, []).append(data)
    return kinds


async def entries(live: LiveServer) -> int:
    return (await (await live.runtime.cache()).stats()).entries


@pytest.fixture
def llm() -> CountingLLM:
    return CountingLLM()


async def test_a_second_chance_serves_and_drops_the_call_it_started(
    settings: Settings, local_embedder: LocalEmbedder, llm: CountingLLM
) -> None:
    async with running(settings, local_embedder, llm) as live:
        await asked(live, STARTER, FED)
        assert (llm.started, llm.finished, await entries(live)) == (1, 1, 1)
        llm.ttft(5.0)  # the call would answer long after the second chance
        events = await asked(live, GREETING_THEN_RETOLD, FEEDING)
        document, done = events["cache_document"][0], events["column_complete"][0]
        assert document["match"] == "semantic" and document["context"]["turn_by_turn"] is True, document
        assert document["llm_started"] is True and done["llm_started"] is True
        assert (live.runtime.flights.started, llm.started, llm.cancelled, llm.finished) == (2, 2, 1, 1)
        assert "content_chunk" in events and done["outcome"] == "semantic"
        assert await entries(live) == 1  # nothing stored
        # What it saved: the entry's price less the dropped call's input, as a miss's prompt is priced.
        messages = AskRequest(
            FEEDING, history=tuple(ChatMessage(t["role"], t["content"]) for t in GREETING_THEN_RETOLD)
        )
        billed = request_cost("gpt-4o", count_message_tokens(messages.messages(), "gpt-4o"), 0).usd
        assert billed > 0
        assert done["cost_saved_usd"] == pytest.approx(document["answer"]["cost_usd"] - billed)


async def test_the_second_chances_start_once_the_call_is_asked(
    settings: Settings, local_embedder: LocalEmbedder, llm: CountingLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Not before: their CPU and the embedder's threads would hold the loop the call's start needs (~7 ms of the
    wait before the call starts, benchmarks/README.md, ov36)."""
    second_chances = SemanticCache._second_chances

    async def noted(*args: Any) -> None:
        llm.order.append("second chances")
        await second_chances(*args)

    async with running(settings, local_embedder, llm) as live:
        await asked(live, STARTER, FED)
        monkeypatch.setattr(SemanticCache, "_second_chances", noted)
        llm.ttft(5.0)
        llm.order.clear()
        document = (await asked(live, GREETING_THEN_RETOLD, FEEDING))["cache_document"][0]
        assert document["match"] == "semantic", document
        assert llm.order == ["asked", "second chances"]


async def test_off_no_call_starts_before_the_second_chances_served(
    settings: Settings, local_embedder: LocalEmbedder, llm: CountingLLM
) -> None:
    async with running(settings, local_embedder, llm, second_chances_beside_llm=False) as live:
        await asked(live, STARTER, FED)
        events = await asked(live, GREETING_THEN_RETOLD, FEEDING)
        document, done = events["cache_document"][0], events["column_complete"][0]
        assert document["match"] == "semantic" and "llm_started" not in document, document
        assert (live.runtime.flights.started, llm.started) == (1, 1)
        assert done["llm_started"] is False and done["cost_saved_usd"] == pytest.approx(document["answer"]["cost_usd"])


async def test_a_miss_streams_its_call_whole_and_stores_once_after_its_second_chances(
    settings: Settings, local_embedder: LocalEmbedder, llm: CountingLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, Lookup, frozenset[str]]] = []
    second_chances, store = SemanticCache._second_chances, SemanticCache.store

    async def slow_second_chances(cache: SemanticCache, result: Any, query: Lookup, *rest: Any) -> None:
        await asyncio.sleep(0.5)  # the call (10 ms to its first token) has answered by then
        await second_chances(cache, result, query, *rest)
        seen.append(("second chances", query, frozenset(query.embedded)))

    async def seen_store(cache: SemanticCache, prompt: Any, *args: Any, **kwargs: Any) -> str:
        seen.append(("store", prompt, frozenset(prompt.embedded)))
        return await store(cache, prompt, *args, **kwargs)

    async with running(settings, local_embedder, llm) as live:
        await asked(live, CACHED, "How do I cancel it?")
        seen.clear()
        monkeypatch.setattr(SemanticCache, "_second_chances", slow_second_chances)
        monkeypatch.setattr(SemanticCache, "store", seen_store)
        events = await asked(live, TRAPS["detail swap"], "How do I cancel it?")
        document, done = events["cache_document"][0], events["column_complete"][0]
        assert document["match"] is None and not document["degraded"], document
        assert "".join(chunk["content"] for chunk in events["content_chunk"])
        assert done["status"] == "done" and done["finish_reason"] == "stop" and done["completion_tokens"] > 0
        assert done["store"] == "stored" and await entries(live) == 2
        assert (llm.started, llm.finished) == (2, 2)
        # The store ran once, after the second chances, with the Lookup they added their embeddings to.
        assert [name for name, _, _ in seen] == ["second chances", "store"]
        (_, looked_up, embedded), (_, stored, kept) = seen
        assert stored is looked_up and kept == embedded


async def test_a_second_chance_that_fails_leaves_the_answer_unharmed(
    settings: Settings, local_embedder: LocalEmbedder, llm: CountingLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def failing(*args: Any) -> None:
        raise RedisConnectionError("Redis went away during a second chance")

    async with running(settings, local_embedder, llm) as live:
        await asked(live, CACHED, "How do I cancel it?")
        monkeypatch.setattr(SemanticCache, "_second_chances", failing)
        events = await asked(live, TRAPS["detail swap"], "How do I cancel it?")
        document, done = events["cache_document"][0], events["column_complete"][0]
        assert document["degraded"] is True and "Redis went away" in document["reason"], document
        assert done["status"] == "degraded" and done["finish_reason"] == "stop" and done["completion_tokens"] > 0
        assert "".join(chunk["content"] for chunk in events["content_chunk"])
        assert done["store"] == "skipped" and await entries(live) == 1
        assert (llm.started, llm.finished) == (2, 2)


async def test_a_request_cancelled_during_its_second_chances_leaves_no_task(
    settings: Settings, local_embedder: LocalEmbedder, llm: CountingLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    second_chances = SemanticCache._second_chances

    async def slow_second_chances(*args: Any) -> None:
        await asyncio.sleep(5)
        await second_chances(*args)

    async with running(settings, local_embedder, llm) as live:
        await asked(live, STARTER, FED)
        monkeypatch.setattr(SemanticCache, "_second_chances", slow_second_chances)
        llm.ttft(5.0)
        finished = llm.finished  # the first question's call
        history = tuple(ChatMessage(t["role"], t["content"]) for t in GREETING_THEN_RETOLD)
        answerer = Answerer(live.runtime)
        request = AskRequest(FEEDING, history=history)
        column = answerer.cached(request.checked(answerer.model_for(request), settings.max_prompt_chars))
        reading = asyncio.create_task(anext(column))
        # Polled every loop turn: cancelled in the turns right after its call is asked, which wake its second chances
        # (a cancel asyncio.wait_for swallowed there on 3.11 let the call run to its end: tests/service/test_beside.py)
        await eventually(lambda: llm.started == 2, interval=0)
        reading.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await reading
        await column.aclose()

        def beside_tasks() -> list[asyncio.Task[Any]]:
            names = ("Beside.", "SemanticCache._finish", "FirstLook.finish")
            return [t for t in asyncio.all_tasks() if not t.done() and any(n in repr(t.get_coro()) for n in names)]

        def left_behind() -> bool:  # what is left is named when it fails
            left = (beside_tasks(), llm.cancelled, llm.finished - finished, dict(live.runtime.flights._flights))
            assert not left[0] and left[1:3] == (1, 0) and not left[3], (
                f"tasks, cancelled/finished calls, flights: {left}"
            )
            return True

        await eventually(left_behind)
        assert await entries(live) == 1
