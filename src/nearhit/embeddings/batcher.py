"""Micro-batching: concurrent ``embed`` calls share one model call.

A lone caller runs at once (no waiting window); callers that arrive while a batch is running are
collected and run together in the next one. That gives the throughput of batching under load and the
latency of a direct call when idle.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence

import numpy as np

from nearhit.embeddings.base import Vectors

_Pending = tuple[list[str], asyncio.Future[Vectors]]


class MicroBatcher:
    """Runs ``encode`` (a blocking function) in a worker thread on batches of at most ``max_batch`` texts."""

    def __init__(self, encode: Callable[[Sequence[str]], Vectors], max_batch: int = 64) -> None:
        self._encode = encode
        self._max_batch = max_batch
        self._pending: list[_Pending] = []
        self._worker: asyncio.Task[None] | None = None
        self._busy = False  # a model call is running (a lone caller's or a batch's): newcomers wait for the next

    async def embed(self, texts: Sequence[str]) -> Vectors:
        loop = asyncio.get_running_loop()
        if self._busy:
            future: asyncio.Future[Vectors] = loop.create_future()
            self._pending.append((list(texts), future))
            return await future
        # Idle: the caller hands its texts to the thread itself, with no task or future of the batcher's between
        # (0.10-0.13 ms of the event loop's CPU per embedding at load 12-16: benchmarks/README.md, ninth session).
        self._busy = True
        try:
            return await loop.run_in_executor(None, self._encode, list(texts))
        finally:
            if self._pending:
                self._worker = asyncio.create_task(self._drain())
            else:
                self._busy = False

    async def _drain(self) -> None:
        try:
            while self._pending:
                batch: list[_Pending] = []
                size = 0
                while self._pending and (not batch or size + len(self._pending[0][0]) <= self._max_batch):
                    item = self._pending.pop(0)
                    batch.append(item)
                    size += len(item[0])
                texts = [text for item_texts, _ in batch for text in item_texts]
                try:
                    vectors = await asyncio.get_running_loop().run_in_executor(None, self._encode, texts)
                except Exception as exc:  # every waiter of this batch gets the error
                    for _, future in batch:
                        if not future.done():
                            future.set_exception(exc)
                    continue
                offsets = np.cumsum([0] + [len(item_texts) for item_texts, _ in batch])
                for (_, future), start, end in zip(batch, offsets[:-1], offsets[1:], strict=True):
                    if not future.done():
                        future.set_result(vectors[start:end])
        finally:
            self._busy = False
