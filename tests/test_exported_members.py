"""The public surface of ``import nearhit``: ``__all__`` is exactly what the package offers (as httpx checks)."""

from __future__ import annotations

import types

import nearhit


def test_all_is_sorted_and_resolves() -> None:
    assert nearhit.__all__ == sorted(nearhit.__all__)
    for name in nearhit.__all__:
        assert getattr(nearhit, name) is not None


def test_all_lists_every_public_member() -> None:
    public = {
        name
        for name in dir(nearhit)
        if (not name.startswith("_") or name == "__version__")
        and not isinstance(getattr(nearhit, name), types.ModuleType)
    }
    assert public == set(nearhit.__all__)


def test_exported_classes_are_the_engines_own() -> None:
    from nearhit.cache import LookupResult, SearchHit

    assert nearhit.LookupResult is LookupResult and nearhit.SearchHit is SearchHit
