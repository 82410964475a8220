"""OpenAI and Azure OpenAI embedders, through the ``openai`` SDK."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import openai

from nearhit.config import Settings
from nearhit.embeddings.base import Vectors, l2_normalise
from nearhit.embeddings.models import OPENAI_DIMENSIONS
from nearhit.errors import ConfigError, EmbedderError

_SHORTENABLE = ("text-embedding-3-small", "text-embedding-3-large")


class OpenAIEmbedder:
    """Embeds with an OpenAI-style ``embeddings.create`` call; one HTTP request per batch of texts."""

    def __init__(self, client: openai.AsyncOpenAI, model: str, dimension: int | None = None) -> None:
        native = OPENAI_DIMENSIONS.get(model)
        if dimension is None and native is None:
            raise ConfigError(
                f"VECTOR_DIMENSION: unknown size for embedding model {model!r}; set VECTOR_DIMENSION "
                f"(known models: {', '.join(sorted(OPENAI_DIMENSIONS))})"
            )
        self._client = client
        self._model = model
        self._dimension = dimension or native or 0
        self._shorten = dimension is not None and dimension != native and model in _SHORTENABLE

    @property
    def model_name(self) -> str:
        return f"{self._model}@{self._dimension}"

    @property
    def dimension(self) -> int:
        return self._dimension

    async def embed(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self._dimension), dtype=np.float32)
        try:
            if self._shorten:
                response = await self._client.embeddings.create(
                    model=self._model, input=list(texts), dimensions=self._dimension
                )
            else:
                response = await self._client.embeddings.create(model=self._model, input=list(texts))
        except openai.OpenAIError as exc:
            raise EmbedderError(f"embedding with {self._model!r} failed: {exc}") from exc
        rows = sorted(response.data, key=lambda item: item.index)
        vectors = np.array([row.embedding for row in rows], dtype=np.float32)
        if vectors.shape[1] != self._dimension:
            raise EmbedderError(
                f"{self._model!r} returned {vectors.shape[1]}-d vectors, expected {self._dimension} "
                "(check VECTOR_DIMENSION)"
            )
        return l2_normalise(vectors)


def openai_embedder(settings: Settings) -> OpenAIEmbedder:
    """The OpenAI (or OpenAI-compatible) embedder from ``OPENAI_API_KEY`` / ``OPENAI_BASE_URL``."""
    client = openai.AsyncOpenAI(
        api_key=settings.openai_api_key or "not-needed",
        base_url=settings.openai_base_url,
        timeout=settings.llm_timeout,
    )
    return OpenAIEmbedder(client, settings.openai_embedding_model, settings.vector_dimension)


def azure_embedder(settings: Settings) -> OpenAIEmbedder:
    """The Azure OpenAI embedder from ``AZURE_OPENAI_ENDPOINT`` and ``AZURE_OPENAI_EMBEDDING_MODEL``."""
    if not settings.azure_openai_endpoint or not settings.azure_openai_embedding_model:
        raise ConfigError("AZURE_OPENAI_ENDPOINT and AZURE_OPENAI_EMBEDDING_MODEL must both be set for Azure")
    client = openai.AsyncAzureOpenAI(
        azure_endpoint=settings.azure_openai_endpoint,
        api_key=settings.azure_openai_api_key,
        api_version=settings.azure_openai_api_version,
        timeout=settings.llm_timeout,
    )
    return OpenAIEmbedder(client, settings.azure_openai_embedding_model, settings.vector_dimension)
