"""The embedding store keys a vector by what the embedder read (short forms spelt out), on the real Redis."""

from __future__ import annotations

import asyncio
import re
import uuid

import pytest

from nearhit.cache import Scope, SemanticCache, embedding_store
from nearhit.cache.keys import normalise
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards.text import expand_short_forms
from nearhit.service import bootstrap
from tests.support import wire
from tests.support.lookups import ask

SCOPE = Scope.build(model="gpt-4o", tenant="store")


async def test_a_short_form_and_its_spelt_out_words_share_one_stored_vector(cache: SemanticCache) -> None:
    spelt_out, short = normalise("How do I reset my password?"), normalise("How do I reset my pwd?")
    assert cache.embeddings.key_for(short, SCOPE.tenant) == cache.embeddings.key_for(spelt_out, SCOPE.tenant)
    await cache.embeddings.embed([spelt_out], SCOPE.tenant)
    await cache.background.drain()
    misses = cache.embeddings.misses
    await cache.embeddings.embed([short], SCOPE.tenant)
    assert cache.embeddings.misses == misses  # read back, not embedded again


async def test_texts_the_embedder_reads_differently_have_their_own_vectors(cache: SemanticCache) -> None:
    pwd, pod = normalise("reset my pwd"), normalise("reset my pod")
    assert cache.embeddings.key_for(pwd, SCOPE.tenant) != cache.embeddings.key_for(pod, SCOPE.tenant)


async def test_a_lookup_that_embeds_its_prompt_spells_out_its_short_forms_once(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The stored vector's key, the embedder's input and the background write all need the spelt-out text: it
    is worked out once per text (it cost ~35 µs a time, three times a lookup)."""
    seen: list[str] = []

    def counting(text: str) -> str:
        seen.append(text)
        return expand_short_forms(text)

    monkeypatch.setattr(embedding_store, "expand_short_forms", counting)
    prompt = f"How do I reset my pwd on server {uuid.uuid4().hex}?"
    await cache.lookup(prompt, SCOPE)
    await cache.background.drain()
    assert seen == [normalise(prompt)]
    assert await cache.redis.exists(cache.embeddings.key_for(normalise(prompt), SCOPE.tenant)) == 1


async def test_the_fill_after_a_lookup_writes_the_vector_it_computed_under_the_stores_ttl(
    cache: SemanticCache,
) -> None:
    """The write packed by hand (``client.writes``, not a redis-py pipeline) keeps what the pipeline wrote: the
    lookup's own vector, as float32 bytes, expiring after the store's TTL; a conversation's two texts both."""
    import numpy as np

    prompt = f"What does error {uuid.uuid4().hex} mean?"
    result = await cache.lookup(prompt, SCOPE)
    await cache.background.drain()
    key = cache.embeddings.key_for(normalise(prompt), SCOPE.tenant)
    assert await cache.redis.get(key) == np.asarray(result.embedding, dtype=np.float32).tobytes()
    assert 0 < await cache.redis.ttl(key) <= embedding_store.DEFAULT_TTL_S
    texts = [f"first {uuid.uuid4().hex}", f"second {uuid.uuid4().hex}"]
    vectors = np.eye(2, cache.embedder.dimension, dtype=np.float32)
    cache.embeddings.remember(texts, vectors, SCOPE.tenant, None)
    await cache.background.drain()
    for text, vector in zip(texts, vectors, strict=True):
        assert await cache.redis.get(cache.embeddings.key_for(text, SCOPE.tenant)) == vector.tobytes()


async def test_the_vectors_computed_within_the_fill_delay_are_written_in_one_round_trip(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The fill after each lookup no longer lands in the request that follows it: the lookups of a period share
    one write, sent once the period is over (or on a drain, as on close)."""
    sent: list[int] = []
    done = asyncio.Event()
    original = embedding_store.reads

    async def counting(redis: object, commands: list[tuple[object, ...]], **options: bool) -> list[object]:
        replies = await original(redis, commands, **options)  # type: ignore[arg-type]
        sent.append(sum(1 for command in commands if command[0] == "SET"))  # the round trip's vectors
        done.set()
        return replies

    monkeypatch.setattr(embedding_store, "reads", counting)
    monkeypatch.setattr(embedding_store, "FILL_DELAY_S", 60)  # a period that does not end during the lookups
    prompts = [f"Why does build {uuid.uuid4().hex} fail?" for _ in range(3)]
    keys = [cache.embeddings.key_for(normalise(prompt), SCOPE.tenant) for prompt in prompts]
    for prompt in prompts:
        await cache.lookup(prompt, SCOPE)
    assert sent == [] and await cache.redis.exists(*keys) == 0  # none written yet
    await cache.background.drain()
    assert sent == [3] and await cache.redis.exists(*keys) == 3

    monkeypatch.setattr(embedding_store, "FILL_DELAY_S", 0.05)  # and with no drain, once the period is over
    done.clear()
    prompt = f"Why does build {uuid.uuid4().hex} fail?"
    await cache.lookup(prompt, SCOPE)
    await asyncio.wait_for(done.wait(), 10)
    assert sent == [3, 1] and await cache.redis.exists(cache.embeddings.key_for(normalise(prompt), SCOPE.tenant)) == 1


async def test_one_tenants_lookup_does_not_make_anothers_embedding_a_stored_one(cache: SemanticCache) -> None:
    """The store is kept per tenant: tenant B asking a text tenant A embedded computes it afresh (a store miss), so B
    cannot tell by the reply's speed that anyone asked it. Tenant A's second ask reads its own vector back."""
    text = f"Is port {uuid.uuid4().hex} open on the staging box?"
    acme, globex = Scope.build(model="gpt-4o", tenant="acme"), Scope.build(model="gpt-4o", tenant="globex")
    await cache.lookup(text, acme)
    await cache.background.drain()  # acme's vector is written
    hits, misses = cache.embeddings.hits, cache.embeddings.misses
    await cache.lookup(text, globex)
    assert (cache.embeddings.hits, cache.embeddings.misses) == (hits, misses + 1)
    await cache.background.drain()
    assert cache.embeddings.key_for(normalise(text), "acme") != cache.embeddings.key_for(normalise(text), "globex")
    searched = cache.embeddings.hits
    await cache.search(text=text, tenant="acme")  # the admin search of one tenant reads that tenant's vector
    assert cache.embeddings.hits == searched + 1


TURNS = [("user", "My laptop runs Ubuntu 24.04."), ("assistant", "Noted: Ubuntu 24.04 on the laptop.")]


async def embedded_keys(cache: SemanticCache, tenant: str) -> list[str]:
    """The stored vectors' keys of what ``tenant`` asked: a question, and a follow-up after earlier turns (its
    prompt and its turns are both embedded), each asserted written before a clear."""
    single, follow_up = f"Is port {uuid.uuid4().hex} open?", f"How do I free disk space {uuid.uuid4().hex}?"
    await cache.lookup(ask(cache, [], single, tenant=tenant))
    await cache.lookup(ask(cache, TURNS, follow_up, tenant=tenant))
    await cache.background.drain()
    texts = [single, follow_up, "\n".join(content for _, content in TURNS)]
    keys = [cache.embeddings.key_for(normalise(text), tenant) for text in texts]
    assert await cache.redis.exists(*keys) == len(keys)
    return keys


async def test_clearing_a_tenant_deletes_the_vectors_of_what_it_asked_and_only_those(cache: SemanticCache) -> None:
    """A clear leaves nothing of what the tenant asked: its questions' and its conversations' turns' vectors went
    with its entries (they stayed a week, readable by anyone with the Redis); another tenant's stay, and the admin
    clear of everything deletes every vector of the index, an admin's search's too."""
    acme, globex = await embedded_keys(cache, "acme"), await embedded_keys(cache, "globex")
    admin_text = f"what did anyone ask about {uuid.uuid4().hex}"
    await cache.search(text=admin_text)
    await cache.background.drain()
    admin = cache.embeddings.key_for(normalise(admin_text), None)
    assert await cache.redis.exists(admin) == 1
    await cache.clear(tenant="acme")
    assert await cache.redis.exists(*acme) == 0 and await cache.redis.exists(*globex) == len(globex)
    await cache.clear()
    assert await cache.redis.exists(*globex, admin) == 0


async def test_a_tenant_clear_walks_the_keyspace_once_and_takes_only_its_own_keys(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its vectors, rewrites, verdicts and twins marks are found in one SCAN walk (a walk for each made an
    evaluation's per-pair clean-up a third slower). The walk's pattern also takes another tenant's vector whose
    model part is this tenant's digest (a tenant named as the embedder's model): that one stays."""
    named_as_model = cache.embedder.model_name
    cleared, kept = await embedded_keys(cache, named_as_model), await embedded_keys(cache, "globex")
    sent = wire.record(monkeypatch, bytes)
    await cache.clear(tenant=named_as_model)
    walks = [payload for payload in sent if re.search(rb"\$4\r\nSCAN\r\n\$1\r\n0\r\n", payload)]
    assert len(walks) == 1, walks
    assert await cache.redis.exists(*cleared) == 0 and await cache.redis.exists(*kept) == len(kept)


async def test_a_vector_waiting_to_be_written_is_not_written_back_after_its_tenants_clear(
    cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup just before the clear left its vectors to the next fill: the clear drops them, or the fill would
    write them back a moment after (another tenant's still go)."""
    import numpy as np

    monkeypatch.setattr(embedding_store, "FILL_DELAY_S", 60)
    texts = [f"mine {uuid.uuid4().hex}", f"theirs {uuid.uuid4().hex}"]
    vectors = np.eye(2, cache.embedder.dimension, dtype=np.float32)
    cache.embeddings.remember(texts[:1], vectors[:1], "acme", None)
    cache.embeddings.remember(texts[1:], vectors[1:], "globex", None)
    await cache.clear(tenant="acme")
    await cache.background.drain()
    assert await cache.redis.exists(cache.embeddings.key_for(texts[0], "acme")) == 0
    assert await cache.redis.exists(cache.embeddings.key_for(texts[1], "globex")) == 1


async def stored(cache: SemanticCache, keys: list[str]) -> int:
    """How many of ``keys`` exist, asked one by one (on a cluster, two tenants' keys lie in two slots)."""
    return sum([await cache.redis.exists(key) for key in keys])


async def a_clear_elsewhere_wins(
    cache: SemanticCache, settings: Settings, embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``cache``'s lookups leave their vectors to the fill (a question, and a follow-up whose turns are embedded too),
    an admin's ``embed`` of a tenant's texts as well; another cache on the same Redis (another process: ``nearhit
    cache clear``) clears the tenant; then the fill runs: nothing of the cleared tenant's is written, another
    tenant's all is."""
    monkeypatch.setattr(embedding_store, "FILL_DELAY_S", 60)  # the fill waits for the drain, after the clear
    cleared, kept = f"cleared-{uuid.uuid4().hex[:8]}", f"kept-{uuid.uuid4().hex[:8]}"
    texts: dict[str, list[str]] = {}
    for tenant in (cleared, kept):
        single, follow_up = f"Is port {uuid.uuid4().hex} open?", f"How do I free disk space {uuid.uuid4().hex}?"
        await cache.lookup(ask(cache, [], single, tenant=tenant))
        await cache.lookup(ask(cache, TURNS, follow_up, tenant=tenant))
        searched = f"what did they ask about {uuid.uuid4().hex}"
        await cache.embeddings.embed([normalise(searched)], tenant)
        texts[tenant] = [single, follow_up, "\n".join(content for _, content in TURNS), searched]
    keys = {tenant: [cache.embeddings.key_for(normalise(text), tenant) for text in texts[tenant]] for tenant in texts}
    assert await stored(cache, [*keys[cleared], *keys[kept]]) == 0  # all still waiting for the fill
    other = await bootstrap.open_cache(settings, embedder)
    try:
        await other.clear(tenant=cleared)
    finally:
        await other.close()
    await cache.background.drain()  # the fill runs now
    assert await stored(cache, keys[cleared]) == 0
    assert await stored(cache, keys[kept]) == len(keys[kept])


async def test_a_lookup_before_a_clear_elsewhere_does_not_write_its_vectors_after_it(
    cache: SemanticCache, settings: Settings, local_embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clear ran in another process (``nearhit cache clear --tenant``), so it could not drop this one's vectors
    waiting for the fill: they carry the clear counts read before they were computed, and the fill deletes what it
    wrote once they changed. The cleared tenant's texts were back in Redis for a week; another tenant's are kept."""
    await a_clear_elsewhere_wins(cache, settings, local_embedder, monkeypatch)


@pytest.mark.parametrize("cleared", ["acme", "*", "acme*", "[a]cme", "?"])
async def test_a_tenant_named_with_glob_characters_or_a_prefix_clears_only_its_own_vectors(
    cache: SemanticCache, cleared: str
) -> None:
    """A tenant's SCAN pattern names its digest, never its name: "*" or "acme*" is not every tenant, "acme" is not
    "acme2" (rv64, held)."""
    tenants = ["acme", "acme2", "*", "acme*", "[a]cme", "?"]
    keys = {tenant: await embedded_keys(cache, tenant) for tenant in tenants}
    await cache.clear(tenant=cleared)
    for tenant in tenants:
        assert await cache.redis.exists(*keys[tenant]) == (0 if tenant == cleared else len(keys[tenant])), tenant
