"""Property-based fuzzing of every operation from ``/openapi.json`` (the schemathesis CLI against a real server
process) with every conformance check on: never a 5xx, every status code, content type and body documented,
schema-violating requests rejected, schema-valid requests accepted.

A check is turned off for an operation only where the OpenAPI schema cannot say what the server knows; each
exclusion below says why. Bounded (``--max-examples``), so ``make test`` stays fast.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from tests.support.server_process import server_process

# Every check is on (schemathesis' default) but these: the stateful ones need links between operations
# (use_after_free, ensure_resource_availability); ignored_auth and object_level_authorization need security
# schemes, which this schema does not declare.
GLOBAL = """[checks]
use_after_free.enabled = false
ensure_resource_availability.enabled = false
ignored_auth.enabled = false
object_level_authorization.enabled = false
# A schema-violating body may also be too large: 413 is a rejection too.
negative_data_rejection.expected-statuses = [400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 428, 429]
"""

# (method, path, check, why): a schema-valid request that the server rightly refuses, for a reason the schema
# cannot express.
EXCLUSIONS: list[tuple[str, str, str, str]] = [
    ("POST", "/cache/search", "positive_data_acceptance", "exactly one of 'text' or 'embedding'; the embedding "
     "must have the index's dimension, which depends on the configured embedder"),
    ("POST", "/vector/search", "positive_data_acceptance", "the embedding must have the index's dimension"),
    ("POST", "/vector/add", "positive_data_acceptance", "the embedding must have the index's dimension; and "
     "schemathesis counts a non-object body as valid when it varies the optional admin headers"),
    ("POST", "/cache/store", "positive_data_acceptance", "schemathesis counts a non-object body as valid when "
     "it varies the optional admin headers"),
    ("DELETE", "/cache/clear", "positive_data_acceptance", "give one of 'tenant', 'pattern' or all=true: a rule "
     "across parameters"),
    ("GET", "/calculator/skus", "positive_data_acceptance", "the region must be one of the price table's"),
    ("POST", "/calculator/estimate", "positive_data_acceptance", "derived inputs are checked against the "
     "model's bounds (a 400 says which)"),
    ("POST", "/v1/chat/completions", "positive_data_acceptance", "the schema is OpenAI's outline; what a cache "
     "can serve is narrower (the last message is the user's, text parts only, no tools): every refusal is a "
     "400 in OpenAI's shape naming the parameter"),
    ("POST", "/v1/embeddings", "positive_data_acceptance", "OpenAI's outline again: no empty input or model"),
]  # fmt: skip


def _config(path: Path) -> Path:
    blocks = [GLOBAL] + [
        f'[[operations]]\ninclude-method = "{method}"\ninclude-path = "{route}"\nchecks.{check}.enabled = false\n'
        for method, route, check, _ in EXCLUSIONS
    ]
    path.write_text("\n".join(blocks))
    return path


FUZZ_SEED = "20261202"
"""The fuzzer's seed in ``make test``: a run that passes on a fixed seed fails only when the API changes. With a
new seed each run, schemathesis' own false positives (a query value generated as a number is the same string on
the wire, next to an undeclared header; schemathesis issues #3962 and #4762) failed one CI run in many.
``NEARHIT_FUZZ_SEED=random`` explores new inputs; ``NEARHIT_FUZZ_SEED=<seed>`` replays a failing run's seed."""


def _seed() -> list[str]:
    seed = os.environ.get("NEARHIT_FUZZ_SEED", FUZZ_SEED)
    return [] if seed == "random" else ["--seed", seed]


@pytest.mark.slow
@pytest.mark.timeout(700)  # 40-100 s here, over the suite's 120 s on a loaded machine; the CLI is bounded below
def test_every_operation_conforms_and_never_answers_5xx(redis_url: str, tmp_path: Path) -> None:
    env = {
        "REDIS_URL": redis_url,
        "VECTOR_INDEX_NAME": f"fuzz_{uuid.uuid4().hex[:8]}",
        "NEARHIT_SIM_TTFT_MS": "5",
        "NEARHIT_SIM_TOKENS_PER_SECOND": "50000",
    }
    config = _config(tmp_path / "schemathesis.toml")
    with server_process(env, tmp_path) as url:
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "--config-file", str(config), "run", f"{url}/openapi.json",
             "--max-examples", "15",
             "--request-timeout", "30", "--phases", "examples,coverage,fuzzing", "--no-color", *_seed()],
            capture_output=True, text=True, timeout=600, cwd=tmp_path,
        )  # fmt: skip
    report = result.stdout[-8000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    generated = re.search(r"(\d+) generated, (\d+) passed", result.stdout)
    assert generated and generated[1] == generated[2] and int(generated[1]) > 500, report
