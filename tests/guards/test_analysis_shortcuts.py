"""A prompt's analysis skips only work that could find nothing (issue 13: the decision's cold look): its words read
as tokens when none is a short form or a contraction, no code sought in a text without a digit, an ASCII text's
case read from its upper- and lower-case copies, no word in capitals sought where no two capitals touch, a text's
names in code read without the code tokens when it has none; an ASCII text not normalised (it is its own NFKC
form), the tokens' and sentences' patterns written to read a run once, only the words with a capital read for names.
Each is checked against the full reading it skips (written out here as it was), on the packaged sets' dev prompts
and on invented texts."""

from __future__ import annotations

import random
import re
import unicodedata
from collections import Counter

from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import load
from nearhit.guards import clauses, code
from nearhit.guards import text as guards_text
from nearhit.guards.lexicon import ABBREVIATIONS, DATE_STEMS, FILLERS, STOP_WORDS
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse

_PIECES = [
    *("How", "how", "HOW", "do", "I", "i", "reset", "my", "the", "API", "Api", "EU", "DI", "eu", "Gmail", "iPhone"),
    *("can't", "CAN'T", "cannot", "Cannot", "it's", "rock'n'roll", "'", "’", "pwd", "PWD", "an", "SSD", "w/o", "k8s"),
    *("P60", "p60", "SKU-123", "COVID-19", "Jet2", "10GB", "3pm", "13th", "A1", "a1c", "1.5", "2", "h2o", "x86_64"),
    *(".", "?", "!", ":", ";", ",", "-", "(", ")", "`f()`", "useEffect", "HashMap", "HSETNX", "LEFT", "C++"),
    *("é", "Éa", "café", "CAFÉ", "İ", "straße", "STRASSE", "ß", "Σίσυφος", "ΣΑ", "東京", "Ǆ", "ǅ", "ⓐ", "Ⅻ", "٣"),
    *("のAB", "ｈｏｗ", "°F", "25°C", "10:30", "1,000.5", "3.12", "£5", "50%", "Mr.", "U.S.", "\n", "...", "?!", "'s"),
    *("'67", "'90s", "the", "seventies", "90s", "24/25", "'30", "days"),
]


# The patterns as they were first written: each alternative on its own (a run of letters read again by each).
_TOKEN_RE = re.compile(r"[£$€¥%]|[^\W\d_]+\d[^\W_]*|\d+:\d\d|\d+(?:,\d{3})*(?:\.\d+)?|[^\W\d_]+(?:'[^\W\d_]+)*")
_CAPITALISED_RE = re.compile(r"[^\W\d_]+\d[^\W_]*|[^\W\d_]+(?:'[^\W\d_]+)*|\S")
_SENTENCE_RE = re.compile(r"(?:[^.!?;\n]|(?<=\d)\.(?=\d))+(?:[.!?;]+|\n|$)")
_NAME_RE = re.compile(
    r"\b(?:[a-z]+[A-Z]|[A-Z][a-z]+[A-Z])\w*|\b[A-Z][A-Z\d_]*[A-Z\d](?![\w'])|(?<![\w.])\.[A-Za-z_]\w*"
)


def _folded(text: str) -> str:
    """The text ``analyse`` tokenises, every text normalised."""
    text = guards_text._VULGAR_RE.sub(guards_text._vulgar, text)
    text = unicodedata.normalize("NFKC", text).translate(guards_text._APOSTROPHES)
    text = guards_text._DEGREES_RE.sub(lambda m: " " + guards_text._SCALES[m.group(1).casefold()], text)
    text = guards_text._DECADE_WORD_RE.sub(guards_text._decade_word, text)
    text = guards_text._DECADE_RE.sub(guards_text._decade, text)
    text = guards_text._SHORT_YEAR_RE.sub(guards_text._short_year, text)
    text = guards_text._SLASHED_RE.sub(lambda m: " ".join(ABBREVIATIONS[m.group(1).casefold()]), text)
    text = guards_text._SEASON_RE.sub(guards_text._season, text)
    text = guards_text._FRACTION_RE.sub(guards_text._fraction, text)
    text = guards_text._HOW_TO_RE.sub(r"\1 to", text)
    text = guards_text._CHAT_TO_RE.sub(guards_text._chat_to, text)
    text = guards_text._MILLIONS_RE.sub(guards_text._million_or_molar, text)
    return guards_text._MINUS_RE.sub(" minus ", text).casefold()


def _tokens(folded: str) -> list[str]:
    """The tokens of a folded text as ``analyse`` read them, word by word."""
    tokens: list[str] = []
    for raw in _TOKEN_RE.findall(folded):
        if raw in ABBREVIATIONS:
            expansion = ABBREVIATIONS[raw]
            if tokens and tokens[-1] in guards_text._ARTICLES:
                tokens[-1] = "an" if expansion[0][0] in "aeiou" else "a"
            tokens.extend(expansion)
        elif "'" in raw or raw == "cannot":
            tokens.extend(guards_text._split_contraction(raw))
        else:
            tokens.append(raw)
    return tokens


def _entities(text: str) -> frozenset[str]:
    """``_entities`` as it was before the names are read: every text's codes sought, its letters' case read one by
    one."""
    found = {
        c.casefold() for c in guards_text._CODE_RE.findall(text) if not guards_text._MEASURE_RE.fullmatch(c.casefold())
    }
    letters = list(filter(str.isalpha, text))
    if not any(map(str.islower, letters)) or not any(map(str.isupper, letters)):
        return frozenset(found)
    return _capitalised(text, found)


def _capitalised(text: str, found: set[str]) -> frozenset[str]:
    """The names read word by word, each word's place after a sentence's end followed along."""
    words = _CAPITALISED_RE.findall(text)
    alpha = [w for w in words if w[0].isalpha()]
    title_case = sum(w[0].isupper() for w in alpha) > 0.6 * len(alpha) and len(alpha) > 3
    at_start = True
    for word in words:
        if not word[0].isalpha():
            at_start = word in guards_text._SENTENCE_END or (at_start and not word.isalnum())
            continue
        base = word.split("'")[0]
        is_acronym = len(base) >= 2 and base.isupper()
        if is_acronym or (word[0].isupper() and not at_start and not title_case):
            folded = base.casefold()
            if folded not in FILLERS and (is_acronym or folded not in STOP_WORDS):
                found.add(folded)
        at_start = False
    return frozenset(e for e in found if stem(e) not in DATE_STEMS and e not in ABBREVIATIONS)


def _capitals(text: str, folded: str) -> frozenset[str]:
    if text == folded or text.upper() == text:
        return frozenset()
    return frozenset(w.casefold() for w in guards_text._WORD_RE.findall(text) if len(w) >= 2 and w.isupper())


def _name_tokens(text: str) -> Counter[str]:
    text = unicodedata.normalize("NFKC", text)
    codes = code.code_tokens(text)
    found = _NAME_RE.findall(code._BACKTICKED_RE.sub(" ", text))
    return Counter(name for name in found if not any(name in token for token in codes))


def _assert_read_in_full(text: str) -> None:
    analysed = analyse.__wrapped__(text)  # the analysis made afresh, not read from the cache
    assert analysed.folded == _folded(text), text
    assert list(analysed.tokens) == _tokens(analysed.folded), text
    assert analysed.stems == tuple(stem(t) for t in analysed.tokens), text
    assert guards_text._entities(text) == _entities(text), text
    assert guards_text._capitals(text, text.casefold()) == _capitals(text, text.casefold()), text
    assert code.name_tokens.__wrapped__(text) == _name_tokens(text), text
    assert clauses._SENTENCE_RE.findall(text) == _SENTENCE_RE.findall(text), text


def test_invented_texts_are_read_as_in_full() -> None:
    draw = random.Random(13)
    for _ in range(6_000):
        joiner = draw.choice([" ", " ", "", "-", "/"])
        _assert_read_in_full(joiner.join(draw.choice(_PIECES) for _ in range(draw.randint(1, 9))))


def test_dev_prompts_are_read_as_in_full() -> None:
    shortcut = full = 0
    for name in ("questions", "nearhit-v29", "nearhit-conversations-v16"):
        for pair in load(name, "dev"):
            for side in (pair.a, pair.b):
                for text in (side.prompt, normalise(side.prompt)):
                    _assert_read_in_full(text)
                    folded = analyse(text).folded
                    words = set(guards_text._TOKEN_RE.findall(folded))
                    plain = "'" not in folded and not words & {*ABBREVIATIONS, "cannot"}
                    shortcut += plain
                    full += not plain
    assert shortcut and full  # both ways of reading the words are read
