"""The one interface every embedder offers: texts in, L2-normalised float32 vectors out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

Vectors = npt.NDArray[np.float32]
"""A ``(len(texts), dimension)`` float32 array, one row a text."""


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into vectors. ``model_name`` keys the embedding cache; ``dimension`` sizes the index."""

    @property
    def model_name(self) -> str: ...

    @property
    def dimension(self) -> int: ...

    async def embed(self, texts: Sequence[str]) -> Vectors: ...


@runtime_checkable
class Interruptible(Protocol):
    """An embedder whose model calls in progress can be ended (a local model, in a worker thread)."""

    def interrupt(self) -> None: ...


def l2_normalise(vectors: npt.NDArray[np.floating]) -> Vectors:
    """Unit-length rows, so cosine similarity is a dot product and distances match Redis's COSINE."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    normalised: Vectors = (vectors / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
    return normalised
