"""The library's ``open()`` arguments and ``answer()`` LLM functions at their most hostile (twelfth round of
hostile testing): refused with a named error, never ignored, never a hung caller."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from nearhit import AsyncCache, Cache, ConfigError, InvalidInput


async def test_a_misspelt_setting_is_refused_not_ignored(redis_url: str, redis_data_dir: Path) -> None:
    # Ignored, the cache ran with the default threshold the caller meant to change.
    with pytest.raises(ConfigError, match=r"similarity_treshold.*similarity_threshold"):
        await AsyncCache.open(redis_url, data_dir=redis_data_dir, similarity_treshold=0.5)
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

    raised: list[BaseException] = []

    def ask() -> None:
        try:
            sync_cache.answer("Will this call come back?", halting)
        except BaseException as exc:  # the test reports what was raised
            raised.append(exc)

    caller = threading.Thread(target=ask, daemon=True)
    caller.start()
    caller.join(timeout=20)
    assert not caller.is_alive(), "answer() never returned"
    assert len(raised) == 1 and isinstance(raised[0], Halt), raised
    assert sync_cache.lookup("Will this call come back?").answer is None  # nothing stored
    assert sync_cache.answer("Will this call come back?", lambda prompt: "Yes.").text == "Yes."
