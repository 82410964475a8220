"""The one place nearhit counts tokens, with the real BPE tokenizer of the model (``quicktok``, offline).

Used by the simulated model and when an OpenAI-compatible server sends no usage; prices follow from these
counts, so they must match what the provider would bill.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import quicktok

from nearhit.llm.base import ChatMessage

_DEFAULT_ENCODING = "o200k_base"
# OpenAI families on o200k that quicktok's table does not know, or maps by a shorter prefix ("gpt-4.1" would
# resolve as "gpt-4", which is cl100k). Unknown names (Azure deployment names, local models) also get o200k.
_O200K_FAMILIES = ("gpt-4.1", "gpt-4.5", "gpt-5", "o4", "chatgpt-4o")

# Chat formatting overhead of OpenAI models since gpt-3.5-turbo-0613, from OpenAI's cookbook
# "How to count tokens with tiktoken": every message costs 3 tokens, and the reply is primed with 3 more.
_TOKENS_PER_MESSAGE = 3
_TOKENS_PER_REPLY = 3


@lru_cache(maxsize=32)
def encoding_for(model: str) -> quicktok.Tokenizer:
    """The tokenizer of ``model`` (an OpenAI model name, a Hugging Face id, a local model name)."""
    bare = model.lower().rsplit("/", 1)[-1]
    if bare.startswith(_O200K_FAMILIES):
        return quicktok.get_encoding(_DEFAULT_ENCODING)
    try:
        return quicktok.encoding_for_model(model)
    except KeyError:
        return quicktok.get_encoding(_DEFAULT_ENCODING)


def count_tokens(text: str, model: str) -> int:
    """Tokens in ``text`` for ``model`` (special-token text counts as ordinary text, as in a prompt)."""
    return int(encoding_for(model).count(text))


def count_message_tokens(messages: Sequence[ChatMessage], model: str) -> int:
    """Prompt tokens of a chat request, with the per-message overhead the API bills."""
    encoding = encoding_for(model)
    per_message = (
        _TOKENS_PER_MESSAGE + encoding.count(message.role) + encoding.count(message.content) for message in messages
    )
    return int(sum(per_message)) + _TOKENS_PER_REPLY
