"""An index found at start-up in another shape than the one nearhit makes (another client's, or an older nearhit's):
a precise error naming what differs and the way out, never a silent wrong answer (hv62). Each shape was taken as it
was: an L2 or IP metric read every similarity otherwise (0.907 for a pair cosine reads 0.954), a FLOAT16 vector
type or another key prefix indexed no entry, an index without ``scope`` found no candidate; every lookup a quiet
miss. Real embedded Redis; the index made with ``FT.CREATE`` as another client would."""

from __future__ import annotations

import pytest
from redis.asyncio import Redis

from nearhit.cache.index import IndexSpec, drop_index, ensure_index
from nearhit.cache.keys import KeySpace
from nearhit.errors import IndexMismatch
from tests.support.index_shapes import Change, create_in_shape, swap


def without(field: str) -> Change:
    def change(prefix: list[str], fields: list[str]) -> tuple[list[str], list[str]]:
        start = fields.index(field)
        end = start + 1
        while fields[end] not in {"TAG", "NUMERIC", "VECTOR"}:
            end += 1
        return prefix, fields[:start] + fields[end + 1 :]  # the field's name, its type and its options up to the next

    return change


def as_numeric(field: str) -> Change:
    def change(prefix: list[str], fields: list[str]) -> tuple[list[str], list[str]]:
        at = fields.index(field)
        return prefix, [*fields[: at + 1], "NUMERIC", *fields[at + 5 :]]  # TAG SEPARATOR , CASESENSITIVE

    return change


SHAPES: list[tuple[str, Change, str]] = [
    ("an L2 metric", swap("COSINE", "L2"), "vector distance metric L2 (wanted COSINE)"),
    ("an IP metric", swap("COSINE", "IP"), "vector distance metric IP (wanted COSINE)"),
    ("FLOAT16 vectors", swap("FLOAT32", "FLOAT16"), "vector data type FLOAT16 (wanted FLOAT32)"),
    ("no scope field", without("scope"), "field scope missing (wanted a TAG)"),
    ("scope a number", as_numeric("scope"), "field scope a NUMERIC (wanted a TAG)"),
    ("another key prefix", lambda prefix, fields: (["nearhit:other:"], fields), "key prefix nearhit:other:"),
]


@pytest.mark.parametrize(("change", "named"), [(c, n) for _, c, n in SHAPES], ids=[what for what, _, _ in SHAPES])
async def test_an_index_of_another_shape_is_refused_naming_what_differs(
    redis_client: Redis, index_name: str, change: Change, named: str
) -> None:
    name = index_name + "_shape"
    spec = IndexSpec(name=name, keys=KeySpace(name), dimension=384)
    await create_in_shape(redis_client, spec, change)
    try:
        with pytest.raises(IndexMismatch) as refused:
            await ensure_index(redis_client, spec)
        assert named in str(refused.value) and "nearhit cache rebuild" in str(refused.value)
    finally:
        await drop_index(redis_client, name, delete_entries=True)
    await ensure_index(redis_client, spec)  # made in nearhit's shape: taken
    try:
        await ensure_index(redis_client, spec)
    finally:
        await drop_index(redis_client, name, delete_entries=True)
