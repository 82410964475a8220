"""The library's ``open()`` arguments and ``answer()`` LLM functions at their most hostile (twelfth round of
hostile testing): refused with a named error, never ignored, never a hung caller."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from nearhit import AsyncCache, Cache, CacheClosed, ConfigError, InvalidInput
from tests.library.conftest import answer_in_a_thread


async def test_a_misspelt_setting_is_refused_not_ignored(redis_url: str, redis_data_dir: Path) -> None:
    # Ignored, the cache ran with the default threshold the caller meant to change.
    with pytest.raises(ConfigError, match=r"similarity_treshold' \(did you mean similarity_threshold\?\)"):
        await AsyncCache.open(redis_url, data_dir=redis_data_dir, similarity_treshold=0.5)
    # The names suggested are the arguments open() takes, never a field's internal name (similarity_threshold_env).
    with pytest.raises(ConfigError, match=r"'decison' \(did you mean decision\?\)"):
        await AsyncCache.open(redis_url, data_dir=redis_data_dir, decison=False)
    with pytest.raises(ConfigError, match="cache_tll"):
        await AsyncCache.open(redis_url, data_dir=redis_data_dir, cache_tll=60)


async def test_open_refuses_a_url_that_is_not_text_and_an_empty_model(redis_url: str, redis_data_dir: Path) -> None:
    with pytest.raises(InvalidInput, match="url must be"):
        await AsyncCache.open(6379, data_dir=redis_data_dir)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="model is empty"):  # was the served model, silently
        await AsyncCache.open(redis_url, data_dir=redis_data_dir, model="")


class Halt(BaseException):
    """What an LLM function may raise that is no ``Exception``: ``SystemExit``, ``KeyboardInterrupt``, a
    framework's cancellation."""


def test_an_llm_function_raising_a_base_exception_reaches_its_caller(sync_cache: Cache) -> None:
    # It escaped the cache's loop thread and ended it: the caller waited for ever, and every later call too.
    def halting(prompt: str) -> str:
        raise Halt("stop here")

    caller, raised = answer_in_a_thread(sync_cache, "Will this call come back?", halting)
    caller.join(timeout=20)
    assert not caller.is_alive(), "answer() never returned"
    assert len(raised) == 1 and isinstance(raised[0], Halt), raised
    assert sync_cache.lookup("Will this call come back?").answer is None  # nothing stored
    assert sync_cache.answer("Will this call come back?", lambda prompt: "Yes.").text == "Yes."


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")  # the loop thread's end
def test_a_call_waiting_on_a_loop_that_ended_is_told_not_left_waiting(sync_cache: Cache) -> None:
    # Something else ending the loop thread (a coroutine handed to submit() raising SystemExit) left every
    # call in progress waiting for ever.
    release = threading.Event()

    async def halt_soon() -> None:
        await asyncio.sleep(0.3)
        raise SystemExit("a submitted coroutine ends the loop")

    caller, raised = answer_in_a_thread(sync_cache, "Is anyone still there?", lambda prompt: str(release.wait(30)))
    sync_cache.submit(halt_soon())
    caller.join(timeout=10)
    release.set()
    assert not caller.is_alive(), "answer() never returned"
    assert len(raised) == 1 and isinstance(raised[0], CacheClosed), raised
    with pytest.raises(CacheClosed):
        sync_cache.lookup("Is anyone still there?")
    # The ended loop still holds the cache's tasks (its Redis tracking): finish them on it, from here.
    sync_cache._thread._loop.run_until_complete(sync_cache.inner.close())


@pytest.mark.parametrize("ttl", [0, -1, float("nan"), "60", 10**12])
async def test_answer_refuses_a_bad_ttl_before_calling_the_llm(acache: AsyncCache, ttl: object) -> None:
    # Found only at the store, after the LLM was paid for: a warning, nothing stored, every repeat a miss.
    calls: list[str] = []

    async def llm(prompt: str) -> str:
        calls.append(prompt)
        return "An answer."

    with pytest.raises(InvalidInput, match="ttl must be"):
        await acache.answer("How long is this kept?", llm, ttl=ttl)  # type: ignore[arg-type]
    assert calls == []


@pytest.mark.parametrize("call_llm", [None, "gpt-4o", 5])
async def test_answer_refuses_an_llm_function_that_is_none_before_the_lookup(
    acache: AsyncCache, call_llm: object
) -> None:
    # Taken, it was found only on a miss ("'NoneType' object is not callable", after the lookup), and a hit
    # answered as if nothing were wrong: code that worked while the cache was warm broke on the first miss.
    await acache.store("What is Redis?", "A store.")
    with pytest.raises(InvalidInput, match="call_llm must be"):
        await acache.answer("What is Redis?", call_llm)  # type: ignore[arg-type]


@pytest.mark.parametrize("call_llm", [None, "gpt-4o", 5])
def test_the_sync_answer_refuses_an_llm_function_that_is_none(sync_cache: Cache, call_llm: object) -> None:
    sync_cache.store("What is Redis?", "A store.")
    with pytest.raises(InvalidInput, match="call_llm must be"):
        sync_cache.answer("What is Redis?", call_llm)  # type: ignore[arg-type]
