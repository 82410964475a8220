"""The service over HTTP, measured from a client on loopback: the cache column of ``/ask/stream`` (exact hits,
semantic hits, misses), exact hits through the OpenAI gateway (JSON and streamed, plain and with tools + a
JSON schema in the scope), ``GET /v1/models`` as the HTTP floor of the same server, and exact-hit requests/s
with 1 and 2 workers.

    python benchmarks/service.py                    # ~2 minutes
    python benchmarks/service.py --against HEAD~3   # the same run against an older commit, interleaved
    python benchmarks/service.py --gateway-only

Each tree gets its own embedded Redis (a temporary folder) and ``uvicorn <tree's app factory>`` with
``PYTHONPATH=<tree>/src``, the simulated LLM at its default time to first token (450 ms), so a miss shows what
the LLM costs. ``--against REV`` checks ``REV`` out in a temporary ``git worktree`` and starts the same servers
from it; requests alternate between the two trees (the order flips every request), so load on the shared
machine falls on both, and every row reports its own before/after ratio (this tree / REV). The raw column of
``/ask/stream`` is off (``include_raw: false``) so only the cache column is measured. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import httpx
from fow_cache.data import load_questions

from nearhit import redis_server
from nearhit.stats import percentile

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Tree:
    """A source tree the servers are started from: this one, or an older commit checked out for ``--against``."""

    label: str
    path: Path

    @property
    def app(self) -> str:
        """The tree's ASGI app factory (it moves with refactors: found by its definition)."""
        for candidate in sorted((self.path / "src" / "nearhit").rglob("*.py")):
            if re.search(r"^def app_factory\(", candidate.read_text(encoding="utf-8"), re.MULTILINE):
                module = candidate.relative_to(self.path / "src").with_suffix("").as_posix().replace("/", ".")
                return f"{module}:app_factory"
        raise SystemExit(f"no app_factory in {self.path}/src/nearhit")


@contextlib.contextmanager
def older_tree(rev: str) -> Iterator[Tree]:
    """``rev`` checked out (detached) in a temporary git worktree, removed afterwards."""
    commit = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", f"{rev}^{{commit}}"], capture_output=True, text=True
    )
    if commit.returncode != 0:
        raise SystemExit(f"--against {rev}: not a commit in {ROOT} ({commit.stderr.strip()})")
    path = Path(tempfile.mkdtemp(prefix="nearhit-against-"))
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "--quiet", str(path), rev], check=True)
    try:
        yield Tree(f"{rev} ({commit.stdout.strip()})", path)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(path)], check=False)
        shutil.rmtree(path, ignore_errors=True)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def server(tree: Tree, redis_url: str, workers: int, index: str) -> Iterator[str]:
    """``uvicorn`` from ``tree`` on a free port with the simulated LLM (400 tokens/s)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree.path / "src"), "REDIS_URL": redis_url, "VECTOR_INDEX_NAME": index,
           "NEARHIT_LLM": "simulated", "NEARHIT_EMBEDDER": "local", "NEARHIT_SIM_TOKENS_PER_SECOND": "400"}  # fmt: skip
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", tree.app, "--factory", "--port", str(port), "--workers", str(workers),
         "--log-level", "warning"],
        env=env, cwd=tree.path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if process.poll() is not None:
                raise SystemExit(f"the server from {tree.path} exited ({process.returncode})")
            time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(20)


@contextlib.contextmanager
def servers(trees: Sequence[Tree], redis_urls: Sequence[str], workers: int, index: str) -> Iterator[list[str]]:
    with contextlib.ExitStack() as stack:
        yield [stack.enter_context(server(t, u, workers, index)) for t, u in zip(trees, redis_urls, strict=True)]


async def interleaved(
    urls: Sequence[str], jobs: Sequence[object], run: Callable[[int, object], Awaitable[None]]
) -> None:
    """Every job on every server, one at a time; the servers' order flips from one job to the next."""
    for n, job in enumerate(jobs):
        order = range(len(urls)) if n % 2 == 0 else reversed(range(len(urls)))
        for i in order:
            await run(i, job)


async def cache_column(client: httpx.AsyncClient, prompt: str) -> tuple[str, float, float]:
    """(match, ms to the first cache chunk, ms to the cache column's completion)."""
    started = time.perf_counter()
    first = total = 0.0
    match = "miss"
    async with client.stream("POST", "/ask/stream", json={"prompt": prompt, "include_raw": False}) as response:
        kind = ""
        async for line in response.aiter_lines():
            if line.startswith("event:"):
                kind = line[6:].strip()
            elif line.startswith("data:"):
                if kind == "cache_document":
                    match = json.loads(line[5:])["match"] or "miss"
                elif kind == "content_chunk" and not first:
                    first = (time.perf_counter() - started) * 1000
                elif kind == "column_complete":
                    total = (time.perf_counter() - started) * 1000
    return match, first, total


# rows: name -> per tree, a list of (first, total) ms
Rows = dict[str, list[list[tuple[float, float]]]]


def new_rows(trees: Sequence[Tree]) -> Callable[[Rows, str, int, float, float], None]:
    def add(rows: Rows, name: str, i: int, first: float, total: float) -> None:
        rows.setdefault(name, [[] for _ in trees])[i].append((first, total))

    return add


async def latency_rows(trees: Sequence[Tree], urls: Sequence[str], n: int) -> Rows:
    pairs = [p for p in load_questions() if p["same_answer"]][:n]
    rows: Rows = {}
    add = new_rows(trees)
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in urls]
    try:
        print(f"  storing {len(pairs)} answers (misses)…", file=sys.stderr, flush=True)
        for i, client in enumerate(clients):
            for start in range(0, len(pairs), 16):
                batch = pairs[start : start + 16]
                for match, first, total in await asyncio.gather(*(cache_column(client, p["a"]) for p in batch)):
                    add(rows, f"/ask/stream cache column, {match}", i, first, total)
        await asyncio.sleep(1)
        print("  exact repeats and paraphrases, one at a time…", file=sys.stderr, flush=True)

        async def one(i: int, prompt: object) -> None:
            match, first, total = await cache_column(clients[i], str(prompt))
            add(rows, f"/ask/stream cache column, {match}", i, first, total)

        await interleaved(urls, [q for p in pairs for q in (p["a"], p["b"])], one)
    finally:
        for client in clients:
            await client.aclose()
    return rows


_TOOLS = [
    {
        "type": "function",
        "function": {
            "name": "search_docs",
            "description": "Search the documentation.",
            "parameters": {
                "type": "object",
                "properties": {"query": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}},
                "required": ["query"],
            },
        },
    }
]
_FORMAT = {
    "type": "json_schema",
    "json_schema": {"name": "answer", "schema": {"type": "object", "properties": {"text": {"type": "string"}}}},
}
VARIANTS: dict[str, dict[str, object]] = {
    "plain": {},
    "tools + json_schema": {"tools": _TOOLS, "response_format": _FORMAT},
}


def has_content(data: str) -> bool:
    """Whether a ``chat.completion.chunk`` carries answer text (the role chunk's empty content does not count)."""
    with contextlib.suppress(ValueError, KeyError, IndexError, TypeError):
        return bool(json.loads(data)["choices"][0]["delta"].get("content"))
    return False


async def gateway_call(
    client: httpx.AsyncClient, prompt: str, extra: dict[str, object], stream: bool
) -> tuple[str, float, float]:
    """(x-nearhit-cache, ms to the first content, ms to the end) of one ``/v1/chat/completions`` call; for a
    streamed one the end is ``data: [DONE]``. A refused call gives ("HTTP <status>", 0, 0): an older tree may
    not know a field, and its row should say so rather than end the run."""
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}], "stream": stream} | extra
    started = time.perf_counter()
    if not stream:
        response = await client.post("/v1/chat/completions", json=body)
        if response.is_error:
            return f"HTTP {response.status_code}", 0.0, 0.0
        total = (time.perf_counter() - started) * 1000
        return response.headers.get("x-nearhit-cache", "?"), total, total
    first = 0.0
    async with client.stream("POST", "/v1/chat/completions", json=body) as response:
        if response.is_error:
            return f"HTTP {response.status_code}", 0.0, 0.0
        total = 0.0
        async for line in response.aiter_lines():
            if not first and line.startswith("data:") and '"content"' in line and has_content(line[5:]):
                first = (time.perf_counter() - started) * 1000
            if not total and line.strip() == "data: [DONE]":
                total = (time.perf_counter() - started) * 1000
        # Read to the end of the body (untimed) before leaving: a response closed early drops its connection,
        # and the next request, whatever it is, would pay for a new one.
        return response.headers.get("x-nearhit-cache", "?"), first, total


async def gateway_rows(trees: Sequence[Tree], urls: Sequence[str], n: int) -> Rows:
    """Exact hits through the gateway, JSON and streamed, plain and with tools + response_format (one more hash
    in the scope); ``GET /v1/models`` on the same servers as the HTTP floor."""
    prompts = [f"Gateway benchmark question number {i}?" for i in range(n)]
    rows: Rows = {}
    add = new_rows(trees)
    clients = [httpx.AsyncClient(base_url=url, timeout=60) for url in urls]

    try:
        for name, extra in VARIANTS.items():
            print(f"  gateway misses then hits ({name})…", file=sys.stderr, flush=True)
            for client in clients:
                await asyncio.gather(*(gateway_call(client, p, extra, False) for p in prompts))
            await asyncio.sleep(1)
            for stream in (False, True):
                label = f"gateway exact hit, {'streamed' if stream else 'JSON'}, {name}"

                async def one(i: int, prompt: object, extra: dict[str, object] = extra, stream: bool = stream,
                              label: str = label) -> None:  # fmt: skip
                    cache, first, total = await gateway_call(clients[i], str(prompt), extra, stream)
                    if cache == "hit-exact":
                        add(rows, label, i, first, total)
                    elif cache.startswith("HTTP"):
                        add(rows, f"{label}: refused ({cache})", i, 0.0, 0.0)

                await interleaved(urls, prompts * 3, one)

        async def models(i: int, _: object) -> None:
            started = time.perf_counter()
            (await clients[i].get("/v1/models")).raise_for_status()
            ms = (time.perf_counter() - started) * 1000
            add(rows, "GET /v1/models (the HTTP floor)", i, ms, ms)

        # In a phase of its own: timed right after each hit, the floor would carry the bookkeeping a hit leaves
        # to run after its response (measured: 1.0 ms against 0.63 ms alone), which flatters the hit's ratio.
        await interleaved(urls, range(3 * n), models)
    finally:
        for client in clients:
            await client.aclose()
    return rows


async def exact_hit_rates(urls: Sequence[str], requests: int, concurrency: int, rounds: int = 4) -> list[float]:
    """Exact hits on ``/ask/stream`` (each a full SSE response), ``concurrency`` in flight; the servers take
    turns in rounds."""
    prompts = [f"Benchmark question number {i}?" for i in range(20)]
    clients = [httpx.AsyncClient(base_url=u, timeout=60, limits=httpx.Limits(max_connections=64)) for u in urls]
    done = [0] * len(urls)
    seconds = [0.0] * len(urls)
    try:
        for client in clients:
            await asyncio.gather(*(cache_column(client, p) for p in prompts))
        await asyncio.sleep(1)
        for r in range(rounds):
            for i in range(len(urls)) if r % 2 == 0 else reversed(range(len(urls))):
                queue = [random.choice(prompts) for _ in range(requests // rounds)]
                started = time.perf_counter()

                async def worker(client: httpx.AsyncClient = clients[i], queue: list[str] = queue) -> None:
                    while queue:
                        await cache_column(client, queue.pop())

                await asyncio.gather(*(worker() for _ in range(concurrency)))
                seconds[i] += time.perf_counter() - started
                done[i] += requests // rounds
    finally:
        for client in clients:
            await client.aclose()
    return [d / s for d, s in zip(done, seconds, strict=True)]


WRK_SCRIPT = """wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"prompt": "Benchmark question number 1?", "include_raw": false}'
"""


def wrk_rate(url: str, concurrency: int, seconds: int = 10) -> float | None:
    """Exact-hit requests/s measured by wrk (a C client, so the client does not eat the server's CPU), or None
    when wrk is not installed (Debian: apt-get install wrk)."""
    if shutil.which("wrk") is None:
        return None
    with tempfile.NamedTemporaryFile("w", suffix=".lua") as script:
        script.write(WRK_SCRIPT)
        script.flush()
        output = subprocess.run(
            ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "-s", script.name, f"{url}/ask/stream"],
            capture_output=True, text=True, check=True,
        ).stdout  # fmt: skip
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    return float(match[1]) if match else None


def latency_table(trees: Sequence[Tree], rows: Rows) -> list[str]:
    def cell(values: list[tuple[float, float]], which: int) -> str:
        ms = [v[which] for v in values if v[which]]  # no first content: a cached tool call has no text
        return f"{percentile(ms, 50):.2f} / {percentile(ms, 99):.2f}" if ms else "-"

    head = "| request | " + " | ".join(
        f"{t.label}: n, first p50 / p99 ms, complete p50 / p99 ms" for t in trees
    ) + (" | complete, this / older: p50s; median of paired ratios |" if len(trees) == 2 else " |")  # fmt: skip
    lines = [head, "|---|" + "---|" * (len(trees) + (len(trees) == 2))]
    for name, per_tree in rows.items():
        cells = [f"{len(v)}, {cell(v, 0)}, {cell(v, 1)}" for v in per_tree]
        if len(trees) == 2:
            p50s = [percentile([v[1] for v in values], 50) for values in per_tree]
            ratio = f"{p50s[0] / p50s[1]:.2f}×" if p50s[0] and p50s[1] else "-"
            if len(per_tree[0]) == len(per_tree[1]) and per_tree[0]:  # the same requests, sent side by side
                paired = [a[1] / b[1] for a, b in zip(per_tree[0], per_tree[1], strict=True) if b[1]]
                ratio += f"; {statistics.median(paired):.2f}×"
            cells.append(ratio)
        lines.append(f"| {name} | " + " | ".join(cells) + " |")
    return lines


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=150, help="question pairs for the /ask/stream latency rows")
    parser.add_argument("--requests", type=int, default=1000, help="requests per throughput run")
    parser.add_argument("--concurrency", type=int, default=16, help="requests in flight for throughput")
    parser.add_argument("--gateway-prompts", type=int, default=50, help="prompts for the gateway rows (x3 each)")
    parser.add_argument("--gateway-only", action="store_true", help="only the gateway's rows and the HTTP floor")
    parser.add_argument("--against", metavar="REV", help="also run an older commit's servers, interleaved")
    args = parser.parse_args()
    with contextlib.ExitStack() as stack:
        trees = [Tree("this tree", ROOT)]
        if args.against:
            trees.append(stack.enter_context(older_tree(args.against)))
        datas = [Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nearhit-bench-"))) for _ in trees]
        redis_urls = [redis_server.ensure_running(d)[0].url for d in datas]
        for data in datas:
            stack.callback(redis_server.stop, data)
        print(f"load average at the start: {os.getloadavg()[0]:.2f}")
        with servers(trees, redis_urls, 1, "bench_gateway") as urls:
            rows = await gateway_rows(trees, urls, args.gateway_prompts)
        rates: list[tuple[int, list[float], list[float | None]]] = []
        if not args.gateway_only:
            with servers(trees, redis_urls, 1, "bench_latency") as urls:
                rows = await latency_rows(trees, urls, args.pairs) | rows
            for workers in (1, 2):
                with servers(trees, redis_urls, workers, f"bench_rps_{workers}") as urls:
                    print(f"  exact-hit throughput, {workers} worker(s)…", file=sys.stderr, flush=True)
                    python_rates = await exact_hit_rates(urls, args.requests, args.concurrency)
                    rates.append((workers, python_rates, [wrk_rate(url, args.concurrency) for url in urls]))
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print()
    print("\n".join(latency_table(trees, rows)))
    if rates:
        print()
        names = " | ".join(f"{t.label}: Python client / wrk (10 s)" for t in trees)
        ratio = " | this / older (Python client; wrk) |" if len(trees) == 2 else " |"
        print(f"| workers | exact-hit requests/s on /ask/stream, {args.concurrency} in flight: {names}{ratio}")
        print("|---|" + "---|" * (len(trees) + (len(trees) == 2)))
        for workers, python_rates, wrk_rates in rates:
            cells = [
                f"{rate:,.0f} / {f'{wrk:,.0f}' if wrk else 'wrk not installed'}"
                for rate, wrk in zip(python_rates, wrk_rates, strict=True)
            ]
            if len(trees) == 2:
                wrk_ratio = f"{wrk_rates[0] / wrk_rates[1]:.2f}×" if wrk_rates[0] and wrk_rates[1] else "-"
                cells.append(f"{python_rates[0] / python_rates[1]:.2f}×; {wrk_ratio}")
            print(f"| {workers} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    asyncio.run(main())
