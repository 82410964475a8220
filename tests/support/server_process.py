"""``nearhit serve`` in its own process, for tests whose client blocks a thread (Playwright's sync API, the
schemathesis CLI). The environment is scrubbed of real-service variables, so a developer's keys are never
used, and the working folder is the test's own, so no stray ``.env`` is read."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from tests.support.ports import free_port, listens_on
from tests.support.tls import tls

# Variables that would make the server talk to a real LLM, another Redis, or ask for an admin token.
_SCRUBBED_PREFIXES = ("OPENAI_", "AZURE_OPENAI_", "NEARHIT_", "SEMANTIC_", "VECTOR_", "CACHE_TTL", "REDIS_URL")


@contextlib.contextmanager
def server_process(
    env: dict[str, str], workdir: Path, timeout: float = 60, extra_args: tuple[str, ...] = ()
) -> Iterator[str]:
    """Run ``nearhit serve`` with ``env`` (on top of the scrubbed environment) and ``extra_args``; yield its base
    URL once ``/health`` answers 200. Its log is ``workdir/server.log``."""
    with running_server(env, workdir, timeout, extra_args) as (url, _):
        yield url


@contextlib.contextmanager
def running_server(
    env: dict[str, str], workdir: Path, timeout: float = 60, extra_args: tuple[str, ...] = ()
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """:func:`server_process`, yielding the process too (a test that signals it)."""
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(_SCRUBBED_PREFIXES)}
    # A fast simulated model unless the test sets its pace (the default is a real model's ~1.5 s an answer).
    fast = {"NEARHIT_SIM_TTFT_MS": "5", "NEARHIT_SIM_TOKENS_PER_SECOND": "50000"}
    full_env |= {"NEARHIT_DATA_DIR": str(workdir / "data"), "NEARHIT_LLM": "simulated"} | fast | env
    for attempt in range(_PORT_ATTEMPTS):
        url, process = _start(full_env, workdir, timeout, extra_args)
        if process.poll() is None or attempt == _PORT_ATTEMPTS - 1:
            break
    try:
        _raise_unless_running(process, workdir / "server.log")
        yield url, process
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


_PORT_ATTEMPTS = 3
"""Ports tried: another test run on the machine may take a free port before the server binds it."""


def _start(
    env: dict[str, str], workdir: Path, timeout: float, extra_args: tuple[str, ...]
) -> tuple[str, subprocess.Popen[bytes]]:
    """Start ``nearhit serve`` on a free port and wait until it answers ``/health`` on a socket of its own; a
    process that exits meanwhile is returned as it is (a port lost to a race is tried again by the caller)."""
    port = free_port()
    log = workdir / "server.log"
    command = [sys.executable, "-c", "from nearhit.cli import main; main()", "serve", "--port", str(port), *extra_args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while process.poll() is None:
        with contextlib.suppress(httpx.HTTPError):
            healthy = httpx.get(f"{url}/health", timeout=2, verify=tls()).status_code == 200
            if healthy and listens_on(process.pid, port):  # not another run's server on a port it raced us to
                return url, process
        if time.monotonic() > deadline:
            process.kill()
            process.wait()
            raise RuntimeError(f"nearhit serve was not healthy after {timeout} s:\n{log.read_text()[-3000:]}")
        time.sleep(0.2)
    return url, process


def _raise_unless_running(process: subprocess.Popen[bytes], log: Path) -> None:
    """A server that exited before it was healthy: its log says why."""
    if process.poll() is not None:
        raise RuntimeError(f"nearhit serve exited ({process.returncode}):\n{log.read_text()[-3000:]}")


@dataclass(frozen=True)
class TwoWorkers:
    """A running ``nearhit serve --workers 2`` (the ``two_workers`` fixture): its URL, its log, its health port,
    and the ``TMPDIR`` where it made its ``PROMETHEUS_MULTIPROC_DIR``."""

    url: str
    log: Path
    health_port: int
    tmpdir: Path
