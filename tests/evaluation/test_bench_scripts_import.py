"""Every script of ``benchmarks/`` imports against the package as it is: a name a script takes from ``nearhit``
that was renamed or removed breaks it only when someone next runs it (``referent_probe.py`` imported
``referent._POINTER`` for a session after it became ``POINTER``). Importing all of them takes a few seconds."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support.benchmarks import BENCHMARKS, load_script

SCRIPTS = sorted(path.stem for path in Path(BENCHMARKS).glob("*.py"))


def test_the_scripts_are_found() -> None:
    assert len(SCRIPTS) > 100 and "referent_probe" in SCRIPTS


@pytest.mark.parametrize("name", SCRIPTS)
def test_a_benchmark_script_imports(name: str) -> None:
    module = load_script(name)
    assert module.__doc__, f"benchmarks/{name}.py says what it measures in a docstring"
