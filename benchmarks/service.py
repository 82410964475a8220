"""The service over HTTP, measured from a client on loopback: the cache column of ``/ask/stream`` (exact hits,
semantic hits, misses), exact hits through the OpenAI gateway (JSON and streamed, plain and with tools + a
JSON schema in the scope), ``GET /v1/models`` as the HTTP floor of the same server, and exact-hit requests/s
with 1 and 2 workers.

    python benchmarks/service.py                    # ~2 minutes
    python benchmarks/service.py --against HEAD~3   # the same run against an older commit, interleaved
    python benchmarks/service.py --gateway-only
    python benchmarks/service.py --loops            # this tree on asyncio's event loop against uvloop's

Each tree gets its own embedded Redis (a temporary folder) and ``uvicorn <tree's app factory>`` with
``PYTHONPATH=<tree>/src``, the simulated LLM at its default time to first token (450 ms), so a miss shows what
the LLM costs. ``--against REV`` checks ``REV`` out in a temporary ``git worktree`` and starts the same servers
from it; requests alternate between the two trees (the order flips every request), so load on the shared
machine falls on both, and every row reports its own before/after ratio (this tree / REV). The raw column of
``/ask/stream`` is off (``include_raw: false``) so only the cache column is measured. ``--loops`` starts this
tree's servers twice instead, with uvicorn's ``--loop asyncio`` and ``--loop uvloop``, interleaved the same way
(the ratio column is then asyncio / uvloop). Prints Markdown tables.
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
from stages import Stages  # run from benchmarks/

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Tree:
    """A source tree the servers are started from: this one, or an older commit checked out for ``--against``."""

    label: str
    path: Path
    loop: str = "auto"
    """uvicorn's ``--loop``: ``auto`` (uvloop when installed), ``asyncio`` or ``uvloop``."""

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


WORKER_PING_S = 60
"""How long uvicorn's supervisor waits for a worker's ping (its default: 5 s) before it kills the worker as hung.
A 2-worker server answered ``/health`` and then refused every connection at load 11-14 (two runs of ``make
bench`` lost it); a worker still loading the app missing the 5 s ping is the likely cause."""


class ServerLost(RuntimeError):
    """A server exited or stopped answering during a run: said with its exit code and its log's last lines."""


STARTED: list[tuple[subprocess.Popen[bytes], Path, str]] = []
"""The servers running now (process, log file, URL): what a failed request is checked against."""

REQUEST_TIMEOUT_S = 60.0
"""The longest any one benchmark request may take: a server that stops answering ends the run with a report
instead of a hang (a loaded machine's slowest request measured well under a second)."""


def lost_servers() -> str:
    """What is known of servers that exited: their exit code and their log's last lines ("" when all run)."""
    reports = []
    for process, log, url in STARTED:
        if process.poll() is not None:
            tail = log.read_text(encoding="utf-8", errors="replace").splitlines()[-15:]
            reports.append(f"the server at {url} exited ({process.returncode}); its log ends:\n" + "\n".join(tail))
    return "\n".join(reports)


@contextlib.contextmanager
def reported(stage: str) -> Iterator[None]:
    """A request that failed (refused, cut, timed out) becomes a :class:`ServerLost` that says which server was
    lost and why, as far as its log tells."""
    try:
        yield
    except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, TimeoutError) as error:
        lost = lost_servers() or "every server still runs: one stopped answering in time"
        raise ServerLost(f"{stage}: {type(error).__name__}: {error}\n{lost}") from error


@contextlib.contextmanager
def server(tree: Tree, redis_url: str, workers: int, index: str) -> Iterator[str]:
    """``uvicorn`` from ``tree`` on a free port with the simulated LLM (400 tokens/s); its output goes to a log
    file beside its Redis, read back when it is lost."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(tree.path / "src"), "REDIS_URL": redis_url, "VECTOR_INDEX_NAME": index,
           "NEARHIT_LLM": "simulated", "NEARHIT_EMBEDDER": "local", "NEARHIT_SIM_TOKENS_PER_SECOND": "400"}  # fmt: skip
    log = Path(tempfile.mkstemp(prefix=f"nearhit-bench-{index}-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", tree.app, "--factory", "--port", str(port), "--workers", str(workers),
             "--log-level", "warning", "--loop", tree.loop, "--timeout-worker-healthcheck", str(WORKER_PING_S)],
            env=env, cwd=tree.path, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    STARTED.append((process, log, url))
    try:
        deadline = time.monotonic() + 120
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            if process.poll() is not None or time.monotonic() > deadline:
                raise ServerLost(f"the server from {tree.path} did not start\n{lost_servers()}")
            time.sleep(0.1)
        yield url
    finally:
        STARTED.remove((process, log, url))
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)
        log.unlink(missing_ok=True)


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
    clients = [httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S) for url in urls]
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


async def gateway_store(client: httpx.AsyncClient, prompt: str, extra: dict[str, object]) -> None:
    """One ``/v1/chat/completions`` call that (as a miss) stores its answer; not timed."""
    await client.post("/v1/chat/completions", content=chat_body(prompt, extra, False), headers=JSON_TYPE)


class RawHTTP:
    """One kept-alive HTTP/1.1 connection, requests written and replies parsed by hand: what a timed gateway
    call measures is then the server and loopback. An ``httpx`` call adds its own CPU to every request (measured
    at load average 7: ``GET /v1/models`` 4.8 ms p50 through httpx, 1.4 ms through this client), which shrinks
    a hit-to-floor ratio and moves it with the machine's load."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").split(":")
        self.host, self.port = host, int(port)
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self.body = b""
        """The last reply's body, when it came whole (a ``content-length``)."""

    async def __aenter__(self) -> RawHTTP:
        self._reader, self._writer = await asyncio.open_connection(self.host, self.port)
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._writer is not None:
            self._writer.close()

    async def call(self, method: str, path: str, body: bytes = b"") -> tuple[int, dict[str, str], float, float]:
        """(status, headers, ms to the first answer text, ms to the end) of one request; for an event stream the
        end is ``data: [DONE]`` and the first text the first chunk with content, else both are the whole body.
        A reply that takes over ``REQUEST_TIMEOUT_S`` raises ``TimeoutError`` (a lost server, not a hang)."""
        return await asyncio.wait_for(self._call(method, path, body), REQUEST_TIMEOUT_S)

    async def _call(self, method: str, path: str, body: bytes) -> tuple[int, dict[str, str], float, float]:
        assert self._reader is not None and self._writer is not None
        head = f"{method} {path} HTTP/1.1\r\nhost: {self.host}\r\ncontent-length: {len(body)}\r\n"
        if body:
            head += "content-type: application/json\r\n"
        started = time.perf_counter()
        self._writer.write(head.encode() + b"\r\n" + body)
        status_line, *lines = (await self._reader.readuntil(b"\r\n\r\n")).decode("latin-1").split("\r\n")
        headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines if line)}
        status = int(status_line.split()[1])
        if "content-length" in headers:
            self.body = await self._reader.readexactly(int(headers["content-length"]))
            ms = (time.perf_counter() - started) * 1000
            return status, headers, ms, ms
        first = total = 0.0
        pending = b""
        while True:  # chunked
            size = int((await self._reader.readuntil(b"\r\n")).strip(), 16)
            pending += (await self._reader.readexactly(size + 2))[:size]
            *complete, pending = pending.split(b"\n")
            for raw in complete:
                line = raw.decode()
                if not first and line.startswith("data:") and '"content"' in line and has_content(line[5:]):
                    first = (time.perf_counter() - started) * 1000
                if not total and line.strip() == "data: [DONE]":
                    total = (time.perf_counter() - started) * 1000
            if size == 0:
                return status, headers, first, total or (time.perf_counter() - started) * 1000


JSON_TYPE = {"content-type": "application/json"}


def chat_body(prompt: str, extra: dict[str, object], stream: bool) -> bytes:
    body = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}], "stream": stream} | extra
    return json.dumps(body).encode()


def ask_body(prompt: str) -> bytes:
    """A ``POST /ask`` of the cache column alone (its answer one JSON document)."""
    return json.dumps({"prompt": prompt, "include_raw": False}).encode()


def ask_hit(body: bytes) -> bool:
    document: dict[str, object] = json.loads(body)["cache"].get("cache_document", {})
    return document.get("match") == "exact"


FLOOR = "GET /v1/models (the HTTP floor)"
ASK = "POST /ask exact hit, JSON"
KINDS = ["floor", "JSON", "streamed", "ask"]
GAP_S = 0.005
"""The default pause before each timed gateway request (``--gap-ms``): a hit's bookkeeping runs after its
response is sent and would otherwise be timed in the next request. With the pause, Redis and the server have
gone idle before each request and must be woken, which on a loaded machine costs a hit (one Redis round
trip) more than the floor (none): ``benchmarks/http_floor.py`` times both ways."""


async def gateway_rows(trees: Sequence[Tree], urls: Sequence[str], n: int, gap_s: float = GAP_S) -> Rows:
    """Exact hits through the gateway, JSON and streamed, plain and with tools + response_format (one more hash
    in the scope), beside the plain ones ``POST /ask`` (JSON, the cache column), and ``GET /v1/models`` on the
    same servers as the HTTP floor. Every prompt asks for the floor and each hit in turn (the order rotating),
    on one kept-alive connection per
    server (:class:`RawHTTP`): the floor sees the same load, the same connection and the same moment as the
    hits it is compared with."""
    prompts = [f"Gateway benchmark question number {i}?" for i in range(n)]
    rows: Rows = {}
    add = new_rows(trees)
    for name, extra in VARIANTS.items():
        print(f"  gateway misses then hits ({name})…", file=sys.stderr, flush=True)
        for url in urls:
            async with httpx.AsyncClient(base_url=url, timeout=REQUEST_TIMEOUT_S) as client:
                await asyncio.gather(*(gateway_store(client, p, extra) for p in prompts))
                if not extra:  # the plain prompts are asked on /ask too
                    asks = [client.post("/ask", content=ask_body(p), headers=JSON_TYPE) for p in prompts]
                    await asyncio.gather(*asks)
        await asyncio.sleep(1)
        async with contextlib.AsyncExitStack() as stack:  # opened now: a connection idle 5 s is closed by uvicorn
            raws = [await stack.enter_async_context(RawHTTP(url)) for url in urls]

            async def one(i: int, job: object, extra: dict[str, object] = extra, name: str = name,
                          raws: list[RawHTTP] = raws) -> None:  # fmt: skip
                n_job, prompt = job  # type: ignore[misc]
                kinds = KINDS if not extra else KINDS[:3]
                for kind in kinds[n_job % len(kinds) :] + kinds[: n_job % len(kinds)]:
                    await asyncio.sleep(gap_s)
                    if kind == "floor":
                        status, _, first, total = await raws[i].call("GET", "/v1/models")
                        add(rows, f"{FLOOR}, beside {name}", i, first, total)
                        continue
                    if kind == "ask":
                        status, _, first, total = await raws[i].call("POST", "/ask", ask_body(str(prompt)))
                        if status >= 400:
                            add(rows, f"{ASK}: refused (HTTP {status})", i, 0.0, 0.0)
                        elif ask_hit(raws[i].body):
                            add(rows, ASK, i, first, total)
                        continue
                    stream = kind == "streamed"
                    label = f"gateway exact hit, {kind}, {name}"
                    status, headers, first, total = await raws[i].call(
                        "POST", "/v1/chat/completions", chat_body(str(prompt), extra, stream)
                    )
                    if status >= 400:
                        add(rows, f"{label}: refused (HTTP {status})", i, 0.0, 0.0)
                    elif headers.get("x-nearhit-cache") == "hit-exact":
                        add(rows, label, i, first, total)

            await interleaved(urls, list(enumerate(prompts * 3)), one)
    if ASK in rows:
        rows[ASK] = rows.pop(ASK)
    for name in VARIANTS:  # the floor's rows last, as before
        rows[f"{FLOOR}, beside {name}"] = rows.pop(f"{FLOOR}, beside {name}")
    return rows


def target_lines(trees: Sequence[Tree], rows: Rows) -> list[str]:
    """Issue 18's two HTTP ratios per tree and variant: JSON hit / floor (target <= 2x) and streamed hit / JSON
    hit (target <= 1.15x), as the ratio of the p50s and as the median of the ratios within each prompt's turn
    (the floor and the hits timed moments apart: a load swing between phases of the run cancels out)."""

    def ratio(top: str, bottom: str, i: int) -> str:
        above, below = ([v[1] for v in rows.get(name, [[] for _ in trees])[i]] for name in (top, bottom))
        if not above or not below:
            return "-"
        text = f"{(percentile(above, 50) or 0) / (percentile(below, 50) or 1):.2f}×"
        if len(above) == len(below):  # every call of the turn was a hit: the turns pair up
            text += f" (paired {statistics.median(a / b for a, b in zip(above, below, strict=True)):.2f}×)"
        return text

    lines = []
    for i, tree in enumerate(trees):
        cells = []
        for name in VARIANTS:
            json_hit, streamed = f"gateway exact hit, JSON, {name}", f"gateway exact hit, streamed, {name}"
            floor = f"{FLOOR}, beside {name}"
            cells.append(
                f"{name}: JSON hit / floor {ratio(json_hit, floor, i)}, streamed / JSON {ratio(streamed, json_hit, i)}"
                + (f", /ask JSON hit / floor {ratio(ASK, floor, i)}" if name == "plain" else "")
            )
        lines.append(f"{tree.label}: " + "; ".join(cells))
    return lines


async def exact_hit_rates(urls: Sequence[str], requests: int, concurrency: int, rounds: int = 4) -> list[float]:
    """Exact hits on ``/ask/stream`` (each a full SSE response), ``concurrency`` in flight; the servers take
    turns in rounds."""
    prompts = [f"Benchmark question number {i}?" for i in range(20)]
    clients = [
        httpx.AsyncClient(base_url=u, timeout=REQUEST_TIMEOUT_S, limits=httpx.Limits(max_connections=64)) for u in urls
    ]
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
            capture_output=True, text=True, check=True, timeout=seconds + REQUEST_TIMEOUT_S,
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
    parser.add_argument("--gap-ms", type=float, default=GAP_S * 1000, help="pause before each timed gateway request")
    parser.add_argument("--against", metavar="REV", help="also run an older commit's servers, interleaved")
    parser.add_argument(
        "--loops", action="store_true", help="this tree's servers on asyncio's loop against uvloop's, interleaved"
    )
    args = parser.parse_args()
    if args.loops and args.against:
        parser.error("--loops and --against each compare two servers: give one")
    stages = Stages("service.py")
    with contextlib.ExitStack() as stack:
        trees = [Tree("this tree", ROOT)]
        if args.loops:
            trees = [Tree("asyncio loop", ROOT, "asyncio"), Tree("uvloop", ROOT, "uvloop")]
        if args.against:
            trees.append(stack.enter_context(older_tree(args.against)))
        datas = [Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="nearhit-bench-"))) for _ in trees]
        redis_urls = [redis_server.ensure_running(d)[0].url for d in datas]
        for data in datas:
            stack.callback(redis_server.stop, data)
        print(f"load average at the start: {os.getloadavg()[0]:.2f}")
        rates: list[tuple[int, list[float], list[float | None]]] = []

        async def throughput(urls: list[str], workers: int) -> None:
            print(f"  exact-hit throughput, {workers} worker(s)…", file=sys.stderr, flush=True)
            with stages("exact-hit throughput (Python client, then wrk)"), reported(f"throughput, {workers} worker(s)"):
                python_rates = await exact_hit_rates(urls, args.requests, args.concurrency)
                rates.append((workers, python_rates, [wrk_rate(url, args.concurrency) for url in urls]))

        # One set of 1-worker servers for the gateway, the /ask/stream rows and 1-worker throughput (each with its
        # own prompts), one of 2-worker servers: starting a server (Python, the app, the embedder) is seconds.
        with contextlib.ExitStack() as one_worker:
            with stages("servers: start"):
                urls = one_worker.enter_context(servers(trees, redis_urls, 1, "bench_service"))
            with stages("gateway rows (misses stored, then hits and the floor)"), reported("gateway rows"):
                rows = await gateway_rows(trees, urls, args.gateway_prompts, args.gap_ms / 1000)
            if not args.gateway_only:
                with stages("/ask/stream latency rows (misses stored, then hits)"), reported("/ask/stream rows"):
                    rows = await latency_rows(trees, urls, args.pairs) | rows
                await throughput(urls, 1)
        if not args.gateway_only:
            with contextlib.ExitStack() as two_workers:
                with stages("servers: start"):
                    urls = two_workers.enter_context(servers(trees, redis_urls, 2, "bench_rps_2"))
                await throughput(urls, 2)
        print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    print()
    print("\n".join(latency_table(trees, rows)))
    print()
    print("\n".join(target_lines(trees, rows)))
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
    print()
    print(stages.table())


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except ServerLost as lost:  # said plainly, the servers and Redis stopped: never a hang, nor a bare traceback
        sys.exit(f"service.py: a server was lost: {lost}")
