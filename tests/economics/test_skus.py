"""Which Azure Managed Redis SKU holds a working set."""

from __future__ import annotations

import pytest

from nearhit.economics import choose_sku, load_price_table
from nearhit.errors import InvalidInput

TABLE = load_price_table()


def test_table_is_sorted_and_has_no_flash_sku() -> None:
    assert [s.name for s in TABLE.skus][:3] == ["B0", "B1", "B3"]
    assert all(s.tier != "Flash Optimized" for s in TABLE.skus)
    assert all(s.kind in {"list", "estimate"} and s.source for s in TABLE.skus)
    assert [s.kind for s in TABLE.skus if s.name in {"B0", "B1", "B3", "B5"}] == ["list"] * 4


@pytest.mark.parametrize(
    ("required", "expected"),
    [
        (0, "B0"),
        (400_000_000, "B0"),  # usable: 0.5 GB × 0.8 = 400,000,000 bytes: exactly fits
        (400_000_001, "B1"),
        (800_000_000, "B1"),
        (800_000_001, "B3"),  # B3 (0.065/h) is cheaper than X3 (estimate 0.13/h) at 3 GB
        (4_800_000_001, "M10"),  # past B5 (6 × 0.8 = 4.8 GB): M10 0.308 < B10 0.312 at 12 GB
        (96_000_000_000, "M100"),  # 120 × 0.8 = 96 GB
    ],
)
def test_smallest_then_cheapest_sku_that_fits(required: int, expected: str) -> None:
    sku = choose_sku(TABLE, required)
    assert sku is not None and sku.name == expected


def test_nothing_fits_beyond_the_largest() -> None:
    assert choose_sku(TABLE, 96_000_000_001) is None


def test_unknown_region_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match=r"unknown region 'mars'.*eastus2"):
        load_price_table("mars")
