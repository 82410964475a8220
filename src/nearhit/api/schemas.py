"""Request bodies shared by several routers. Every model forbids unknown fields: a typo is a 422, not a
silently ignored option."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Label = Annotated[str, StringConstraints(min_length=1, max_length=256, pattern=r"^[^\x00-\x1f\x7f]+$")]
Threshold = Annotated[float, Field(ge=0, le=1, description="Similarity (1 - cosine distance) needed, 0-1.")]
TopK = Annotated[int, Field(ge=1, le=100)]
Ttl = Annotated[int, Field(gt=0, le=10 * 365 * 24 * 3600, description="Seconds to keep the entry.")]
# Long enough for any configured limit; the configured limit (NEARHIT_MAX_PROMPT_CHARS) is checked after.
PromptText = Annotated[str, Field(min_length=1, max_length=1_000_000)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Message(StrictModel):
    role: Literal["system", "user", "assistant"]
    content: Annotated[str, Field(max_length=1_000_000)]


class ScopeFields(StrictModel):
    """Who the answer belongs to: the lookup only matches entries of the same scope."""

    tenant: Label = "default"
    system_prompt: Annotated[str | None, Field(max_length=100_000)] = None
    conversation_id: Label | None = Field(None, description="Entries are shared within one conversation only.")
