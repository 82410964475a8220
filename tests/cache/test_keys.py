"""Normalisation, scopes and key names: pure functions, no Redis."""

from __future__ import annotations

import pytest
from redis.crc import key_slot

from nearhit.cache.index import IndexSpec
from nearhit.cache.keys import KeySpace, Scope, normalise
from nearhit.errors import InvalidInput


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  What is  RAG? ", "what is rag"),
        ("WHAT\tIS\nRAG", "what is rag"),
        ("¿Qué es RAG?", "qué es rag"),
        ("ﬁnance", "finance"),  # NFKC folds the ligature
        ("Straße", "strasse"),  # case-fold, not lower()
        ('"quoted."', "quoted"),
        ("3.14", "3.14"),  # inner punctuation stays
        # bits kept apart from bytes, which case-folding would merge
        ("A 100 Mbps line?", "a 100 mbit/s line"),
        ("A 100 mbps line?", "a 100 mbit/s line"),
        ("A 100 MBps line?", "a 100 mbps line"),
        ("a 2Gb chip", "a 2gbit chip"),
        ("a 2GB chip", "a 2gb chip"),
        ("a 2gb chip", "a 2gb chip"),  # lowercase "gb" says nothing: as before
        ("Mbps explained", "mbps explained"),  # no number: not a quantity
        # case kept in code spans and flags, where it carries meaning; the prose around them folded
        ("What does `curl -I` DO?", "what does `curl -I` do"),
        ("What does ls -R DO?", "what does ls -R do"),
        ("Why --Force it?", "why --Force it"),
        ("Is chmod +X SAFE?", "is chmod +X safe"),
        ("C+Rust or C-Style?", "c+rust or c-style"),
        ("Use ```Python\nX = 1\n``` HERE", "use ```Python X = 1 ``` here"),
        ("An E-Mail about Wi-Fi", "an e-mail about wi-fi"),  # a dash inside a word is no flag
        ("A `Mbps` LINE", "a `Mbps` line"),
        ("An `unclosed SPAN", "an `unclosed span"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert normalise(raw) == expected


def test_scope_id_changes_with_each_part() -> None:
    base = Scope.build(model="gpt-4o", tenant="acme", system_prompt="Be brief.", history=[("user", "hi")])
    variants = [
        Scope.build(model="gpt-4o-mini", tenant="acme", system_prompt="Be brief.", history=[("user", "hi")]),
        Scope.build(model="gpt-4o", tenant="other", system_prompt="Be brief.", history=[("user", "hi")]),
        Scope.build(model="gpt-4o", tenant="acme", system_prompt="Be long.", history=[("user", "hi")]),
        Scope.build(model="gpt-4o", tenant="acme", system_prompt="Be brief.", history=[("user", "hello")]),
        Scope.build(model="gpt-4o", tenant="acme", system_prompt="Be brief."),
    ]
    assert len({base.id, *(v.id for v in variants)}) == 6
    same = Scope.build(model="gpt-4o", tenant="acme", system_prompt="Be brief.", history=[("user", "hi")])
    assert same.id == base.id


def test_scope_fields_cannot_be_confused_by_separators() -> None:
    assert Scope.build(model="a b", tenant="c").id != Scope.build(model="a", tenant="b c").id


def test_entry_key_is_sha256_under_the_prefix() -> None:
    keys = KeySpace("q_idx")
    key = keys.entry(Scope.build(), "what is rag")
    assert key.startswith("nearhit:q_idx:entry:")
    assert len(key.rsplit(":", 1)[1]) == 64
    assert keys.is_entry_key(key)
    assert not keys.is_entry_key("nearhit:q_idx:entry:*")
    assert not keys.is_entry_key("other:key")


@pytest.mark.parametrize("bad", ["", "   ", "x" * 257, "a\nb", "tab\there"])
def test_scope_rejects_bad_labels(bad: str) -> None:
    with pytest.raises(InvalidInput):
        Scope.build(tenant=bad)
    with pytest.raises(InvalidInput):
        Scope.build(model=bad)


def test_scope_accepts_query_syntax_in_labels() -> None:
    # Escaped where it reaches a query; the scope id is a hex digest regardless.
    scope = Scope.build(model="gpt-4o|x", tenant="{acme}@-*")
    assert all(c in "0123456789abcdef" for c in scope.id)


def test_rate_limit_keys_are_per_caller_and_minute_in_one_slot() -> None:
    keys = KeySpace("q_idx")
    key = keys.rate_limit("key:abc", 29_000_000)
    assert key.startswith("nearhit:q_idx:ratelimit:{") and key.endswith("}:29000000")
    assert "key:abc" not in key  # the identity is digested, never written as is
    tag = key[key.index("{") : key.index("}") + 1]
    assert keys.rate_limit("key:abc", 29_000_001).count(tag) == 1  # the next minute: the same cluster slot
    assert tag not in keys.rate_limit("key:abd", 29_000_000)


def test_a_sharded_layout_puts_every_key_of_a_tenant_in_one_slot() -> None:
    keys = KeySpace("idx", sharded=True)
    scope = Scope.build(tenant="acme", model="m")
    spec = IndexSpec("idx", keys, 4).for_tenant("acme")
    entry = keys.entry(scope, "hello")
    tenant_keys = [entry, keys.observations(entry), spec.keys.embedding("acme", "model", "hello"), spec.name]
    assert len({key_slot(k.encode()) for k in tenant_keys}) == 1
    assert entry.startswith(spec.keys.entry_prefix) and keys.is_entry_key(entry)
    assert spec.name != IndexSpec("idx", keys, 4).for_tenant("globex").name
    assert spec.keys.owner_of(entry) == spec.keys
    # A single layout keeps today's names, so existing data stays reachable.
    single = KeySpace("idx")
    assert single.entry(scope, "hello") == "nearhit:idx:entry:" + entry.rpartition(":")[2]
    assert single.embedding("acme", "model", "hello").startswith("nearhit:idx:emb:")  # a clear finds it there
    assert "{" not in single.embedding("acme", "m", "x")
    # Kept per tenant (an admin's apart): one tenant's stored vector is never another's.
    assert len({single.embedding(tenant, "m", "x") for tenant in ("acme", "globex", None)}) == 3
