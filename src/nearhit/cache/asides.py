"""Spans of small talk said around a question ("cool thanks 😊 how do I ...?", "on-call this week 😩 how do I
...?"): what the guards and the same-turns check read past, since they tell nothing the answer turns on."""

from __future__ import annotations

import re

from nearhit.cache import conversation

_EMOJI = r"[\U0001F000-\U0001FAFF\u2600-\u27BF\uFE0F\u200D]+"
_SPANS = re.compile(rf".*?(?:[.!?]+(?=\s|$)|{_EMOJI}|$)")
"""A question's spans: each ends at a sentence's stop or at a run of emoji ("cool thanks 😊 | how do I ...")."""
_ENDS_IN_EMOJI = re.compile(rf"{_EMOJI}\s*$")
_PERSON = re.compile(r"\b(i|i'm|im|i've|i'll|i'd|me|my|we|we're|we've|we'll|us|our)\b")
"""Who a span tells of when it says what the asker does ("I fly tomorrow 😬"), not how they feel."""


def without_asides(question: str, other: str, *, moods: bool = False) -> str:
    """``question`` without the spans of small talk before and after the one that asks ("ahh makes sense, thanks 👍
    how do i fix it?", "how do i clear it without harming the frogs? they're my little buddies 💚") that ``other``
    does not say too: a sentence or a span closed by emoji that states no fact a guard compares and binds nothing
    (:func:`conversation.fact_free`, :func:`conversation.constrains`), and ends in emoji or says a mark of small talk
    ("thanks", "haha", "cool": :func:`conversation.small_talk`). With ``moods``, only those that name no person
    (:data:`_PERSON`): a time in a mood ("on-call this week 😩", "busy morning lol") is no fact, one told with what
    the asker does ("I fly tomorrow 😬" before "can I take this on the plane?") may be what the question turns on."""
    spans = [span for span in _SPANS.findall(question) if span.strip()]
    asks = next((n for n, span in enumerate(spans) if "?" in span), len(spans) - 1)
    theirs = _plain(other)
    kept = [
        span
        for n, span in enumerate(spans)
        if n == asks or not _aside(span) or (moods and _PERSON.search(span.casefold())) or _plain(span) in theirs
    ]
    return " ".join(span.strip() for span in kept)


def _aside(span: str) -> bool:
    marked = _ENDS_IN_EMOJI.search(span) is not None or conversation.small_talk(span)
    return marked and conversation.fact_free(span) and not conversation.constrains(span)


def _plain(text: str) -> str:
    return " ".join(re.findall(r"\w+", text.casefold()))
