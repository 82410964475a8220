"""Request bodies shared by several routers. Every model forbids unknown fields (a typo is a 422, not a
silently ignored option) and is strict about types (``false`` is not a number, ``"5"`` not a count), so the
OpenAPI schema says what is accepted. Text fields run the rules of :mod:`nearhit.validate`,
so a blank prompt or a tenant with a control character is the same 422 as any other schema violation."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

from nearhit import validate


def _integral(value: object) -> object:
    """JSON Schema's ``integer`` includes ``3.0``: accept it as 3 (strict mode alone would refuse it)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _label(value: str) -> str:
    return validate.label(value, "the value")


def _label_schema(schema: dict[str, Any]) -> None:
    """:func:`nearhit.validate.label_pattern`, built when the OpenAPI document is (not at import)."""
    schema["pattern"] = validate.label_pattern()


def _prompt(value: str) -> str:
    return validate.prompt(value, validate.MAX_TEXT_CHARS)


def _response(value: str) -> str:
    return validate.response(value)


def _text(value: str) -> str:
    return validate.unicode_text(value, "the text")


# Placed after the constraints (Annotated[int, Field(...), Integral]) so they stay JSON Schema's minimum/maximum.
Integral = BeforeValidator(_integral)
Label = Annotated[
    str,
    Field(min_length=1, max_length=validate.MAX_LABEL_CHARS, json_schema_extra=_label_schema),
    AfterValidator(_label),
]
Threshold = Annotated[
    float,
    Field(
        ge=validate.THRESHOLD_RANGE[0],
        le=validate.THRESHOLD_RANGE[1],
        description="Similarity (1 - cosine distance) needed, 0-1.",
    ),
]
TopK = Annotated[int, Field(ge=1, le=100), Integral]
Ttl = Annotated[int, Field(gt=0, le=validate.MAX_TTL, description="Seconds to keep the entry."), Integral]
# Long enough for any configured limit; the configured limit (NEARHIT_MAX_PROMPT_CHARS) is checked after.
PromptText = Annotated[
    str,
    Field(min_length=1, max_length=validate.MAX_TEXT_CHARS, json_schema_extra={"pattern": validate.NOT_BLANK_PATTERN}),
    AfterValidator(_prompt),
]
ResponseText = Annotated[
    str,
    Field(
        min_length=1, max_length=validate.MAX_RESPONSE_CHARS, json_schema_extra={"pattern": validate.NOT_BLANK_PATTERN}
    ),
    AfterValidator(_response),
]
# The bound before the check: after it, a text's limit was worded as a list's ("at most 100000 items").
TurnText = Annotated[str, Field(max_length=validate.MAX_TEXT_CHARS), AfterValidator(_text)]
SystemPromptText = Annotated[str, Field(max_length=validate.MAX_SYSTEM_PROMPT_CHARS), AfterValidator(_text)]


class StrictModel(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True)


# A text part's other fields are ignored, as OpenAI and the gateway ignore them (``cache_control``): the part is
# OpenAI's shape, not one of ours whose typo a 422 should catch.
_TEXT_PARTS_SCHEMA = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"type": {"const": "text"}, "text": {"type": "string"}},
        "required": ["type", "text"],
    },
}


def _content_schema(schema: dict[str, Any]) -> None:
    """Text, or OpenAI's text parts: the history's check (:func:`nearhit.validate.history_shape`) joins them."""
    text = {key: value for key, value in schema.items() if key not in ("title", "description")}
    for key in text:
        del schema[key]
    schema["anyOf"] = [text, _TEXT_PARTS_SCHEMA]


class Message(StrictModel):
    role: Annotated[Literal["system", "user", "assistant"], BeforeValidator(validate.history_role)]
    content: Annotated[
        TurnText,
        Field(
            description='Text, or OpenAI\'s text parts ([{"type": "text", "text": ...}], joined).',
            json_schema_extra=_content_schema,
        ),
    ]


class ScopeFields(StrictModel):
    """Who the answer belongs to: the lookup only matches entries of the same scope."""

    tenant: Label = "default"
    system_prompt: SystemPromptText | None = None
    conversation_id: Label | None = Field(None, description="Entries are shared within one conversation only.")
