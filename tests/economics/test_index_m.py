"""The memory model's HNSW M follows the index's (``NEARHIT_HNSW_M``) unless the caller gives one: the library,
``nearhit calc`` and ``POST /calculator/estimate`` alike."""

from __future__ import annotations

import json

import httpx
import pytest
from click.testing import CliRunner

from nearhit.cli.calc_cmd import calc
from nearhit.economics import Scenario, estimate, resolve_prices
from nearhit.economics.footprint import entry_footprint
from tests.support.calculator import EXAMPLE, EXAMPLE_ARGS


def _graph_bytes(m: int) -> int:
    return entry_footprint(384, "hnsw", hnsw_m=m, prompt_bytes=2000, response_bytes=1200).index_graph


def test_the_library_default_is_the_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEARHIT_HNSW_M", "32")
    scenario = Scenario(**EXAMPLE)  # type: ignore[arg-type]
    result = estimate(scenario, resolve_prices(scenario))
    assert result.scenario.hnsw_m == 32
    assert result.footprint.index_graph == _graph_bytes(32) > _graph_bytes(16)
    given = Scenario(**EXAMPLE, hnsw_m=8)  # type: ignore[arg-type]
    assert estimate(given, resolve_prices(given)).scenario.hnsw_m == 8  # the caller's M wins


def test_without_the_setting_m_is_16(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("NEARHIT_HNSW_M", raising=False)
    scenario = Scenario(**EXAMPLE)  # type: ignore[arg-type]
    assert estimate(scenario, resolve_prices(scenario)).scenario.hnsw_m == 16


async def test_the_api_and_the_cli_follow_the_setting(
    monkeypatch: pytest.MonkeyPatch, client: httpx.AsyncClient
) -> None:
    monkeypatch.setenv("NEARHIT_HNSW_M", "48")
    body = (await client.post("/calculator/estimate", json=EXAMPLE)).json()
    assert body["scenario"]["hnsw_m"] == 48
    assert body["footprint"]["index_graph"] == _graph_bytes(48)
    result = CliRunner().invoke(calc, [*EXAMPLE_ARGS, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["scenario"]["hnsw_m"] == 48
    explicit = (await client.post("/calculator/estimate", json=EXAMPLE | {"hnsw_m": 8})).json()
    assert explicit["scenario"]["hnsw_m"] == 8
