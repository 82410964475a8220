"""The calculator's inputs have one schema, :class:`Scenario`: the API's request model, the CLI's options and
the web form's limits are derived from it, so none of them can disagree on a field, a bound or a default."""

from __future__ import annotations

import dataclasses
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import click
import httpx
import pytest
from fastapi import FastAPI

from nearhit.api.calculator import router
from nearhit.cli.calc_cmd import calc
from nearhit.economics import BOUNDS, EMBEDDING_DIMENSIONS, INTEGERS, Scenario, scenario_defaults

CALCULATOR_PAGE = Path(__file__).parents[2] / "src" / "nearhit" / "web" / "calculator.html"
SCENARIO_FIELDS = {f.name for f in dataclasses.fields(Scenario)}


@pytest.fixture
async def client() -> Any:
    app = FastAPI()
    app.include_router(router)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as http:
        yield http


async def test_the_api_request_is_the_scenario(client: httpx.AsyncClient) -> None:
    schema = (await client.get("/openapi.json")).json()["components"]["schemas"]["EstimateRequest"]
    properties = schema["properties"]
    assert set(properties) == SCENARIO_FIELDS
    assert set(schema.get("required", ())) == SCENARIO_FIELDS - set(scenario_defaults())
    assert schema["additionalProperties"] is False
    for name, default in scenario_defaults().items():
        assert properties[name].get("default") == default, name
    for name, bound in BOUNDS.items():
        number = next((p for p in properties[name].get("anyOf", []) if p.get("type") != "null"), properties[name])
        assert number["type"] == ("integer" if name in INTEGERS else "number"), name
        assert number["maximum"] == bound.hi, name
        assert number["exclusiveMinimum" if bound.lo_open else "minimum"] == bound.lo, name


async def test_the_api_takes_every_default_the_cli_takes(client: httpx.AsyncClient) -> None:
    """``POST /calculator/estimate`` required four inputs ``nearhit calc`` defaulted; both now start from the
    scenario's defaults: an empty body is the CLI's example, and a wrong value is still a 422 naming its field."""
    empty = await client.post("/calculator/estimate", json={})
    assert empty.status_code == 200, empty.text
    assert empty.json()["scenario"]["requests_per_day"] == 100_000 and empty.json()["scenario"]["hit_rate"] == 0.3
    options = {p.name: p.default for p in calc.params if isinstance(p, click.Option)}
    assert {name: options[name] for name in ("requests_per_day", "input_tokens", "output_tokens", "hit_rate")} == {
        "requests_per_day": 100_000,
        "input_tokens": 500,
        "output_tokens": 300,
        "hit_rate": 0.3,
    }
    wrong = await client.post("/calculator/estimate", json={"hit_rate": 1.5, "input_tokens": 2.5})
    assert wrong.status_code == 422
    assert {(e["loc"][-1], e["type"]) for e in wrong.json()["detail"]} == {
        ("hit_rate", "less_than_equal"),
        ("input_tokens", "int_type"),
    }


def test_the_cli_options_are_the_scenario() -> None:
    options = {p.name: p for p in calc.params if isinstance(p, click.Option)}
    assert set(options) >= SCENARIO_FIELDS
    for name, default in scenario_defaults().items():
        if default is not None:
            assert options[name].default == default, name
    for name, bound in BOUNDS.items():
        kind = options[name].type
        assert isinstance(kind, click.IntRange if name in INTEGERS else click.FloatRange), name
        assert (kind.min, kind.max, kind.min_open) == (bound.lo, bound.hi, bound.lo_open), name


async def test_the_form_gets_its_limits_from_the_scenario(client: httpx.AsyncClient) -> None:
    served = (await client.get("/calculator/inputs")).json()
    assert served["known_dimensions"] == EMBEDDING_DIMENSIONS
    for name, bound in BOUNDS.items():
        spec = served["fields"][name]
        assert (spec["min"], spec["max"], spec["min_open"]) == (bound.lo, bound.hi, bound.lo_open), name
        assert spec["integer"] == (name in INTEGERS), name
    page = _FormInputs()
    page.feed(CALCULATOR_PAGE.read_text())
    assert set(page.inputs) == SCENARIO_FIELDS  # one form field per scenario field, named alike
    for name in BOUNDS:  # no limit written into the page: calculator.js sets them from /calculator/inputs
        assert not {"min", "max", "step"} & set(page.inputs[name]), (name, page.inputs[name])
    for name, default in scenario_defaults().items():
        attrs = page.inputs[name]
        if default is None:
            assert not attrs.get("value"), name  # empty: the server derives it
        elif attrs.get("type") == "checkbox":
            assert ("checked" in attrs) == default, name
        elif attrs.get("data-kind") == "percent":
            assert float(attrs["value"]) == pytest.approx(default * 100), name  # type: ignore[operator]
        elif isinstance(default, int | float):
            assert float(attrs["value"] or "nan") == default, name
        else:
            assert attrs["value"] == default, name


class _FormInputs(HTMLParser):
    """The attributes of each named ``input``/``select`` of the page (a select's first option as its value)."""

    def __init__(self) -> None:
        super().__init__()
        self.inputs: dict[str, dict[str, str | None]] = {}
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        named = dict(attrs)
        if tag in ("input", "select") and named.get("name"):
            self.inputs[str(named["name"])] = named
            self._select = str(named["name"]) if tag == "select" else None
        elif tag == "option" and self._select and "value" not in self.inputs[self._select]:
            self.inputs[self._select]["value"] = named.get("value")
