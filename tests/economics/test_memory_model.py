"""The per-entry memory model and the working set, against hand-computed figures."""

from __future__ import annotations

import pytest

from nearhit.economics.footprint import entry_footprint, jemalloc_size, sds_size, twin_footprint, working_set


@pytest.mark.parametrize(
    ("size", "expected"),
    [
        (1, 8),
        (8, 8),
        (9, 16),
        (33, 48),
        (64, 64),
        (65, 80),  # (64, 128]: four classes 16 apart
        (129, 160),  # (128, 256]: 32 apart
        (1541, 1792),  # (1024, 2048]: 256 apart - a 384-d vector in a hash
        (6149, 7168),  # (4096, 8192]: 1024 apart - a 1536-d vector
        (1024 * 1536 + 64, 1792 * 1024),  # a block of 1,024 384-d vectors: 1.5 MiB + header → 1.75 MiB
    ],
)
def test_jemalloc_size_classes(size: int, expected: int) -> None:
    assert jemalloc_size(size) == expected


def test_sds_headers_grow_with_length() -> None:
    assert sds_size(0) == 8  # 0 + 3 → 8
    assert sds_size(200) == 224  # 200 + 3 (sdshdr8) = 203 → 224
    assert sds_size(800) == 896  # 800 + 5 (sdshdr16) = 805 → 896
    assert sds_size(70_000) == jemalloc_size(70_009)  # sdshdr32: 9 bytes


def test_entry_footprint_384_hnsw_by_hand() -> None:
    fp = entry_footprint(384, "hnsw", hnsw_m=16, prompt_bytes=2000, response_bytes=1200)
    # vector: hash copy sds(1536) = 1541 → 1792; index copy: block 1024×1536+64 → 1.75 MiB / 1024 = 1792
    assert fp.vector == 1792 + 1792
    # graph: 49 label bookkeeping + 176 HNSW base + 8 × 16 level-0 links
    assert fp.index_graph == 49 + 176 + 128
    # payload: sds(2000) = 2005 → 2048; sds(1200) = 1205 → 1280; metadata values:
    # scope 67→80, tenant 11→16, tenant_id 67→80, model 11→16, system_hash 67→80, history_hash 3→8,
    # created_at 21→32, tokens 6→8 twice, cost_usd 13→16, ttl 8→8, context 3→8, context_vector 3→8, earlier 3→8,
    # turn_vectors 3→8, told 3→8, twin 3→8 = 400
    assert fp.payload == 2048 + 1280 + 400
    # key overhead: 510 + 37 (TTL) + field entries: names+12 rounded, +16 slot each:
    # prompt 18→32, response 20→32, embedding 21→32, scope 17→32, tenant 18→32, tenant_id 21→32,
    # model 17→32, system_hash 23→32, history_hash 24→32, created_at 22→32, prompt_tokens 25→32,
    # completion_tokens 29→32, cost_usd 20→32, ttl 15→16, context 19→32, context_vector 26→32, earlier 19→32,
    # turn_vectors 24→32, told 16→16, twin 16→16 = 17×32 + 3×16 = 592, + 20×16 slots = 320
    assert fp.key_overhead == 510 + 37 + 592 + 320
    assert fp.total == 3584 + 353 + 3728 + 1459 == 9124
    assert fp.reported_vector_index == 1536 + 353  # what FT.INFO counts: raw vector + graph


def test_flat_has_no_graph_links_and_no_ttl_saves_its_slot() -> None:
    hnsw = entry_footprint(1536, "hnsw", hnsw_m=32, prompt_bytes=100, response_bytes=100)
    flat = entry_footprint(1536, "flat", prompt_bytes=100, response_bytes=100, ttl=False)
    assert flat.index_graph == 49
    assert hnsw.index_graph - flat.index_graph == 176 + 8 * 32
    assert hnsw.key_overhead - flat.key_overhead == 37
    assert flat.vector == 7168 + 6144 + 1024  # sds(6144) → 7168; 6 MiB + header → 7 MiB block / 1024


def test_working_set_is_new_entries_per_second_times_ttl() -> None:
    fp = entry_footprint(384, "hnsw", prompt_bytes=2000, response_bytes=1200)
    ws = working_set(fp, requests_per_day=100_000, distinct_share=0.7, ttl_seconds=86_400, headroom=0.25)
    # 100,000 × 0.7 × 86,400 / 86,400 = 70,000 entries × 9,124 B = 638,680,000 B; × 1.25 = 798,350,000
    assert ws.entries == 70_000
    assert ws.bytes == 638_680_000
    assert ws.required_bytes == 798_350_000
    half_hour = working_set(fp, requests_per_day=100_000, distinct_share=0.7, ttl_seconds=1800, headroom=0)
    assert half_hour.entries == 1459  # 70,000 × 1,800 / 86,400 = 1,458.3 → 1,459


def test_a_conversations_twin_by_hand() -> None:
    """A twin (issue 14) points at its entry: its vector, two tags, the story told and the entry's key."""
    fp = twin_footprint(384, "hnsw", hnsw_m=16, told_bytes=300)
    assert (fp.vector, fp.index_graph) == (3584, 353)  # as an entry's: the twin is indexed by a vector of its own
    # scope 67→80, tenant_id 67→80, told sds(300) = 305→320, the entry's key sds(84) = 87→96
    assert fp.payload == 80 + 80 + 320 + 96
    # scope 17→32, tenant_id 21→32, embedding 21→32, told 16→16, twin 16→16 = 128, + 5×16 slots = 80
    assert fp.key_overhead == 510 + 37 + 128 + 80
    assert fp.total == 5268
