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

    async def embed(self, texts: Sequence[str]) -> Vectors:
        future: asyncio.Future[Vectors] = asyncio.get_running_loop().create_future()
        self._pending.append((list(texts), future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            batch: list[_Pending] = []
            size = 0
            while self._pending and (not batch or size + len(self._pending[0][0]) <= self._max_batch):
                item = self._pending.pop(0)
                batch.append(item)
                size += len(item[0])
            texts = [text for item_texts, _ in batch for text in item_texts]
            try:
                vectors = await asyncio.to_thread(self._encode, texts)
            except Exception as exc:  # every waiter of this batch gets the error
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            offsets = np.cumsum([0] + [len(item_texts) for item_texts, _ in batch])
            for (_, future), start, end in zip(batch, offsets[:-1], offsets[1:], strict=True):
                if not future.done():
                    future.set_result(vectors[start:end])
