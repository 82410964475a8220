"""The local embedder: one text (a lookup's) is encoded without the tokenizer's thread pool, to the same vector
it gets inside a batch."""

from __future__ import annotations

import numpy as np
from fow_cache.data import load_questions

from nearhit.embeddings.local import LocalEmbedder


def test_one_text_gets_the_vector_it_gets_in_a_batch(local_embedder: LocalEmbedder) -> None:
    texts = [*(p["b"] for p in load_questions()[:20]), "", "x", "a longer question " * 20]
    alone = np.stack([local_embedder.encode([text])[0] for text in texts])
    batched = local_embedder.encode(texts)
    assert alone.shape == batched.shape == (len(texts), local_embedder.dimension)
    np.testing.assert_allclose(alone, batched, rtol=0, atol=1e-6)
    assert np.allclose(np.linalg.norm(alone, axis=1), 1.0, atol=1e-5)
