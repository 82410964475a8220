"""The memory model against a real Redis: insert entries of known size, measure, compare within ±15%.

A correctness check, not a timing. 3,072 entries fill exactly three of RediSearch's 1,024-vector blocks,
so the measurement is the steady state a large cache reaches (a part-filled last block would add up to
one block's worth of unused capacity, spread over few entries). The entries carry the fields nearhit's
engine writes, with the value lengths ``footprint.ENTRY_METADATA`` assumes.
"""

from __future__ import annotations

import hashlib
import time
import uuid
from collections.abc import Iterator

import numpy as np
import pytest
import redis

from nearhit.economics.footprint import Algorithm, entry_footprint

ENTRIES = 3072
PROMPT_BYTES, RESPONSE_BYTES = 200, 800
TOLERANCE = 0.15


@pytest.fixture
def client(redis_url: str) -> Iterator[redis.Redis]:
    with redis.Redis.from_url(redis_url, protocol=2) as connection:
        yield connection


def _used_memory(client: redis.Redis) -> int:
    """``used_memory`` once nothing is being freed in the background: a dropped index's documents (ours, or an
    earlier test's) are freed lazily, and counting that as our entries' size gave 3.7 KB (even less than zero)
    for a 6.1 KB entry."""
    deadline = time.monotonic() + 30
    while True:
        info = client.info("memory")
        if int(info.get("lazyfree_pending_objects", 0)) == 0 or time.monotonic() > deadline:
            return int(info["used_memory"]) - int(info.get("mem_clients_normal", 0))
        time.sleep(0.05)


def _fill(client: redis.Redis, prefix: str, dim: int) -> None:
    rng = np.random.default_rng(7)
    scope = hashlib.sha256(b"scope").hexdigest()
    system_hash = hashlib.sha256(b"system").hexdigest()
    pipe = client.pipeline(transaction=False)
    for i in range(ENTRIES):
        key = prefix + hashlib.sha256(str(i).encode()).hexdigest()
        pipe.hset(
            key,
            mapping={
                "prompt": "p" * PROMPT_BYTES,
                "response": "r" * RESPONSE_BYTES,
                "model": "gpt-4o-x",
                "tenant": "tenant-1",
                "scope": scope,
                "system_hash": system_hash,
                "history_hash": "",
                "created_at": time.time(),
                "prompt_tokens": 123,
                "completion_tokens": 456,
                "ttl": 86_400,
                "embedding": rng.standard_normal(dim).astype(np.float32).tobytes(),
            },
        )
        pipe.expire(key, 86_400)
        if i % 256 == 255:
            pipe.execute()
    pipe.execute()


@pytest.mark.parametrize("dim", [384, 1536])
@pytest.mark.parametrize("algorithm", ["hnsw", "flat"])
def test_measured_memory_per_entry_matches_the_model(client: redis.Redis, dim: int, algorithm: Algorithm) -> None:
    index = f"fp_{uuid.uuid4().hex[:10]}"
    prefix = f"nearhit:{index}:entry:"
    vector = ["TYPE", "FLOAT32", "DIM", dim, "DISTANCE_METRIC", "COSINE"]
    if algorithm == "hnsw":
        vector += ["M", 16, "EF_CONSTRUCTION", 200]
    client.execute_command(
        "FT.CREATE", index, "ON", "HASH", "PREFIX", 1, prefix, "SCHEMA",
        "scope", "TAG", "tenant", "TAG", "model", "TAG", "created_at", "NUMERIC",
        "embedding", "VECTOR", algorithm.upper(), len(vector), *vector,
    )  # fmt: skip
    try:
        before = _used_memory(client)
        _fill(client, prefix, dim)
        used_per_entry = (_used_memory(client) - before) / ENTRIES
        raw = client.execute_command("FT.INFO", index)
        info = dict(zip(raw[::2], raw[1::2], strict=True))
        assert int(info[b"num_docs"]) == ENTRIES
        index_per_entry = float(info[b"vector_index_sz_mb"]) * 2**20 / ENTRIES
    finally:
        client.execute_command("FT.DROPINDEX", index, "DD")

    model = entry_footprint(dim, algorithm, hnsw_m=16, prompt_bytes=PROMPT_BYTES, response_bytes=RESPONSE_BYTES)
    assert used_per_entry == pytest.approx(model.total, rel=TOLERANCE), (used_per_entry, model)
    assert index_per_entry == pytest.approx(model.reported_vector_index, rel=TOLERANCE), (index_per_entry, model)
