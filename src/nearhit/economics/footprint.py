"""Memory per cache entry and for the working set, calibrated against a live Redis.

An entry is a HASH (its fields are declared in :mod:`nearhit.cache.entry`) under
``nearhit:<index>:entry:<64 hex>``, indexed by the Query Engine (two TAGs: scope and tenant digest, one NUMERIC,
one FLOAT32 vector). Its memory is modelled from the allocator up, because jemalloc's size classes,
not the raw byte counts, decide what ``used_memory`` reports (a 1,536-byte vector costs 1,792 bytes).

Where each constant comes from (Redis 8.2.3 + RediSearch 2.10.5, jemalloc 5.3.0, measured 2026-11-27 by
inserting 3,072 entries (three full vector blocks) and reading ``INFO memory``, ``MEMORY USAGE`` and
``FT.INFO``; the check is kept as ``tests/economics/test_footprint.py``):

- ``_VECTOR_BLOCK``: RediSearch stores vectors in blocks of 1,024 (its ``BLOCK_SIZE`` default); a block
  of ``1024 × dim × 4`` bytes plus a header lands in the next jemalloc class (1.5 MiB → 1.75 MiB), and that
  slack, divided over the block, is real memory ``FT.INFO`` does not report.
- ``_INDEX_LABEL_BYTES`` = 49: ``vector_index_sz_mb`` per vector minus ``dim × 4`` for FLAT, at 384 and
  1,536 dimensions alike (label ↔ id maps and per-vector metadata).
- ``_HNSW_BASE_BYTES`` = 176 and ``8 × M``: HNSW minus FLAT ``vector_index_sz_mb`` per vector was 240, 302,
  449 and 673 bytes for M = 8, 16, 32, 64; level 0 holds ``2M`` neighbour ids of 4 bytes (``8M``), the rest
  (element header, incoming-edge list, upper levels at probability 1/M) stays near 176 bytes.
- ``ENTRY_METADATA``: the small fields nearhit's engine writes and the typical length of each value
  (``cache/entry.py``'s ``FIELDS``); values cost ``sds_size`` (string header + terminator, jemalloc-rounded).
- ``_FIELD_NAME_HEADER`` = 12 and ``_FIELD_SLOT_BYTES`` = 16: ``MEMORY USAGE`` of a hash grew by 40 bytes
  per extra field with a 2-byte name and value, and by 16 more when the name grew from 2 to 17 bytes:
  the name sits in a 12-byte-header entry (jemalloc-rounded), plus a 16-byte slot, plus the value.
- ``_KEY_BYTES`` = 510 and ``_TTL_BYTES`` = 37: what remains of ``used_memory`` per entry once vectors,
  graph, field entries and values are taken out (496-509 for FLAT, 535 for HNSW at 384, 768 and 1,536
  dimensions, 200/800 and 50/3,000 byte prompts/answers): the 84-byte key and its keyspace slot, the hash's
  bucket array, and the Query Engine's document table, key table and TAG/NUMERIC postings (206 bytes in
  ``FT.INFO``); a TTL adds an expires-table slot and 16 bytes to the object (measured without and with).

Assumed: scopes and tenants have few distinct values (each distinct TAG value costs about 180 bytes
more, once); the embedded Redis runs jemalloc like Azure Managed Redis does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from nearhit.cache import entry

Algorithm = Literal["hnsw", "flat"]

FLOAT32_BYTES = 4
_VECTOR_BLOCK = 1024
_VECTOR_BLOCK_HEADER = 64
_INDEX_LABEL_BYTES = 49
_HNSW_BASE_BYTES = 176
_HNSW_BYTES_PER_M = 2 * 4  # level 0 keeps 2M neighbour ids of 4 bytes
# The fields nearhit's engine writes besides prompt, response and the vector, with the length of the
# value it typically writes (as text: Redis keeps hash values as strings).
ENTRY_METADATA: dict[str, int] = entry.METADATA_CHARS
_VARIABLE_FIELDS = tuple(f.name for f in entry.FIELDS if f.typical_chars is None and f.always)
_FIELD_SLOT_BYTES = 16
_FIELD_NAME_HEADER = 12
_KEY_BYTES = 510
_TTL_BYTES = 37
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class EntryFootprint:
    """Bytes one cache entry takes in Redis, by what they hold."""

    vector: int
    """The embedding twice: in the HASH document and in the index's vector blocks."""
    index_graph: int
    """The index's per-vector bookkeeping, and the HNSW neighbour links."""
    payload: int
    """Prompt, answer and metadata values."""
    key_overhead: int
    """Key, hash table, field names, TTL, and the Query Engine's document table and postings."""
    reported_vector_index: int
    """What ``FT.INFO`` reports per entry as ``vector_index_sz_mb`` (without allocator slack), for checks."""

    @property
    def total(self) -> int:
        """Bytes of ``used_memory`` per entry."""
        return self.vector + self.index_graph + self.payload + self.key_overhead


@dataclass(frozen=True, slots=True)
class WorkingSet:
    """How many entries live at once and the memory they need."""

    entries: int
    bytes: int
    required_bytes: int
    """``bytes`` with the headroom added: what a Redis SKU must hold."""


def jemalloc_size(size: int) -> int:
    """The size class jemalloc serves ``size`` from: 8, 16, 32, 48, 64, then four classes per doubling."""
    if size <= 8:
        return 8
    if size <= 64:
        return math.ceil(size / 16) * 16
    spacing = 1 << ((size - 1).bit_length() - 3)
    return math.ceil(size / spacing) * spacing


def sds_size(length: int) -> int:
    """Bytes Redis allocates for a string of ``length`` bytes (sds header + terminator, then jemalloc)."""
    header = 3 if length < 1 << 8 else 5 if length < 1 << 16 else 9 if length < 1 << 32 else 17
    return jemalloc_size(length + header)


def entry_footprint(
    dim: int,
    algorithm: Algorithm = "hnsw",
    *,
    hnsw_m: int = 16,
    prompt_bytes: int,
    response_bytes: int,
    ttl: bool = True,
) -> EntryFootprint:
    """Bytes per entry for a ``dim``-dimensional FLOAT32 vector, the given index, prompt and answer sizes."""
    raw_vector = dim * FLOAT32_BYTES
    block = _VECTOR_BLOCK * raw_vector + _VECTOR_BLOCK_HEADER
    index_copy = math.ceil(jemalloc_size(block) / _VECTOR_BLOCK)
    # Each hash field: its name in a dict entry (name + 12-byte header, jemalloc-rounded) and a 16-byte slot.
    fields = sum(
        jemalloc_size(len(name) + _FIELD_NAME_HEADER) + _FIELD_SLOT_BYTES
        for name in (*_VARIABLE_FIELDS, *ENTRY_METADATA)
    )
    graph = _INDEX_LABEL_BYTES
    if algorithm == "hnsw":
        graph += _HNSW_BASE_BYTES + _HNSW_BYTES_PER_M * hnsw_m
    return EntryFootprint(
        vector=sds_size(raw_vector) + index_copy,
        index_graph=graph,
        payload=sds_size(prompt_bytes) + sds_size(response_bytes) + sum(map(sds_size, ENTRY_METADATA.values())),
        key_overhead=_KEY_BYTES + fields + (_TTL_BYTES if ttl else 0),
        reported_vector_index=raw_vector + graph,
    )


TWIN_FIELDS = ("scope", entry.TENANT_ID, entry.VECTOR, entry.TOLD, entry.TWIN)
"""What a conversation's twin is written with (:func:`nearhit.cache.entry.twin_hash`)."""
_ENTRY_KEY_CHARS = 84  # nearhit:<index>:entry:<64 hex>, the entry a twin names


def twin_footprint(
    dim: int, algorithm: Algorithm = "hnsw", *, hnsw_m: int = 16, told_bytes: int, ttl: bool = True
) -> EntryFootprint:
    """Bytes per twin of a conversation's entry (one, or two for a follow-up that names nothing of its own): a
    vector of its own in the index, the story told as one question (``told_bytes``) and its entry's key, no
    answer. A conversation's entry costs :func:`entry_footprint` plus this once or twice."""
    whole = entry_footprint(dim, algorithm, hnsw_m=hnsw_m, prompt_bytes=0, response_bytes=0, ttl=ttl)
    fields = sum(jemalloc_size(len(name) + _FIELD_NAME_HEADER) + _FIELD_SLOT_BYTES for name in TWIN_FIELDS)
    tags = ENTRY_METADATA["scope"], ENTRY_METADATA[entry.TENANT_ID]
    return EntryFootprint(
        vector=whole.vector,
        index_graph=whole.index_graph,
        payload=sum(map(sds_size, tags)) + sds_size(told_bytes) + sds_size(_ENTRY_KEY_CHARS),
        key_overhead=_KEY_BYTES + fields + (_TTL_BYTES if ttl else 0),
        reported_vector_index=whole.reported_vector_index,
    )


def working_set(
    footprint: EntryFootprint,
    *,
    requests_per_day: float,
    distinct_share: float,
    ttl_seconds: int,
    headroom: float,
) -> WorkingSet:
    """Entries alive at once: new distinct prompts per second × how long each lives."""
    entries = math.ceil(requests_per_day * distinct_share * ttl_seconds / SECONDS_PER_DAY)
    size = entries * footprint.total
    return WorkingSet(entries=entries, bytes=size, required_bytes=math.ceil(size * (1 + headroom)))
