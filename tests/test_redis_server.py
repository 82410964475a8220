"""The embedded Redis: start, reuse across processes, restart with data kept, stale state, no Query Engine."""

from __future__ import annotations

import asyncio
import fcntl
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import redis as redis_sync

from nearhit import redis_server
from nearhit.cache import Scope
from nearhit.cache.index import check_query_engine, drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import RedisUnavailable
from nearhit.service import bootstrap
from nearhit.service.runtime import Runtime
from tests.support.live import fast_llm
from tests.support.plain_redis import plain_redis
from tests.support.waiting import eventually_sync


def test_second_call_finds_the_running_server(tmp_path: Path) -> None:
    first, started = redis_server.ensure_running(tmp_path)
    try:
        assert started
        again, started_again = redis_server.ensure_running(tmp_path)
        assert again == first and not started_again
        modules = {m[b"name"] for m in redis_sync.Redis(port=first.port).module_list()}
        assert {b"search", b"ReJSON"} <= modules
    finally:
        assert redis_server.stop(tmp_path)
    assert redis_server.find_running(tmp_path) is None
    assert not redis_server.stop(tmp_path)


def test_two_processes_share_one_server(tmp_path: Path) -> None:
    script = (
        "import sys, pathlib; from nearhit import redis_server; "
        "s, started = redis_server.ensure_running(pathlib.Path(sys.argv[1])); print(s.port, started)"
    )
    procs = [
        subprocess.Popen([sys.executable, "-c", script, str(tmp_path)], stdout=subprocess.PIPE, text=True)
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60)[0].split() for p in procs]
    try:
        assert len({port for port, _ in outputs}) == 1
        assert sorted(started for _, started in outputs) == ["False", "False", "True"]
    finally:
        redis_server.stop(tmp_path)


def test_stale_state_file_is_cleaned(tmp_path: Path) -> None:
    (tmp_path / "redis.json").write_text(json.dumps({"port": 1, "pid": 999_999_999}))
    assert redis_server.find_running(tmp_path) is None
    assert not (tmp_path / "redis.json").exists()
    (tmp_path / "redis.json").write_text("[" * 50_000 + "]" * 50_000)  # a RecursionError, no ValueError: a traceback
    assert redis_server.find_running(tmp_path) is None
    (tmp_path / "redis.json").write_text("not json")
    server, started = redis_server.ensure_running(tmp_path)
    try:
        assert started and server.port != 1
    finally:
        redis_server.stop(tmp_path)


async def test_restart_keeps_entries(tmp_path: Path, settings: Settings, local_embedder: LocalEmbedder) -> None:
    server, _ = redis_server.ensure_running(tmp_path)
    own = settings.model_copy(update={"redis_url": server.url})
    cache = await bootstrap.open_cache(own, local_embedder)
    scope = Scope.build(tenant="acme")
    await cache.store("Will this survive a restart?", "Yes: the append-only file keeps it.", scope)
    await cache.close()
    redis_server.stop(tmp_path)

    server, started = redis_server.ensure_running(tmp_path)
    assert started
    cache = await bootstrap.open_cache(own.model_copy(update={"redis_url": server.url}), local_embedder)
    try:
        result = await cache.lookup("will this survive a restart", scope)
        assert result.match == "exact"
        assert result.answer is not None and result.answer.response.startswith("Yes")
    finally:
        await cache.close()
        redis_server.stop(tmp_path)


def test_a_redis_without_the_query_engine_is_refused(tmp_path: Path) -> None:
    from redis.asyncio import Redis

    async def check(port: int) -> None:
        async_client = Redis(port=port, protocol=2)
        try:
            await check_query_engine(async_client)
        finally:
            await async_client.aclose()

    with plain_redis(tmp_path) as port, pytest.raises(RedisUnavailable, match="has no Query Engine: use Redis 8"):
        asyncio.run(check(port))


@pytest.mark.parametrize("lost", [("redis.json",), ("redis.json", "redis.port")], ids=["record", "record+port"])
def test_a_server_whose_record_is_gone_is_found_and_stopped(tmp_path: Path, lost: tuple[str, ...]) -> None:
    """``redis.json`` deleted under a running server: ``stop`` (``nearhit redis stop``) finds it by the port file,
    or by the process working in the folder, and says so; a start meanwhile reuses it rather than start a second
    server on the same append-only file."""
    server, _ = redis_server.ensure_running(tmp_path)
    try:
        for name in lost:
            (tmp_path / name).unlink()
        again, started = redis_server.ensure_running(tmp_path)
        assert not started and (again.pid, again.port) == (server.pid, server.port) and again.found_by
        (tmp_path / "redis.json").unlink()
        stopped = redis_server.stop(tmp_path)
        assert stopped is not None and stopped.pid == server.pid
        assert ("port" in stopped.found_by) == ("redis.port" not in lost)
        assert not redis_server.pid_alive(server.pid)
    finally:
        redis_server.stop(tmp_path)  # a second server, had one been started
        if redis_server.pid_alive(server.pid):
            os.kill(server.pid, signal.SIGKILL)


def test_stop_only_stops_that_start(tmp_path: Path) -> None:
    first, _ = redis_server.ensure_running(tmp_path)
    try:
        assert redis_server.stop(tmp_path, only=first)
        later, started = redis_server.ensure_running(tmp_path)
        assert started and later.token != first.token
        assert not redis_server.stop(tmp_path, only=first)  # a stale owner: the later server keeps running
        assert redis_server.find_running(tmp_path) == later
        assert redis_server.stop(tmp_path, only=later)
    finally:
        redis_server.stop(tmp_path)


def test_a_stale_nearhit_redis_leaves_a_later_server_running(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | {"NEARHIT_DATA_DIR": str(tmp_path)}
    command = [sys.executable, "-c", "from nearhit.cli import main; main()", "redis"]
    foreground = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # A cold interpreter importing nearhit, then Redis starting: once over 20 s at a load of 15.
        eventually_sync(lambda: redis_server.find_running(tmp_path), timeout=60)
        first = redis_server.find_running(tmp_path)
        assert first is not None
        os.kill(first.pid, signal.SIGKILL)  # its Redis dies; `nearhit redis` itself keeps waiting
        eventually_sync(lambda: redis_server.find_running(tmp_path) is None, timeout=20)
        later, started = redis_server.ensure_running(tmp_path)  # a later command starts another
        assert started
        foreground.terminate()  # the stale `nearhit redis` ends (as Ctrl-C would)
        foreground.wait(20)
        assert redis_server.find_running(tmp_path) == later
    finally:
        foreground.kill()
        redis_server.stop(tmp_path)


async def test_finding_the_embedded_redis_does_not_block_the_event_loop(
    tmp_path: Path, settings: Settings, local_embedder: LocalEmbedder
) -> None:
    """Another process holds the embedded Redis's lock for a second: the event loop keeps running meanwhile."""
    own = settings.model_copy(update={"redis_url": None, "data_dir": tmp_path})
    runtime = Runtime(own, local_embedder, fast_llm())
    lock = (tmp_path / "redis.lock").open("a+")
    fcntl.flock(lock, fcntl.LOCK_EX)
    threading.Timer(1.0, lambda: fcntl.flock(lock, fcntl.LOCK_UN)).start()
    try:
        connecting = asyncio.create_task(runtime.cache())
        longest_gap, last = 0.0, time.monotonic()
        while not connecting.done():
            await asyncio.sleep(0.01)  # the probe that measures the event loop's gaps (under test)
            longest_gap, last = max(longest_gap, time.monotonic() - last), time.monotonic()
        cache = await connecting
        assert longest_gap < 0.3
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    finally:
        await runtime.close()
        lock.close()
        redis_server.stop(tmp_path)


def test_nearhit_redis_leaves_a_running_server_and_returns(tmp_path: Path) -> None:
    """`nearhit redis` on a folder whose server already runs prints its URL and returns, as its help says:
    it does not wait in the foreground claiming that Ctrl-C stops a server it did not start."""
    server, _ = redis_server.ensure_running(tmp_path)
    try:
        command = [sys.executable, "-c", "from nearhit.cli import main; main()", "redis"]
        env = {**os.environ, "NEARHIT_DATA_DIR": str(tmp_path), "PYTHONPATH": os.pathsep.join(sys.path)}
        env.pop("REDIS_URL", None)
        done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, done.stderr
        assert server.url in done.stdout and "Ctrl-C" not in done.stdout
        assert redis_sync.Redis(port=server.port).ping()  # left running
    finally:
        redis_server.stop(tmp_path)
