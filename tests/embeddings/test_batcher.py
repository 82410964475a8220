"""The micro-batcher: a lone call goes straight to the model's thread; calls arriving while the model runs
share its next call; an error reaches every caller of its batch and leaves the batcher working."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence

import numpy as np
import pytest

from nearhit.embeddings.batcher import MicroBatcher


class Model:
    """An encode that records its calls; held at its first call until ``release`` is set (when ``hold``)."""

    def __init__(self, hold: bool = False, fail_on: str | None = None) -> None:
        self.calls: list[list[str]] = []
        self.threads: set[int] = set()
        self.started = threading.Event()
        self.release = threading.Event()
        if not hold:
            self.release.set()
        self.fail_on = fail_on

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        self.calls.append(list(texts))
        self.threads.add(threading.get_ident())
        self.started.set()
        assert self.release.wait(10)
        if self.fail_on in texts:
            raise RuntimeError(f"cannot embed {self.fail_on}")
        return np.array([[float(len(text))] for text in texts], dtype=np.float32)


async def test_a_lone_call_runs_at_once_in_another_thread() -> None:
    model = Model()
    vectors = await MicroBatcher(model.encode).embed(["abc", "de"])
    assert model.calls == [["abc", "de"]]
    assert vectors.tolist() == [[3.0], [2.0]]
    assert threading.get_ident() not in model.threads  # the event loop is not blocked by the model


async def test_a_lone_call_hands_its_texts_over_itself_with_no_task_of_the_batchers() -> None:
    """What an idle batcher saves a lookup: a task and a future of its own, ~0.13 ms of the event loop's CPU."""
    model = Model(hold=True)
    before = asyncio.all_tasks()  # the loop may be shared with other tests' background work
    call = asyncio.ensure_future(MicroBatcher(model.encode).embed(["a"]))
    await asyncio.to_thread(model.started.wait, 10)
    assert asyncio.all_tasks() - before == {call}
    model.release.set()
    assert (await call).tolist() == [[1.0]]


async def test_calls_arriving_while_the_model_runs_share_its_next_call() -> None:
    model = Model(hold=True)
    batcher = MicroBatcher(model.encode, max_batch=3)
    first = asyncio.ensure_future(batcher.embed(["a"]))
    await asyncio.to_thread(model.started.wait, 10)
    later = [asyncio.ensure_future(batcher.embed(texts)) for texts in (["bb"], ["ccc", "dddd"], ["eeeee"])]
    await asyncio.sleep(0)  # one turn: each later call queues behind the running one
    model.release.set()
    results = await asyncio.gather(first, *later)
    assert model.calls == [["a"], ["bb", "ccc", "dddd"], ["eeeee"]]  # at most max_batch texts a call
    assert [r.tolist() for r in results] == [[[1.0]], [[2.0]], [[3.0], [4.0]], [[5.0]]]
    assert (await batcher.embed(["ff"])).tolist() == [[2.0]]  # idle again: at once
    assert model.calls[-1] == ["ff"]


async def test_an_error_reaches_every_caller_of_its_batch_and_the_next_call_runs() -> None:
    model = Model(hold=True, fail_on="bad")
    batcher = MicroBatcher(model.encode)
    first = asyncio.ensure_future(batcher.embed(["ok"]))
    await asyncio.to_thread(model.started.wait, 10)
    later = [asyncio.ensure_future(batcher.embed(texts)) for texts in (["bad"], ["fine"])]
    await asyncio.sleep(0)
    model.release.set()
    assert (await first).tolist() == [[2.0]]
    for call in later:
        with pytest.raises(RuntimeError, match="cannot embed bad"):
            await call
    with pytest.raises(RuntimeError):
        await batcher.embed(["bad"])  # a lone call's error is its own
    assert (await batcher.embed(["again"])).tolist() == [[5.0]]
