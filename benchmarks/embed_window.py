"""Whether the local embedder's call leaves the event loop's thread free for CPU work (issue 14, lt39): a lookup's
embedding (the question and its context in one call, run in a worker thread as ``MicroBatcher`` runs it) timed
alone, then with a pure-Python CPU loop running meanwhile in the calling thread, and the loop's rate alone and during
the call. If the model released the GIL and left a core idle, the loop would run at its full rate and the call would
not slow; on a machine whose cores the model takes (``intra_op`` threads = cores), the two share them. Last, the
case that matters for a lookup: a short burst of work (``--burst`` ms, what a conversation's query side would read
during the call) done beside the call, then the loop idle: how much longer the call takes against alone.

    PYTHONPATH=src python benchmarks/embed_window.py [--threads N] [--burst MS]
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset


def spin(until: threading.Event) -> int:
    """Pure-Python work (holds the GIL) until ``until`` is set: how many steps it did."""
    steps = 0
    while not until.is_set():
        total = 0
        for n in range(200):
            total += n * n
        steps += 1
    return steps


def rate_alone(seconds: float = 0.2) -> float:
    """The loop's steps per ms with nothing beside it."""
    done = threading.Event()
    timer = threading.Timer(seconds, done.set)
    timer.start()
    started = time.perf_counter()
    steps = spin(done)
    return steps / ((time.perf_counter() - started) * 1000)


def burst(steps: int) -> None:
    """``steps`` of :func:`spin`'s work, then return."""
    for _ in range(steps):
        total = 0
        for n in range(200):
            total += n * n


def timed_call(embedder: LocalEmbedder, batch: list[str], steps: int) -> float:
    """One call in a worker thread, ``steps`` of work done meanwhile in this one: the call's ms."""
    took: list[float] = []

    def call() -> None:
        started = time.perf_counter()
        embedder.encode(batch)
        took.append((time.perf_counter() - started) * 1000)

    worker = threading.Thread(target=call)
    worker.start()
    burst(steps)
    worker.join()
    return took[0]


def main(threads: int | None, burst_ms: float) -> None:
    embedder = LocalEmbedder(threads=threads)
    pairs = [p for p in dataset.load("conversations", "dev") if p.b.history][:60]
    batches = [[p.b.prompt, " ".join(text for _, text in p.b.history)] for p in pairs]
    for batch in batches[:5]:
        embedder.encode(batch)  # warm
    alone, beside, rates = [], [], []
    for batch in batches:
        started = time.perf_counter()
        embedder.encode(batch)
        alone.append((time.perf_counter() - started) * 1000)
        done = threading.Event()
        took: list[float] = []

        def call(batch: list[str] = batch, done: threading.Event = done, took: list[float] = took) -> None:
            started = time.perf_counter()
            embedder.encode(batch)
            took.append((time.perf_counter() - started) * 1000)
            done.set()

        worker = threading.Thread(target=call)
        worker.start()
        started = time.perf_counter()
        steps = spin(done)
        elapsed = (time.perf_counter() - started) * 1000
        worker.join()
        beside.append(took[0])
        rates.append(steps / elapsed)
    full = statistics.median(rate_alone() for _ in range(5))
    print(f"{len(batches)} calls (question + context), intra_op threads {threads or 'default (cores)'}")
    print(
        f"embed p50 alone {statistics.median(alone):.2f} ms, with the loop beside it {statistics.median(beside):.2f} ms"
    )
    print(
        f"the loop during the call: {statistics.median(rates):.1f} steps/ms against {full:.1f} alone "
        f"({statistics.median(rates) / full:.0%} of a core)"
    )
    steps = round(burst_ms * full)
    idle = [timed_call(embedder, batch, 0) for batch in batches]
    busy = [timed_call(embedder, batch, steps) for batch in batches]
    print(
        f"a {burst_ms} ms burst beside the call: the call p50 {statistics.median(busy):.2f} ms against "
        f"{statistics.median(idle):.2f} ms with none (both in a worker thread)"
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--burst", type=float, default=0.5)
    arguments = parser.parse_args()
    main(arguments.threads, arguments.burst)
