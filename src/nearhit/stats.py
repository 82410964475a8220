"""Small statistics shared by telemetry, evaluation and the benchmarks."""

from __future__ import annotations

import math
from collections.abc import Sequence


def percentile(values: Sequence[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0-100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def counted(value: object) -> float:
    """A counter as Redis returns it (bytes, text or None), 0 when it is no finite number: another client may
    have written into the hash, and the summaries still answer (``HINCRBY`` then fails on that field alone)."""
    try:
        number = float(value or 0)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return number if math.isfinite(number) else 0.0
