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


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 1), (signal.SIGTERM, 128 + signal.SIGTERM)])
def test_an_eval_stopped_midway_ends_soon_and_leaves_no_scratch_index(
    settings: Settings, tmp_path: Path, sig: signal.Signals, code: int
) -> None:
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
        str(_pairs(tmp_path / "p.jsonl", 20_000)),
    ]
    with errors.open("w") as err:
        process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=err, env={**env, "PYTHONPATH": ":".join(sys.path)},
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as a terminal's foreground job
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 120
            while "store: 320/" not in errors.read_text() and time.monotonic() < deadline:
                time.sleep(0.2)
            process.send_signal(sig)
            stopped = time.monotonic()
            assert process.wait(timeout=60) == code, errors.read_text()[-500:]
            took = time.monotonic() - stopped
        finally:
            process.kill()
    assert took < 15, took
    assert "Traceback" not in errors.read_text()
    redis = Redis.from_url(settings.redis_url)
    try:
        assert _scratch_indexes(redis, settings) == []
    finally:
        redis.close()
