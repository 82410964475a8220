"""``nearhit calc`` and ``/calculator``: the same answer, the same refusals."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner

from nearhit.cli.calc_cmd import calc
from nearhit.economics import Scenario, estimate, resolve_prices
from nearhit.errors import InvalidInput
from tests.support.calculator import EXAMPLE, EXAMPLE_ARGS


def _cli(*args: str) -> Any:
    return CliRunner().invoke(calc, list(args))


async def test_cli_json_and_api_agree(client: httpx.AsyncClient) -> None:
    request = EXAMPLE | {"embedding_model": "text-embedding-3-small", "ha": False, "ttl_seconds": 3600}
    result = _cli(*EXAMPLE_ARGS, "--embedding-model", "text-embedding-3-small", "--no-ha", "--ttl", "3600", "--json")
    assert result.exit_code == 0, result.output
    response = await client.post("/calculator/estimate", json=request)
    assert response.status_code == 200
    assert json.loads(result.output) == response.json()


async def test_estimate_shape(client: httpx.AsyncClient) -> None:
    body = (await client.post("/calculator/estimate", json=EXAMPLE)).json()
    assert set(body) == {
        "scenario", "prices", "annual", "sku", "breakeven", "footprint", "latency", "curve", "projection",
    }  # fmt: skip
    scenario = Scenario(**EXAMPLE)  # type: ignore[arg-type]
    direct = estimate(scenario, resolve_prices(scenario))  # the API prices as the library does (figures change)
    assert body["annual"]["net_savings"] == pytest.approx(direct.annual.net_savings)
    assert body["sku"]["name"] == "B1"
    assert set(body["footprint"]) >= {"vector", "index_graph", "payload", "key_overhead", "total"}
    assert len(body["curve"]) == 21


def test_table_shows_every_output() -> None:
    result = _cli(*EXAMPLE_ARGS)
    assert result.exit_code == 0, result.output
    for text in ("$155,125.00", "$108,587.50", "$560.64", "$45,976.86", "0.36%", "B1", "key overhead", "12,760 h"):
        assert text in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--requests-per-day", "0"], "--requests-per-day"),
        (["--requests-per-day", "-5"], "--requests-per-day"),
        (["--hit-rate", "1.5"], "--hit-rate"),
        (["--hit-rate", "-0.1"], "--hit-rate"),
        (["--dim", "0"], "--dim"),
        (["--dim", "100000"], "--dim"),
        (["--input-tokens", "0"], "--input-tokens"),
        (["--ttl", "0"], "--ttl"),
        (["--model", "gtp-4o"], "close matches: gpt-4o"),
        (["--embedding-model", "my-embedder"], "dim is required"),
        (["--region", "mars"], "unknown region"),
        (["--output-tokens", "1000000"], "output_tokens=1,000,000 takes 12,500,450 ms"),  # not llm_latency_ms's
        # The API's length bounds (200, 200, 64): the CLI looked the name up and repeated it whole in its error.
        (["--embedding-model", "e" * 3000], "embedding_model is 3,000 characters; the limit is 200"),
        (["--model", "m" * 201], "model is 201 characters; the limit is 200"),
        (["--region", "r" * 65], "region is 65 characters; the limit is 64"),
    ],
)
def test_cli_refuses_bad_input(args: list[str], message: str) -> None:
    result = _cli(*args)
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output) < 1_000  # a long argument is not repeated whole


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\xff\xfe{}", "'utf-8' codec can't decode byte 0xff"),  # was a traceback (exit 1)
        (b"{" + b" " * 2**20 + b"}", "larger than 1,048,576 bytes"),  # /dev/zero was read until memory ran out
        (b'{"a": ', "Expecting value"),
        (b"[" * 50_000 + b"]" * 50_000, "maximum recursion depth"),  # was a traceback (exit 1)
    ],
    ids=["not UTF-8", "over 1 MiB", "not JSON", "nested 50,000 deep"],
)
def test_cli_refuses_a_bad_price_table_file(tmp_path: Path, content: bytes, message: str) -> None:
    table = tmp_path / "prices.json"
    table.write_bytes(content)
    result = _cli("--redis-prices", str(table))
    assert result.exit_code == 2, result.output
    assert "cannot read the Redis price table" in result.output and message in result.output


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"price": "nan"}, "B0's usd_per_node_hour is 'nan'"),  # printed "net $nan"
        ({"price": -1}, "B0's usd_per_node_hour is -1"),  # inflated the savings
        ({"usable_fraction": 0}, "usable_fraction is 0"),  # ZeroDivisionError
        ({"advertised_gb": 1e300}, "advertised_gb is 1e+300"),  # OverflowError
        ({"hours_per_year": -8760}, "hours_per_year is -8760"),
    ],
    ids=["nan price", "negative price", "nothing usable", "huge SKU", "negative year"],
)
def test_cli_refuses_a_price_table_of_impossible_figures(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    table = json.loads(resources.files("nearhit.economics").joinpath("data/azure_managed_redis.json").read_text())
    for region in table["regions"].values():
        for sku in region.values():
            sku["usd_per_node_hour"] = change.get("price", sku["usd_per_node_hour"])
    for sku in table["skus"]:
        sku["advertised_gb"] = change.get("advertised_gb", sku["advertised_gb"])
    table |= {name: value for name, value in change.items() if name in table}
    (tmp_path / "prices.json").write_text(json.dumps(table))
    result = _cli("--redis-prices", str(tmp_path / "prices.json"))
    assert result.exit_code == 2, result.output
    assert "malformed Redis price table" in result.output and message in result.output


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"requests_per_day": 0}, "requests_per_day"),
        ({"requests_per_day": -1}, "requests_per_day"),
        ({"hit_rate": 1.01}, "hit_rate"),
        ({"dim": 0}, "dim"),
        ({"dim": 100_000}, "dim"),
        ({"algorithm": "ivf"}, "algorithm"),
        ({"surprise": 1}, "surprise"),
        ({"input_tokens": 1.5}, "input_tokens"),
    ],
)
async def test_api_422_names_the_field(client: httpx.AsyncClient, change: dict[str, Any], field: str) -> None:
    response = await client.post("/calculator/estimate", json=EXAMPLE | change)
    assert response.status_code == 422
    assert field in {str(part) for error in response.json()["detail"] for part in error["loc"]}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"model": "gtp-4o"}, "close matches: gpt-4o"),
        ({"embedding_model": "my-embedder"}, "dim is required"),
        ({"region": "mars"}, "unknown region"),
        ({"output_tokens": 1_000_000}, "output_tokens=1,000,000 takes 12,500,450 ms"),
    ],
)
async def test_api_400_for_what_only_the_model_knows(
    client: httpx.AsyncClient, change: dict[str, Any], message: str
) -> None:
    response = await client.post("/calculator/estimate", json=EXAMPLE | change)
    assert response.status_code == 400
    assert message in response.json()["detail"]


async def test_output_tokens_within_bounds_are_estimated_once_the_llm_latency_is_given(
    client: httpx.AsyncClient,
) -> None:
    """The latency derived from 1,000,000 output tokens is past its bound: refused naming output_tokens (above);
    the caller who gives the latency gets the estimate."""
    response = await client.post(
        "/calculator/estimate", json=EXAMPLE | {"output_tokens": 1_000_000, "llm_latency_ms": 600_000}
    )
    assert response.status_code == 200, response.text
    assert response.json()["scenario"]["llm_latency_ms"] == 600_000


async def test_skus_and_models(client: httpx.AsyncClient) -> None:
    skus = (await client.get("/calculator/skus")).json()
    assert skus["as_of"] == "2026-08-01" and skus["skus"][0]["name"] == "B0"
    assert (await client.get("/calculator/skus", params={"region": "mars"})).status_code == 400
    models = (await client.get("/calculator/models")).json()
    assert models["embedding"][0]["model"] == "local"
    assert any(m["model"] == "gpt-4o" for m in models["chat"])


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"requests_per_day": 0}, "requests_per_day must be > 0"),
        ({"hit_rate": float("nan")}, "hit_rate must be >= 0 and <= 1"),
        ({"dim": 100_000}, "dim must be >= 2 and <= 16384 (got 100000)"),
        ({"input_tokens": 2.5}, "input_tokens must be a whole number"),
        ({"algorithm": "ivf"}, "algorithm must be 'hnsw' or 'flat'"),
        ({"model": " "}, "model must not be empty"),
    ],
)
def test_scenario_refuses_bad_input(change: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidInput, match=message.replace("(", r"\(").replace(")", r"\)")):
        Scenario(**(EXAMPLE | change))
