"""Token counting: the right encoding per model family, and the chat overhead OpenAI bills."""

from __future__ import annotations

import pytest

from nearhit.llm import ChatMessage, count_message_tokens, count_tokens
from nearhit.llm.tokens import encoding_for


@pytest.mark.parametrize(
    ("model", "encoding"),
    [
        ("gpt-4o", "o200k_base"),
        ("gpt-4o-mini-2024-07-18", "o200k_base"),
        ("gpt-4.1-mini", "o200k_base"),  # not cl100k, although it starts with "gpt-4"
        ("gpt-5", "o200k_base"),
        ("gpt-4", "cl100k_base"),
        ("meta-llama/Llama-3.1-8B-Instruct", "llama3"),
        ("my-azure-deployment", "o200k_base"),
    ],
)
def test_encoding_per_model(model: str, encoding: str) -> None:
    assert encoding_for(model).name == encoding


def test_counts_with_the_models_tokenizer() -> None:
    assert count_tokens("Hello world", "gpt-4o") == 2
    assert count_tokens("", "gpt-4o") == 0


def test_message_overhead_is_three_per_message_plus_three_for_the_reply() -> None:
    messages = [ChatMessage("system", "Be brief."), ChatMessage("user", "Hello world")]
    content = sum(count_tokens(m.role, "gpt-4o") + count_tokens(m.content, "gpt-4o") for m in messages)
    assert count_message_tokens(messages, "gpt-4o") == content + 3 * len(messages) + 3
