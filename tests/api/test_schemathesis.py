"""Property-based fuzzing of every endpoint from ``/openapi.json`` (the schemathesis CLI against a real
server process): whatever the input, never a 5xx."""

from __future__ import annotations

import re
import subprocess
import sys
import uuid
from pathlib import Path

from tests.server_process import server_process


def test_no_endpoint_answers_5xx(redis_url: str, tmp_path: Path) -> None:
    env = {
        "REDIS_URL": redis_url,
        "VECTOR_INDEX_NAME": f"fuzz_{uuid.uuid4().hex[:8]}",
        "NEARHIT_SIM_TTFT_MS": "5",
        "NEARHIT_SIM_TOKENS_PER_SECOND": "50000",
    }
    with server_process(env, tmp_path) as url:
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{url}/openapi.json",
             "--checks", "not_a_server_error", "--max-examples", "15", "--request-timeout", "30",
             "--phases", "examples,coverage,fuzzing", "--no-color"],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated and generated[1] == generated[2] and int(generated[1]) > 500, report
