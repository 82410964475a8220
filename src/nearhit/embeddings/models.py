"""What nearhit knows about embedding models without loading them: their native vector sizes."""

from __future__ import annotations

# Native output sizes; the text-embedding-3 models can also be shortened with VECTOR_DIMENSION.
OPENAI_DIMENSIONS = {
    "text-embedding-3-small": 1536,
    "text-embedding-3-large": 3072,
    "text-embedding-ada-002": 1536,
}
LOCAL_DIMENSION = 384  # all-MiniLM-L6-v2, the offline default
MULTILINGUAL_DIMENSION = 512  # USE multilingual v3, NEARHIT_EMBEDDER=local-multilingual
