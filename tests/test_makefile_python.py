"""``make demo`` / ``make test`` with a Python older than 3.11 (macOS's ``/usr/bin/python3`` is 3.9): the Makefile
says which Python it found and what to pass, before making a ``.venv`` of it, and says to remove a ``.venv`` an
earlier run made with one, rather than leaving pip's "requires a different Python" on every later run. Run on a
copy of the Makefile with a stand-in for the old Python (nothing is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OLD_PYTHON = """#!/bin/sh
case "$1" in
  --version) echo "Python 3.9.6" ;;
  -c) exit 1 ;;
  *) echo "the old Python was asked to: $*" >&2; exit 3 ;;
esac
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "Makefile", tmp_path / "Makefile")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    old = tmp_path / "python3.9"
    old.write_text(OLD_PYTHON)
    old.chmod(0o755)
    return tmp_path


def _install(checkout: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "install", f"PYTHON={checkout / 'python3.9'}"],
        cwd=checkout,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_an_old_python_is_named_before_a_venv_is_made_of_it(checkout: Path) -> None:
    made = _install(checkout)
    assert made.returncode != 0
    assert "nearhit needs Python 3.11 or newer" in made.stdout
    assert "is Python 3.9.6: run make again with PYTHON=python3.12" in made.stdout
    assert not (checkout / ".venv").exists()


@pytest.mark.skipif(shutil.which("make") is None, reason="no make")
def test_a_venv_an_earlier_run_made_with_an_old_python_is_named(checkout: Path) -> None:
    (checkout / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(checkout / "python3.9", checkout / ".venv" / "bin" / "python")
    made = _install(checkout)
    assert made.returncode != 0
    assert ".venv has Python 3.9.6; nearhit needs Python 3.11 or newer: rm -rf .venv" in made.stdout
    assert "asked to" not in made.stderr
