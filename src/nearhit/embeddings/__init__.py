"""Embedders: the local offline default (English), the local multilingual one, OpenAI and Azure OpenAI. They
know nothing of Redis: the vectors already computed are kept by :mod:`nearhit.cache.embedding_store`."""

from __future__ import annotations

from nearhit.config import Settings
from nearhit.embeddings.base import Embedder, Vectors, l2_normalise

__all__ = ["Embedder", "Vectors", "build_embedder", "l2_normalise"]


def build_embedder(settings: Settings) -> Embedder:
    """The embedder the settings ask for (``NEARHIT_EMBEDDER``, default: local unless a service is set)."""
    kind = settings.resolved_embedder
    if kind == "azure":
        from nearhit.embeddings.remote import azure_embedder

        return azure_embedder(settings)
    if kind == "openai":
        from nearhit.embeddings.remote import openai_embedder

        return openai_embedder(settings)
    if kind == "local-multilingual":
        from nearhit.embeddings.multilingual import MultilingualEmbedder

        return MultilingualEmbedder()
    from nearhit.embeddings.local import LocalEmbedder

    return LocalEmbedder(repair_typos=settings.embed_typo_repair)
