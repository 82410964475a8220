"""``repair_typos`` reads a text's language only where some prose word has a spelling (issue 18: ~40 µs a new prompt,
before a lookup's first round trip): the same text as reading it first, on the packaged sets' dev prompts and on
invented texts of code spans, slips, unknown names and other languages."""

from __future__ import annotations

import random

import pytest

from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import load
from nearhit.guards import spelling
from nearhit.guards.languages import UNKNOWN, detect
from nearhit.guards.text import expand_short_forms

_PIECES = [
    "zorblaxx",
    "Zorblaxx",
    "recieve",
    "documnets",
    "Recieve",
    "receive",
    "the",
    "kubernetes",
    "combien",
    "puedo",
    "contraseña",
    "wie",
    "ich",
    "`recieve`",
    "`code",
    "`",
    "/usr/recieve",
    "recieve.txt",
    "insurence",
    "swimmming",
    "chnage",
    "password",
    "comment",
    "réinitialiser",
    "mot",
    "de",
    "passe",
    "?",
    ",",
    "ankel",
    "symtoms",
]


def _reference(text: str) -> str:
    """``repair_typos`` as it was: the language read first, then every prose word."""
    if detect(text) not in ("en", UNKNOWN):
        return text
    parts, last = [], 0
    for span in spelling._CODE_SPAN_RE.finditer(text):
        parts += [spelling._WORD_RE.sub(spelling._repaired, text[last : span.start()]), span.group()]
        last = span.end()
    return "".join([*parts, spelling._WORD_RE.sub(spelling._repaired, text[last:])])


def test_invented_texts_repair_as_reading_the_language_first_does() -> None:
    draw = random.Random(18)
    for _ in range(1_000):
        text = " ".join(draw.choice(_PIECES) for _ in range(draw.randint(1, 9)))
        assert spelling.repair_typos.__wrapped__(text) == _reference(text), text


def test_dev_prompts_repair_as_reading_the_language_first_does() -> None:
    for name in ("questions", "nearhit-v19", "nearhit-v18", "nearhit-conversations-v11"):
        for pair in load(name, "dev"):
            for side in (pair.a, pair.b):
                text = expand_short_forms(normalise(side.prompt))  # what the embedder reads
                assert spelling.repair_typos.__wrapped__(text) == _reference(text), text


def test_a_text_of_known_words_is_not_read_for_its_language(monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    monkeypatch.setattr(spelling, "detect", lambda text: read.append(text) or "en")
    assert spelling.repair_typos.__wrapped__("how do i reset my password in the settings") == (
        "how do i reset my password in the settings"
    )
    assert read == []
    assert spelling.repair_typos.__wrapped__("how do i recieve my password") == "how do i receive my password"
    assert read == ["how do i recieve my password"]


def test_a_text_whose_unknown_words_have_no_spelling_is_not_read_for_its_language(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    read: list[str] = []
    monkeypatch.setattr(spelling, "detect", lambda text: read.append(text) or "en")
    for text in ("how do i deploy zorblaxx on kubernetes", "comment réinitialiser mon mot de passe"):
        assert spelling.spelling_of(next(w for w in text.split() if spelling._unknown(w))) is None
        assert spelling.repair_typos.__wrapped__(text) == text
    assert read == []
    # one word with a spelling among unknown ones without: the language is read, and the one word repaired
    assert spelling.repair_typos.__wrapped__("zorblaxx documnets") == "zorblaxx documents"
    assert read == ["zorblaxx documnets"]
