"""The local embedder: one text (a lookup's) is encoded without the tokenizer's thread pool, to the same vector
it gets inside a batch."""

from __future__ import annotations

import asyncio
import threading
import time

import numpy as np
import pytest
from fow_cache.data import load_questions

from nearhit.config import Settings
from nearhit.embeddings.local import MAX_CALL, LocalEmbedder
from nearhit.errors import EmbedderError
from nearhit.service.runtime import Runtime


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


async def test_closing_the_runtime_ends_a_long_model_call_in_progress(settings: Settings) -> None:
    """``nearhit serve`` asked to stop (SIGTERM) waited for the model call in progress: uvicorn cancels the request
    after its 5 s grace, but the worker thread ran on, and the process waited for it (28.8 s at load 10 for one
    ``/v1/embeddings`` chunk; longer through the library's ``encode`` of a long list). Closing the runtime (the
    service's shutdown) now ends it: the call fails at once, and the thread is free."""
    runtime = Runtime.from_settings(settings.model_copy(update={"llm": "simulated"}))  # as the service builds it
    embedder = runtime.embedder
    assert isinstance(embedder, LocalEmbedder)
    texts = [f"{i} a long text about caching answers for large language models, " * 24 for i in range(600)]
    calls = threading.Event()
    real = embedder._pooled

    def started(ids: np.ndarray, mask: np.ndarray, types: np.ndarray) -> np.ndarray:
        calls.set()
        return real(ids, mask, types)

    embedder._pooled = started  # type: ignore[method-assign]
    encoding = asyncio.get_running_loop().run_in_executor(None, embedder.encode, texts)
    assert await asyncio.to_thread(calls.wait, 30)
    stopping = time.monotonic()
    await runtime.close()
    with pytest.raises(EmbedderError, match="interrupted"):
        await asyncio.wait_for(encoding, 5)  # not the minutes the rest of the list takes
    assert time.monotonic() - stopping < 2.0
    assert embedder.encode(["still usable"]).shape == (1, embedder.dimension)  # only the calls then running end
