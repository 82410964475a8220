"""The local embedder: one text (a lookup's) is encoded without the tokenizer's thread pool, to the same vector
it gets inside a batch."""

from __future__ import annotations

import numpy as np
import pytest
from fow_cache.data import load_questions

from nearhit.embeddings.local import MAX_CALL, LocalEmbedder


def test_one_text_gets_the_vector_it_gets_in_a_batch(local_embedder: LocalEmbedder) -> None:
    texts = [*(p["b"] for p in load_questions()[:20]), "", "x", "a longer question " * 20]
    alone = np.stack([local_embedder.encode([text])[0] for text in texts])
    batched = local_embedder.encode(texts)
    assert alone.shape == batched.shape == (len(texts), local_embedder.dimension)
    np.testing.assert_allclose(alone, batched, rtol=0, atol=1e-6)
    assert np.allclose(np.linalg.norm(alone, axis=1), 1.0, atol=1e-5)


def test_a_long_list_runs_a_bounded_number_of_texts_per_model_call(
    local_embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A length group went to the model whole: the library's ``encode`` of 2,000 long texts is the call that took
    23.7 GB through ``/v1/embeddings``. Each call now takes at most ``MAX_CALL`` texts, the vectors unchanged."""
    texts = [f"question {i} about caching answers" for i in range(MAX_CALL * 2 + 5)]
    texts += ["a much longer question about caching answers, " * 8 + str(i) for i in range(MAX_CALL + 1)]
    expected = np.stack([local_embedder.encode([text])[0] for text in (texts[0], texts[-1])])
    real = local_embedder._pooled
    sizes: list[int] = []

    def recorded(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        sizes.append(len(ids))
        return real(ids, mask, types)

    monkeypatch.setattr(local_embedder, "_pooled", recorded)
    vectors = local_embedder.encode(texts)
    assert sizes and max(sizes) <= MAX_CALL and sum(sizes) == len(texts)
    np.testing.assert_allclose(vectors[[0, -1]], expected, rtol=0, atol=1e-5)
