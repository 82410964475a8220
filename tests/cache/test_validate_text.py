"""Text with a lone surrogate is refused where it enters the engine, naming the field and the position:
nothing can store, log or send it on (UTF-8 cannot encode it)."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from nearhit.cache import validate
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
