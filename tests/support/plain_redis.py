"""A Redis server without modules (no Query Engine), for the tests of what nearhit says about one."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from nearhit import redis_server
from tests.support.ports import free_port
from tests.support.waiting import eventually_sync


@contextmanager
def plain_redis(directory: Path, *args: str) -> Iterator[int]:
    """The pip-installed ``redis-server`` with no module loaded, on a free port, answering PING; its port. ``args``:
    more of its options."""
    server_bin, _ = redis_server.binaries()
    port = free_port()
    proc = subprocess.Popen(
        [str(server_bin), "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(directory), *args],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)

    def answers() -> bool:
        try:
            return bool(client.ping())
        except redis.ConnectionError as exc:
            raise AssertionError(f"redis-server on port {port} does not answer yet: {exc}") from None

    try:
        eventually_sync(answers, timeout=10)
        yield port
    finally:
        client.close()
        proc.terminate()
        proc.wait(10)
