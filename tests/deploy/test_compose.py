"""compose.yaml: valid against the Compose specification, and the app + Redis 8 setup it promises."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "compose.yaml"


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def test_valid_against_the_compose_spec() -> None:
    tool = shutil.which("check-jsonschema") or str(Path(sys.executable).parent / "check-jsonschema")
    result = subprocess.run(
        [tool, "--builtin-schema", "vendor.compose-spec", str(COMPOSE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_redis_8_with_a_volume_and_a_healthcheck(compose: dict[str, Any]) -> None:
    redis = compose["services"]["redis"]
    assert redis["image"] == "redis:8"  # Redis 8 bundles the Query Engine
    assert "noeviction" in redis["command"]
    assert redis["healthcheck"]["test"][:2] == ["CMD", "redis-cli"]
    (volume,) = redis["volumes"]
    name, _, target = volume.partition(":")
    assert target == "/data" and name in compose["volumes"]


def test_app_waits_for_redis_and_reads_dotenv(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert app["build"]["context"] == "."
    assert app["depends_on"]["redis"]["condition"] == "service_healthy"
    assert app["environment"]["REDIS_URL"] == "redis://redis:6379/0"
    assert [entry["path"] for entry in app["env_file"]] == [".env"]
    # The check polls the health port (answered even while the event loop is busy), which is not published.
    health_port = app["environment"]["NEARHIT_HEALTH_PORT"]
    assert f"127.0.0.1:{health_port}/health" in " ".join(app["healthcheck"]["test"])
    assert not any(mapping.endswith(f":{health_port}") for mapping in app["ports"])
    assert (ROOT / ".env.example").exists()


def test_env_example_names_real_settings() -> None:
    """Every variable in .env.example is one nearhit (or compose, or OpenTelemetry) actually reads."""
    from nearhit.config import Settings

    known = {
        "NEARHIT_PORT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_SERVICE_NAME",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
    }
    for field in Settings.model_fields.values():
        alias = field.validation_alias
        known |= {choice for choice in getattr(alias, "choices", []) if isinstance(choice, str) and choice.isupper()}
    names = set()
    for line in (ROOT / ".env.example").read_text().splitlines():
        line = line.lstrip("# ").strip()
        if "=" in line and line.split("=", 1)[0].isupper() and " " not in line.split("=", 1)[0]:
            names.add(line.split("=", 1)[0])
    assert names, "no variables found"
    assert names <= known, names - known
