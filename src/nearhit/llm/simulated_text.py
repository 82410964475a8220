"""The simulated model's answers: readable, deterministic, about the question, and plainly not a real model's.

The same messages always give the same answer (the seed is a hash of every message, system prompt included),
so exact-cache demos and tests are reproducible; different questions give different words and lengths.
"""

from __future__ import annotations

import hashlib
import random
import re
from collections.abc import Sequence

from nearhit.llm.base import ChatMessage
from nearhit.llm.tokens import count_tokens

MIN_TOKENS = 60
MAX_TOKENS = 200
# Sentences are added until the answer reaches a target drawn in [MIN_TOKENS, _MAX_TARGET]; a sentence is
# at most ~25 tokens plus two keywords of at most _MAX_KEYWORD_CHARS, so answers stay under MAX_TOKENS.
_MAX_TARGET = 150
_MAX_KEYWORD_CHARS = 24

_DISCLAIMER = "(Simulated answer from nearhit's offline model: no LLM was called.)"
_MAX_KEYWORDS = 6
_WORD = re.compile(r"[^\W_][\w'-]*", re.UNICODE)
_STOPWORD_LIST = """
    a about above after again against all also am an and any are as at be because been before being
    below between both but by can could did do does doing down during each either few for from
    further had has have having he her here hers him his how i if in into is it its itself just me
    more most my no nor not now of off on once only or other our out over own please same she should
    so some such tell than that the their them then there these they this those through to too under
    until up very vs versus was we were what when where which while who whom whose why will with
    would you your explain describe give show list know want need make like get use using used way
    ways thing things
"""
_STOPWORDS = frozenset(_STOPWORD_LIST.split())

_OPENINGS = (
    "You asked about {topic}. Here is a short, general explanation.",
    "Good question about {topic}. The main ideas fit in a few sentences.",
    "Let's look at {topic} step by step, from the basics to the practical side.",
)
_SENTENCES = (
    "A useful way to think about {a} is to start with what it is for, and only then look at how it works.",
    "Much of the confusion around {a} comes from mixing it up with {b}; they overlap, "
    "but they answer different questions.",
    "In practice, {a} depends on a few choices: the constraints you have, the scale you expect "
    "and how much you can afford to get wrong.",
    "When comparing {a} and {b}, look at cost, speed and how each one fails, not only at the headline numbers.",
    "A small example helps: take one concrete case of {a}, change one thing at a time and watch what happens to {b}.",
    "The short version is that {a} works well when the inputs are predictable, and needs more care when they are not.",
    "Experts usually add a caveat: the details of {a} change over time, so check a current source "
    "before relying on specific figures.",
    "For {b}, the same reasoning applies, with one difference: it is usually easier to measure, so start there.",
    "A common mistake is to treat {a} as a single thing, when it is really a family of related ideas.",
    "Once the basics of {a} are clear, the next step is to see how it connects to {b} and to the rest of the picture.",
    "If you only remember one thing about {a}, remember that context matters more than any single rule.",
    "People who work with {a} every day tend to rely on simple checklists rather than on memory.",
)


def compose_answer(messages: Sequence[ChatMessage], model: str) -> str:
    """A two-paragraph answer built from the last user message's key words, ending with a disclaimer,
    MIN_TOKENS to MAX_TOKENS long in ``model``'s tokenizer."""
    digest = hashlib.sha256("\x1e".join(f"{m.role}\x1f{m.content}" for m in messages).encode("utf-8")).digest()
    rng = random.Random(digest)
    keywords = _keywords(_question(messages))
    topic = _join(keywords[:3]) if keywords else "this"

    target = rng.randint(MIN_TOKENS, _MAX_TARGET)
    sentences = [rng.choice(_OPENINGS).format(topic=topic)]
    templates = list(_SENTENCES)
    rng.shuffle(templates)
    answer = _layout(sentences)
    for template in templates:
        if count_tokens(answer, model) >= target:
            break
        a, b = _pick_pair(keywords, rng)
        sentences.append(template.format(a=a, b=b))
        answer = _layout(sentences)
    return answer


def _layout(sentences: list[str]) -> str:
    middle = (len(sentences) + 1) // 2
    return " ".join(sentences[:middle]) + "\n\n" + " ".join([*sentences[middle:], _DISCLAIMER])


def _question(messages: Sequence[ChatMessage]) -> str:
    for message in reversed(messages):
        if message.role == "user":
            return message.content
    return ""


def _keywords(question: str) -> list[str]:
    """Content words of the question, in order, without repeats (case-insensitive)."""
    seen: dict[str, str] = {}
    for word in _WORD.findall(question):
        key = word.lower()
        if 2 < len(word) <= _MAX_KEYWORD_CHARS and key not in _STOPWORDS and key not in seen:
            seen[key] = word
    return list(seen.values())[:_MAX_KEYWORDS]


def _pick_pair(keywords: list[str], rng: random.Random) -> tuple[str, str]:
    if not keywords:
        return "this topic", "the alternatives"
    if len(keywords) == 1:
        return keywords[0], "the alternatives"
    a, b = rng.sample(keywords, 2)
    return a, b


def _join(words: list[str]) -> str:
    if len(words) == 1:
        return words[0]
    return ", ".join(words[:-1]) + " and " + words[-1]
