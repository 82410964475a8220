"""``nearhit eval`` stopped midway, as a user (Ctrl-C) or a job runner (SIGTERM: ``timeout``, CI cancelling a job)
stops it: it ends within seconds and leaves no scratch index, no entries behind. Run as a user runs it (a subprocess
on the real embedded Redis), on a file of 20,000 pairs."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from redis import Redis

from nearhit.config import Settings


def _pairs(path: Path, count: int) -> Path:
    with path.open("w") as file:
        for n in range(count):
            a, b = f"How do I reset password number {n}?", f"How can I reset password number {n}?"
            file.write(json.dumps({"id": n, "a": a, "b": b, "same_answer": True, "category": "paraphrase"}) + "\n")
    return path


def _scratch_indexes(redis: Redis, settings: Settings) -> list[str]:
    names = [n.decode() if isinstance(n, bytes) else n for n in redis.execute_command("FT._LIST")]
    return [name for name in names if name.startswith(f"{settings.index_name}-eval-")]


def _scratch_keys(redis: Redis, settings: Settings) -> list[bytes]:
    return list(redis.scan_iter(match=f"nearhit:{settings.index_name}-eval-*", count=1000))


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 1), (signal.SIGTERM, 128 + signal.SIGTERM)])
def test_an_eval_stopped_midway_ends_soon_and_leaves_no_scratch_index(
    settings: Settings, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
    took, _ = _stopped(settings, tmp_path, 20_000, "store: 320/", sig, code)
    assert took < 15, took


@pytest.mark.slow
def test_an_eval_stopped_in_its_lookups_drops_its_index_at_once(settings: Settings, tmp_path: Path) -> None:
    # Every pair's tenant was cleared one by one first, each clear 3 scans of the keyspace: 47 s after Ctrl-C for
    # 3,000 pairs (14.5 s for 2,000), growing with the pairs and the keys; now the index goes with its entries in one
    # call, the keys of its own after it in one scan: 1.7 s for 2,000 (22 s once at load 14: the time is the
    # user's measure, the scans the cause's).
    took, scans = _stopped(settings, tmp_path, 3_000, "look up decision: 100/", signal.SIGINT, 1)
    assert took < 15 and scans < 1_000, (took, scans)


def _stopped(
    settings: Settings, tmp_path: Path, pairs: int, when: str, sig: signal.Signals, code: int
) -> tuple[float, int]:
    """Seconds from ``sig`` to the exit of ``nearhit eval`` on ``pairs`` pairs, sent once ``when`` is on stderr, and
    the SCANs Redis served meanwhile; checked: exit ``code``, no traceback, no scratch index, no key of it left."""
    redis = Redis.from_url(settings.redis_url)
    env = {
        "PATH": "/usr/bin:/bin",
        "REDIS_URL": settings.redis_url,
        "VECTOR_INDEX_NAME": settings.index_name,
        "NEARHIT_DATA_DIR": str(settings.data_dir),
        "NEARHIT_LLM": "simulated",
    }
    errors = tmp_path / "stderr.txt"
    command = [
        sys.executable,
        "-c",
        "from nearhit.cli import main; main()",
        "eval",
        "-d",
        str(_pairs(tmp_path / "p.jsonl", pairs)),
    ]
    with errors.open("w") as err:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env={**env, "PYTHONPATH": ":".join(sys.path)},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's foreground job
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while when not in errors.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            scanned = _scans(redis)
            process.send_signal(sig)
            stopped = time.monotonic()
            assert process.wait(timeout=60) == code, errors.read_text()[-500:]
            took, scans = time.monotonic() - stopped, _scans(redis) - scanned
        finally:
            process.kill()
    assert "Traceback" not in errors.read_text()
    try:
        assert _scratch_indexes(redis, settings) == [] and _scratch_keys(redis, settings) == []
    finally:
        redis.close()
    return took, scans


def _scans(redis: Redis) -> int:
    return int(redis.info("commandstats").get("cmdstat_scan", {}).get("calls", 0))
