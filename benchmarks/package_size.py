"""On-disk size of installed packages, for the embedder tables (`embedders.py`, `multilingual.py`)."""

from __future__ import annotations

import importlib.util
from collections.abc import Sequence
from pathlib import Path


def size_mb(packages: Sequence[str]) -> float:
    """Size of the packages' folders in MB (weights + engine; numpy not counted, every candidate needs it)."""
    total = 0
    for name in packages:
        spec = importlib.util.find_spec(name)
        for folder in (spec.submodule_search_locations or []) if spec else []:
            total += sum(f.stat().st_size for f in Path(folder).rglob("*") if f.is_file())
    return total / 1e6
