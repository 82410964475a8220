"""Parts that fail for real inside a column, for the tests that check columns fail loudly: a guard with a
bug (installed on the running cache), an LLM provider with a bug, and a capture of nearhit's log."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Iterator, Mapping, Sequence
from typing import Any

from nearhit.guards import GuardSet, GuardSignal, GuardVerdict
from nearhit.llm import ChatMessage, LLMEvent, SimulatedLLM
from nearhit.service.runtime import Runtime


class BrokenGuard:
    """A guard that raises on every candidate it is asked about."""

    name = "broken"
    cut = 0.5

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        raise ValueError(f"guard bug on {candidate!r}")

    def check(self, query: str, candidate: str) -> GuardVerdict | None:
        raise ValueError(f"guard bug on {candidate!r}")


async def break_the_guards(runtime: Runtime) -> None:
    """The guards the running cache judges with, the decision's (the default) or the vetoes'."""
    cache = await runtime.cache()
    cache.guards = GuardSet([BrokenGuard()])
    if cache.decision is not None:
        cache.decision.guards = cache.guards


class BrokenLLM(SimulatedLLM):
    """Sends its first piece of text, then fails with an exception no provider is meant to raise."""

    async def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        temperature: float | None = None,
        max_tokens: int | None = None,
        model: str | None = None,
        params: Mapping[str, Any] | None = None,
    ) -> AsyncIterator[LLMEvent]:
        async for event in super().stream(messages, temperature=temperature, max_tokens=max_tokens, model=model):
            yield event
            raise RuntimeError("provider bug")


class _Records(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def tracebacks(self) -> list[str]:
        """The messages of the records logged with a traceback."""
        return [r.getMessage() for r in self.records if r.exc_info]


@contextlib.contextmanager
def nearhit_log() -> Iterator[_Records]:
    """nearhit's log records (the app's own set-up replaces the root handlers, so pytest's caplog misses them)."""
    handler = _Records()
    logger = logging.getLogger("nearhit")
    logger.addHandler(handler)
    try:
        yield handler
    finally:
        logger.removeHandler(handler)
