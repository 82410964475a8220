"""The constraints' readings as they were before their scans were skipped (:func:`constraints._may_match`): every
pattern scanned. The yardstick that the skipping readings must equal, on the tests' edge cases and on every fit text
(``benchmarks/constraints_scans.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from nearhit.cache import constraints


def _blanked(said: str) -> str:
    """``said`` with every phrase of a category of alternatives blanked, as the conditions are read after them."""
    for pattern in constraints._patterns()[1].values():
        said = pattern.sub(lambda found: " " * len(found.group(0)), said)
    return said


def plain_conditions(text: str) -> frozenset[str]:
    said = _blanked(constraints._said(text))
    found = constraints._found(constraints._patterns()[0], said)
    return found | {"medication"} if constraints.medicines(said) else found


def plain_alternatives(text: str) -> Mapping[str, frozenset[str]]:
    said = constraints._said(text)
    found = {name: constraints._found(pattern, said) for name, pattern in constraints._patterns()[1].items()}
    return {name: values for name, values in found.items() if values}


def plain_phrases(text: str) -> frozenset[str]:
    said = _blanked(constraints._said(text))
    phrases = frozenset(" ".join(found.group(0).split()) for found in constraints._patterns()[0].finditer(said))
    return phrases | constraints.medicines(said)
