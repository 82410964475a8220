"""The input rules (:mod:`nearhit.validate`): written once, so the engine, the API's schema, the gateway's
headers and the CLI agree; text with a lone surrogate is refused where it enters, naming the field and the
position (UTF-8 cannot encode it)."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from collections.abc import Callable

import click
import pytest
from pydantic import TypeAdapter, ValidationError

from nearhit import validate
from nearhit.api.schemas import ScopeFields, Threshold
from nearhit.cli._common import THRESHOLD
from nearhit.errors import InvalidInput


@pytest.mark.parametrize(
    ("check", "fragment"),
    [
        (lambda text: validate.prompt(text, 100), "prompt contains a lone surrogate (U+D800) at character 2"),
        (validate.response, "response contains a lone surrogate"),
        (lambda text: validate.label(text, "tenant"), "tenant contains a lone surrogate"),
    ],
)
def test_a_lone_surrogate_is_refused(check: Callable[[str], object], fragment: str) -> None:
    with pytest.raises(InvalidInput, match=re.escape(fragment)):
        check("ab\ud800cd")


def test_a_surrogate_pair_is_text() -> None:
    assert validate.unicode_text("smile \U0001f600", "prompt") == "smile \U0001f600"
    assert validate.prompt("smile \U0001f600", 100) == "smile \U0001f600"


def test_importing_the_rules_loads_no_engine() -> None:
    """The CLI and the schemas import the rules; they must not pay for numpy, Redis or the cache."""
    code = (
        "import sys, nearhit.validate; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in {'numpy', 'redis', 'redisvl'} "
        "or m.startswith(('nearhit.cache', 'nearhit.embeddings'))))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


LABELS = ["   ", "\x85x", "a\x00b", "", "x" * (validate.MAX_LABEL_CHARS + 1), "tenant A", "ünïcode", "a,b"]
LABELS += ["\u200b", "\u2060\ufeff", "\u200e", "\u0301", "\u3164", "\u200bx", "e\u0301", "\U000e0041"]


@pytest.mark.parametrize("value", LABELS)
def test_the_schema_and_the_engine_agree_on_a_tenant(value: str) -> None:
    engine_ok = _accepts(lambda: validate.label(value, "tenant"))
    schema_ok = _accepts(lambda: ScopeFields.model_validate({"tenant": value}))
    assert schema_ok == engine_ok, value


@pytest.mark.parametrize("value", [v for v in LABELS if 0 < len(v) <= validate.MAX_LABEL_CHARS])
def test_the_openapi_pattern_and_the_engine_agree_on_a_label(value: str) -> None:
    """The pattern is what schemathesis (and any client generating from ``/openapi.json``) takes as valid."""
    engine_ok = _accepts(lambda: validate.label(value, "tenant"))
    assert bool(re.search(validate.label_pattern(), value)) == engine_ok, ascii(value)


THRESHOLDS = [-0.01, 0.0, 0.5, 1.0, 1.0001, float("nan"), float("inf")]


@pytest.mark.parametrize("value", THRESHOLDS)
def test_every_layer_agrees_on_a_threshold(value: float) -> None:
    engine_ok = _accepts(lambda: validate.threshold(value))
    assert _accepts(lambda: validate.threshold_text(repr(value), "x-nearhit-threshold")) == engine_ok
    assert _accepts(lambda: TypeAdapter(Threshold).validate_python(value)) == engine_ok
    assert _accepts(lambda: THRESHOLD.convert(value, None, None)) == engine_ok or math.isnan(value)


def _accepts(check: Callable[[], object]) -> bool:
    try:
        check()
    except (InvalidInput, ValidationError, click.BadParameter):
        return False
    return True
