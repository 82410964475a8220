"""``/health`` while the guards judge a prompt at the size limit: one sentence said again and again (32,000
characters), asked through ``POST /ask`` and the gateway after three near variants of it were stored.

    python benchmarks/long_prompt_health.py                      # this tree
    python benchmarks/long_prompt_health.py --against 2679950    # and an older commit, one after the other

One server per tree (``service.server``: the simulated LLM, the local embedder) on an embedded Redis in a temporary
folder. A thread polls ``/health`` every 20 ms while each timed request runs; the row gives the request's time and
the slowest ``/health`` answer meanwhile (the event loop held by a request's CPU shows there). Prints a Markdown
table.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import tempfile
import threading
import time
from pathlib import Path

import httpx

from nearhit import redis_server
from service import ROOT, Tree, chat_body, older_tree, server

LIMIT = 32_000
SENTENCES = ("How long does a passport renewal take in Ohio? ", "1 2 ")


def repeated(sentence: str) -> str:
    return (sentence * (LIMIT // len(sentence) + 1))[:LIMIT]


def variants(base: str) -> list[str]:
    """Three stored near variants, and the two asked (through /ask, through the gateway)."""
    return [base[:-3] + "9 x", "3 " + base[2:], base[:-50], base[:-7] + " please", base[:-8] + " thanks?"]


class HealthPoller:
    """``GET /health`` every 20 ms from a thread of its own; the slowest answer since :meth:`reset`."""

    def __init__(self, url: str) -> None:
        self.url, self.slowest, self._stop = url, 0.0, threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)

    def __enter__(self) -> HealthPoller:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> None:
        self.slowest = 0.0

    def _poll(self) -> None:
        with httpx.Client(base_url=self.url, timeout=60) as client:
            while not self._stop.is_set():
                started = time.perf_counter()
                with contextlib.suppress(httpx.HTTPError):
                    client.get("/health")
                self.slowest = max(self.slowest, time.perf_counter() - started)
                time.sleep(0.02)


async def measure(label: str, url: str) -> list[str]:
    rows = []
    async with httpx.AsyncClient(base_url=url, timeout=300) as client:
        with HealthPoller(url) as poller:
            for sentence in SENTENCES:
                *stored, asked, via_gateway = variants(repeated(sentence))
                for prompt in stored:
                    await client.post("/ask", json={"prompt": prompt, "include_raw": False})
                await asyncio.sleep(2)  # the stores run in the background
                for face, prompt in (("/ask", asked), ("gateway", via_gateway)):
                    poller.reset()
                    started = time.perf_counter()
                    if face == "/ask":
                        reply = await client.post("/ask", json={"prompt": prompt, "include_raw": False})
                        outcome = reply.json()["cache"]["outcome"]
                    else:
                        reply = await client.post(
                            "/v1/chat/completions", content=chat_body(prompt, {}, False),
                            headers={"content-type": "application/json"},
                        )  # fmt: skip
                        outcome = reply.headers.get("x-nearhit-cache", "?")
                    took = time.perf_counter() - started
                    rows.append(
                        f"| {label} | {sentence.strip()[:20]!r} | {face} | {outcome} | {took * 1000:,.0f} "
                        f"| {poller.slowest * 1000:,.0f} |"
                    )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--against", help="an older commit, measured after this tree")
    args = parser.parse_args()
    rows = [
        "| tree | sentence | face | outcome | request ms | slowest /health ms meanwhile |",
        "|---|---|---|---|---:|---:|",
    ]
    with contextlib.ExitStack() as stack:
        trees = [Tree("this tree", ROOT)]
        if args.against:
            trees.append(stack.enter_context(older_tree(args.against)))
        for n, tree in enumerate(trees):
            folder = Path(tempfile.mkdtemp(prefix="nearhit-long-prompt-"))
            redis, _ = redis_server.ensure_running(folder)
            try:
                with server(tree, redis.url, 1, f"bench_long_{n}") as url:
                    rows += asyncio.run(measure(tree.label, url))
            finally:
                redis_server.stop(folder)
    print("\n".join(rows))


if __name__ == "__main__":
    main()
