"""``normalise`` skips the regexes that could find nothing and collapses white space with ``str.split`` (issue 18:
every lookup runs it before its first round trip): the same text as the regexes alone, on invented texts of the
characters each shortcut turns on and on the packaged sets' dev prompts."""

from __future__ import annotations

import random
import re
import unicodedata

from nearhit.cache import keys
from nearhit.evaluation.dataset import load

_WHITESPACE = re.compile(r"\s+")
# The characters the shortcuts turn on (backtick, dash, plus, "b", digits, white space of every kind), the units
# the bits rule spells out, and edge noise of several categories.
_ALPHABET = (
    "aB bM1 2-+`K G T k g s p / . , ? ! ¿ é İ ß Ⅻ ｂ ０ １\t\n\r\x0b\x0c\x1c\x1f\x85\u00a0\u1680\u2003\u2028\u2029"
    "\u202f\u3000\u200b\x00"
)
_WORDS = ["Mbps", "Gb", "10 Mb/s", "curl -I", "--Force", "+X", "`String`", "```py\nX\n```", "e-Mail", "2 GB", "5kbps"]


def _reference(prompt: str) -> str:
    """``normalise`` as it was: every regex run, white space collapsed by ``\\s+``."""
    text = unicodedata.normalize("NFKC", prompt)
    parts, start = [], 0
    for cased in keys._CASED.finditer(text):
        parts += [_fold(text[start : cased.start()]), cased[0]]
        start = cased.end()
    text = _WHITESPACE.sub(" ", "".join([*parts, _fold(text[start:])]))
    start, end = 0, len(text)
    while start < end and keys._is_edge_noise(text[start]):
        start += 1
    while end > start and keys._is_edge_noise(text[end - 1]):
        end -= 1
    return text[start:end]


def _fold(prose: str) -> str:
    return keys._BITS.sub(lambda m: f"{m[1]}{m[2] or m[3]}bit{'/s' if m[4] else ''}", prose).casefold()


def test_invented_texts_normalise_as_the_regexes_alone_do() -> None:
    draw = random.Random(18)
    for _ in range(20_000):
        pieces = [draw.choice(_WORDS) if draw.random() < 0.2 else draw.choice(_ALPHABET) for _ in range(12)]
        text = "".join(pieces[: draw.randint(0, 12)])
        assert keys.normalise(text) == _reference(text), repr(text)


def test_the_shortcuts_are_taken_and_the_rules_still_read() -> None:
    assert keys.normalise("  What is  RAG?\u3000") == "what is rag"
    assert keys.normalise("Is 100 Mbps fast?") == "is 100 mbit/s fast"
    assert keys.normalise("What does curl -I print?") == "what does curl -I print"
    assert keys.normalise("\t`String`\u2028vs string\x85") == "`String` vs string"


def test_dev_prompts_normalise_as_the_regexes_alone_do() -> None:
    for name in ("questions", "nearhit-v19", "nearhit-conversations-v11"):
        for pair in load(name, "dev"):
            for side in (pair.a, pair.b):
                for text in (side.prompt, *(content for _, content in side.history)):
                    assert keys.normalise(text) == _reference(text), repr(text)
