"""A stored entry is declared once (``cache.entry``): what is written, indexed and read back all follow it."""

from __future__ import annotations

from nearhit.cache import entry
from nearhit.cache.index import IndexSpec
from nearhit.cache.keys import KeySpace, Scope
from nearhit.economics import footprint


def test_the_hash_written_has_exactly_the_declared_fields() -> None:
    mapping = entry.to_hash(
        prompt="q", response="a", scope=Scope.build(tenant="t"), vector=b"\0" * 8, prompt_tokens=1,
        completion_tokens=2, ttl=None,
    )  # fmt: skip
    assert list(mapping) == [f.name for f in entry.FIELDS if f.always]
    assert mapping[entry.TENANT_ID] == entry.tenant_tag("t") and len(entry.tenant_tag("t")) == 64
    # A field not written with every entry is written when it has a value (a conversation's told follow-up).
    told = entry.to_hash(
        prompt="q", response="a", scope=Scope.build(tenant="t"), vector=b"\0" * 8, prompt_tokens=1,
        completion_tokens=2, ttl=None, followup_vector="AAAA",
    )  # fmt: skip
    assert set(told) - set(mapping) == {entry.FOLLOWUP_VECTOR}


def test_the_index_and_the_reads_follow_the_declaration() -> None:
    schema = IndexSpec("x", KeySpace("x"), 4).schema()
    indexed = {name: field.type for name, field in schema.fields.items()}
    assert indexed == {f.name: f.index for f in entry.FIELDS if f.index is not None}
    assert entry.VECTOR not in entry.RETURNED  # a lookup never reads the vector back
    assert set(entry.RETURNED) >= {"prompt", "response", "model", "tenant", "created_at"}


def test_the_memory_model_counts_every_field() -> None:
    counted = {*footprint.ENTRY_METADATA, "prompt", "response", entry.VECTOR}
    assert counted == {f.name for f in entry.FIELDS if f.always}
    assert footprint.ENTRY_METADATA[entry.TENANT_ID] == 64
