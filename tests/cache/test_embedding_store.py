"""The embedding store keys a vector by what the embedder read (short forms spelt out), on the real Redis."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache.keys import normalise


async def test_a_short_form_and_its_spelt_out_words_share_one_stored_vector(cache: SemanticCache) -> None:
    spelt_out, short = normalise("How do I reset my password?"), normalise("How do I reset my pwd?")
    assert cache.embeddings.key_for(short) == cache.embeddings.key_for(spelt_out)
    await cache.embeddings.embed([spelt_out])
    await cache.background.drain()
    misses = cache.embeddings.misses
    await cache.embeddings.embed([short])
    assert cache.embeddings.misses == misses  # read back, not embedded again


async def test_texts_the_embedder_reads_differently_have_their_own_vectors(cache: SemanticCache) -> None:
    assert cache.embeddings.key_for(normalise("reset my pwd")) != cache.embeddings.key_for(normalise("reset my pod"))
