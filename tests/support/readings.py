"""The readings' per-text caches forgotten, so the next lookup reads every text anew (a first look's cost)."""

from __future__ import annotations

import sys


def forget_readings() -> None:
    """Every ``functools`` cache of the ``nearhit`` modules emptied: each text is read again when next met."""
    for module in list(sys.modules.values()):
        if getattr(module, "__name__", "").startswith("nearhit"):
            for value in list(vars(module).values()):
                if callable(getattr(value, "cache_clear", None)):
                    value.cache_clear()
