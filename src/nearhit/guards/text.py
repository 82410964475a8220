"""One prompt analysed once for every guard: tokens, stems, names and codes; plus typo matching.

Inputs may be raw prompts or NFKC-normalised, case-folded text; every comparison is case-insensitive,
and only the names use capitals (as a hint) when they are there. The analysis is cached, since the
engine may check one query against several candidates.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from nearhit.guards.degrees import degrees_of_two
from nearhit.guards.lexicon import ABBREVIATIONS, DATE_STEMS, FILLERS, NUMBER_READINGS, STOP_WORDS, words
from nearhit.guards.stemming import stem
from nearhit.guards.units import UNITS

__all__ = [
    "FOLDED_WORD",
    "Text",
    "analyse",
    "as_written",
    "describe",
    "expand_short_forms",
    "folded_words",
    "joined",
    "phrase_openings",
    "typo_of",
]

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# Words (with an inner apostrophe), numbers (with , . : inside), currency and percent signs.
# A word that starts with letters and has digits in it ("h2o", "python3", "p60") is one token: a name.
# A clock is whole hours before its colon: "1.5:10" and "1,000:30" are two numbers each (a ratio, a split).
# A run of letters or digits is read once, then what follows it decides ("h2o" / "don't", "10:30" / "1,000"):
# the same matches as the alternatives written one by one, each of which read the run again (~40% of the time).
_TOKEN_RE = re.compile(r"[^\W\d_]+(?:\d[^\W_]*|(?:'[^\W\d_]+)*)|\d+(?::\d\d|(?:,\d{3})*(?:\.\d+)?)|[£$€¥%]")
_WORD_RE = re.compile(r"[^\W\d_]+")
FOLDED_WORD = re.compile(r"[\w']+")
"""A word as the conversation checks read a turn: letters, digits and an inner apostrophe ("it's", "i've", "10k")."""
_MINUS_RE = re.compile(r"(?<![\w.,:/)\]-])[-\u2212](?=\d)")
"""A minus sign before a number, not a hyphen inside a name, range or code ("-5C"; not "COVID-19", "3-5"): read
as the word "minus", which :mod:`nearhit.guards.quantities` reads as the number's sign."""
_CAPITALISED_RE = re.compile(r"[^\W\d_]+(?:\d[^\W_]*|(?:'[^\W\d_]+)*)|\S")
# Codes: a letter touching a digit ("P60", "Jet2") or capitals, hyphen, digits ("SKU-123", "COVID-19").
_CODE_RE = re.compile(r"\b(?:[A-Za-z]+\d|\d+[A-Za-z]|[A-Z]{2,}-\d)[A-Za-z0-9-]*")
_DIGIT_RE = re.compile(r"\d")
_TWO_CAPITALS_RE = re.compile(r"[A-Z]{2}")
_SENTENCE_END = frozenset(".!?:;")
# "10GB", "3pm", "13th": numbers with a unit, for the number guard rather than the entity guard.
_MEASURE_RE = re.compile(r"\d+(?:[.,]\d+)?(?:st|nd|rd|th|am|pm|[a-z]{1,3})")
_NEGATIVE_CONTRACTION_RE = re.compile(r"^(.+?)n't$")
_NEGATIVE_CONTRACTIONS = {"can't": "can", "won't": "will", "shan't": "shall", "ain't": "is"}
# Short forms with a slash ("w/o", "b/c") are words of their own; the tokenizer would split them.
_SLASHED = [short for short in ABBREVIATIONS if "/" in short]
_SLASHED_RE = re.compile(r"(?<![\w/])(" + "|".join(map(re.escape, _SLASHED)) + r")(?![\w/])", re.IGNORECASE)
# "°F", "°C": temperature scales, spelt out so they read as unit words.
# A short form standing as a word of its own: not inside a path, a file name, a flag or a version
# ("db.json", "ts-node", "u.s." keep their letters); a sentence's own punctuation may follow it.
_STANDALONE_RE = re.compile(r"(?<![\w'./\\-])([^\W_]+)(?![\w'/\\-])(?!\.\w)")
_RUN_RE = re.compile(r"[^\W_]+")  # every standalone match is one of these runs, whole
_ARTICLES = frozenset({"a", "an"})
# "how 2 reset my phone": chat's "2" for "to" after "how", before a word (a count after "how" is "how many").
_HOW_TO_RE = re.compile(r"\b(how)\s+2(?=\s+[^\W\d_])", re.IGNORECASE)
# "what 2 pack", "when 2 use": chat's "2" for "to" after a question word, before no plural in the
# next two words ("which 2 teams", "what 2 big teams" count; ``_chat_to_after`` in ``data/numbers.json``).
_CHAT_TO_RE = re.compile(r"\b([^\W\d_]+) 2(?= ([^\W\d_]+)(?: ([^\W\d_]+))?)")
_CHAT_TO_AFTER = frozenset(NUMBER_READINGS["chat_to_after"])
# "59½", "¾ cup": a fraction in one sign, read as its decimal (NFKC would write "59½" as "591⁄2").
_VULGAR_RE = re.compile(r"(\d*)([" + "".join(NUMBER_READINGS["vulgar_fractions"]) + r"])")
# "1/4 cup", "1 1/2 cups": a fraction before a unit is its decimal ("a quarter cup"), not two numbers.
_FRACTION_RE = re.compile(r"(?<![\w/.,])(?:(\d+) )?(\d{1,2})/(\d{1,2})(?![\w/])(?= ?([^\W\d_]+))")
# Where a phrase ends inside a sentence: a comma, semicolon or dash ("After surgery, when can I ...").
_PHRASE_END_RE = re.compile(r"[,;\u2014]\s+|\s+[-\u2013]\s+")
_DEGREES_RE = re.compile(r"°\s*([FCK])\b", re.IGNORECASE)
# A capital "M" after a number counts millions ("50M rows" is "50 million rows"), or is molar before a chemical
# formula or a chemistry word ("1M NaCl", "0.5 M HCl solution"); a metre is a small "m" (folding would lose which),
# "mM" is millimolar.
_MILLIONS_RE = re.compile(r"(?<=\d) ?(m?)M(?!\w)(?=\s*([\w()]*)\W*(\w*))")
_MOLAR_WORDS = frozenset(NUMBER_READINGS["molar_words"])
_FORMULA_RE = re.compile(
    r"(?:(?:" + "|".join(sorted(NUMBER_READINGS["elements"], key=len, reverse=True)) + r")\d*|\(|\)\d*)+"
)
_SCALES = {"f": "fahrenheit", "c": "celsius", "k": "kelvin"}
# Years written short ("_about_years" in ``data/numbers.json``): "'67" is 1967, "the 90s" and "the seventies" the
# 1990s and 1970s, "24/25" the 2024/25 season. A decade word without "the" is left as written ("in his seventies"
# is an age); so is a quoted number ("interval '30 days'", "'03/12/2024'").
_CENTURY_PIVOT: int = NUMBER_READINGS["century_pivot"]
_DECADE_WORDS: dict[str, int] = NUMBER_READINGS["decade_words"]
_DECADE_WORD_RE = re.compile(
    r"\b(the\s+(?:(?:early|mid|late)[- ])?)(" + "|".join(_DECADE_WORDS) + r")\b", re.IGNORECASE
)
_DECADE_RE = re.compile(r"(?<![\w'])(the\s+(?:(?:early|mid|late)[- ])?'?|')(\d0)'?s\b", re.IGNORECASE)
_SHORT_YEAR_RE = re.compile(r"(?<![\w'])'(\d\d)(?=[\s.,!?;)]|$)(?![.,]\d)(?![^']*\w'(?!\w))(?=\W*([^\W\d_]*))")
_SEASON_RE = re.compile(r"(?<![\w/.,])(\d\d)/(\d\d)(?![\w/])")


@dataclass(frozen=True, eq=False)
class Text:
    """One prompt, tokenised once: lowercase tokens in order, their stems, and the names it mentions.

    Compared and hashed as an object (in C): every cached step keyed by a text hashes it, ~50 times in a pair's
    first look, where a method in Python cost ~4% of it. :func:`analyse` gives one object for one reading
    (:func:`_text`), so a step finds a prompt analysed again as before, its analysis dropped from ``analyse``'s
    cache (were it another object, no output would change: a step's cache would only miss it).

    The names and capitals are read from ``written`` when first asked for, then kept: most texts a conversation's
    lookup analyses are read for their numbers, dates and stems only. Kept in fields of their own, not by
    ``functools.cached_property``, which mypyc compiles as a plain property (python/mypy#21611): the compiled
    guards read a text's names again at every access, 2.7 s of CPU on a 32,000-character prompt."""

    folded: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    written: str
    """The text as written out for reading (:func:`_tokenised`), its case kept: what the names are read from."""
    _names: frozenset[str] | None = field(init=False, repr=False)
    _capitals: frozenset[str] | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_names", None)  # a default mypyc would not set: none read yet
        object.__setattr__(self, "_capitals", None)

    @property
    def entities(self) -> frozenset[str]:
        """The names it mentions (:func:`_entities`)."""
        found = self._names
        if found is None:
            found = _entities(self.written)
            object.__setattr__(self, "_names", found)
        return found

    @property
    def capitals(self) -> frozenset[str]:
        """Words written in capitals in a text that also writes lower case ("EU", "DI"), case-folded: names, even
        where another language spells a function word so ("eu" is Portuguese "I", "di" Italian "of")."""
        found = self._capitals
        if found is None:
            found = _capitals(self.written, self.folded)
            object.__setattr__(self, "_capitals", found)
        return found


def matched_key(word: str) -> str:
    """``word``, as a pattern compiled with ``re.IGNORECASE`` matched it, folded to a key of the table it reads:
    such a pattern matches a Turkish dotted or dotless capital ("TWİCE", "SIXTıES") where a ``casefold`` is no key
    ("twi̇ce", with a combining dot)."""
    return word.casefold().replace("i\u0307", "i").replace("\u0131", "i")


def folded_words(text: str) -> list[str]:
    """``text``'s words (:data:`FOLDED_WORD`), case-folded: one reading for every check that compares turns word by
    word. Read once per text (:func:`_folded_words`), a list of its own each call (a caller may change it)."""
    return list(_folded_words(text))


@lru_cache(maxsize=4096)
def _folded_words(text: str) -> tuple[str, ...]:
    """What :func:`folded_words` reads, kept per text: a conversation's lookup reads its own user turns so once per
    candidate compared (:func:`nearhit.cache.story.same_story`), each the same words."""
    return tuple(FOLDED_WORD.findall(text.casefold()))


@lru_cache(maxsize=4096)
def analyse(text: str) -> Text:
    """Tokenise, expand short forms ("pwd", "w/o"), split contractions ("can't" -> "can", "not"), stem, find names."""
    written, folded, tokens = _tokenised(text)
    return _text(folded, tokens, tuple(map(stem, tokens)), written)


def tokens_of(text: str) -> tuple[str, ...]:
    """``analyse(text).tokens``, without the stems and names a check that reads only the words does not need (a
    conversation's new turns are read so once per lookup)."""
    return _tokenised(text)[2]


@lru_cache(maxsize=4096)
def _tokenised(text: str) -> tuple[str, str, tuple[str, ...]]:
    """``text`` as written out for reading (fractions, decades, short years, millions), case-folded, and its
    tokens: what :func:`analyse` and :func:`tokens_of` share."""
    # ASCII is its own NFKC form, and of the apostrophes it has only the backtick (most prompts are ASCII).
    if not text.isascii():
        text = _VULGAR_RE.sub(_vulgar, text)
        text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    elif "`" in text:
        text = text.translate(_APOSTROPHES)
    if "°" in text:  # each pattern needs its sign: most prompts have neither
        text = _DEGREES_RE.sub(lambda m: " " + _SCALES[matched_key(m.group(1))], text)
    if "ies" in text.lower():
        text = _DECADE_WORD_RE.sub(_decade_word, text)
    if "0s" in text or "0's" in text or "0S" in text:
        text = _DECADE_RE.sub(_decade, text)
    if "'" in text:
        text = _SHORT_YEAR_RE.sub(_short_year, text)
    if "/" in text:
        text = _SLASHED_RE.sub(lambda m: " ".join(ABBREVIATIONS[matched_key(m.group(1))]), text)
        text = _SEASON_RE.sub(_season, text)
        text = _FRACTION_RE.sub(_fraction, text)
    if "2" in text:
        text = _HOW_TO_RE.sub(r"\1 to", text)
        text = _CHAT_TO_RE.sub(_chat_to, text)
    if "M" in text:
        text = _MILLIONS_RE.sub(_million_or_molar, text)
    if "-" in text or "\u2212" in text:
        text = _MINUS_RE.sub(" minus ", text)
    folded = text.casefold()
    found = _TOKEN_RE.findall(folded)
    # Most prompts have no short form, contraction or "cannot": their words are the tokens, with no Python step
    # per word.
    plain = "'" not in folded and "cannot" not in found and ABBREVIATIONS.keys().isdisjoint(found)
    return text, folded, tuple(found if plain else _expanded(found))


def _chat_to(match: re.Match[str]) -> str:
    """ "what 2 pack" as "what to pack": a "2" after a question word, before no plural, unit or "of" ("what 2 of")."""
    before, *after = match.groups()
    nouns = [word.casefold() for word in after if word]
    counted = any(
        word.endswith("s") or word in UNITS or word in NUMBER_READINGS["counted_plurals"] or word == "of"
        for word in nouns
    )
    return f"{before} to" if before.casefold() in _CHAT_TO_AFTER and not counted else match.group(0)


def _century(two_digits: str) -> str:
    """The century a year written in two digits is in: this one up to the pivot ("'05"), else the last ("'67")."""
    return "20" if int(two_digits) <= _CENTURY_PIVOT else "19"


def _decade_word(match: re.Match[str]) -> str:
    """ "the seventies" as "the 1970s"."""
    digits = f"{_DECADE_WORDS[matched_key(match.group(2))]}"
    return f"{match.group(1)}{_century(digits)}{digits}s"


def _decade(match: re.Match[str]) -> str:
    """ "the 90s", "the '90s", "'90s" as "the 1990s", "1990s"."""
    the, digits = match.group(1).rstrip("'"), match.group(2)
    return f"{the}{_century(digits)}{digits}s"


def _short_year(match: re.Match[str]) -> str:
    """ "'67" as "1967"; before a unit ("'30 days") a number as written."""
    digits = match.group(1)
    return match.group(0) if match.group(2).casefold() in UNITS else _century(digits) + digits


def _season(match: re.Match[str]) -> str:
    """ "24/25" as "2024/25": two numbers a year apart, past any month (so no date) and too big for a fraction
    written before a unit, are a season; else as written."""
    first, second = match.group(1), match.group(2)
    if int(first) < 13 or int(second) != (int(first) + 1) % 100:
        return match.group(0)
    return f"{_century(first)}{first}/{second}"


def _vulgar(match: re.Match[str]) -> str:
    whole = int(match.group(1) or 0)
    return f"{whole + NUMBER_READINGS['vulgar_fractions'][match.group(2)]:g}"


def _fraction(match: re.Match[str]) -> str:
    """ "1/4 cup" as "0.25 cup": a proper fraction before a unit word; else as written (a date, a score, a ratio)."""
    whole, numerator, denominator = int(match.group(1) or 0), int(match.group(2)), int(match.group(3))
    if not 0 < numerator < denominator <= 16 or match.group(4).casefold() not in UNITS:
        return match.group(0)
    return f"{whole + numerator / denominator:g}"


def _million_or_molar(match: re.Match[str]) -> str:
    """ "M" after a number: molar before a formula ("NaCl": element symbols with a small letter or a digit, so not
    "USD") or a chemistry word, else a million; "mM" millimolar."""
    if match.group(1):
        return " millimolar"
    formula = match.group(2)
    written = _FORMULA_RE.fullmatch(formula) is not None and (formula != formula.upper() or not formula.isalpha())
    chemical = written or not _MOLAR_WORDS.isdisjoint((formula.casefold(), match.group(3).casefold()))
    return " molar" if chemical else " million"


@lru_cache(maxsize=4096)
def _text(folded: str, tokens: tuple[str, ...], stems: tuple[str, ...], written: str) -> Text:
    """The one object of this reading: a prompt analysed again (or another prompt read the same) is the text the
    steps' caches hold, found by its parts (hashed in C, each string's hash kept by Python)."""
    return Text(folded, tokens, stems, written)


def _expanded(found: list[str]) -> list[str]:
    """The tokens of these words: short forms spelt out, contractions split."""
    tokens: list[str] = []
    for raw in found:
        if raw in ABBREVIATIONS:
            expansion = ABBREVIATIONS[raw]
            if tokens and tokens[-1] in _ARTICLES:  # "an SSD" is "a solid state drive"
                tokens[-1] = "an" if expansion[0][0] in "aeiou" else "a"
            tokens.extend(expansion)
        elif "'" in raw or raw == "cannot":
            tokens.extend(_split_contraction(raw))
        else:
            tokens.append(raw)
    return tokens


def _capitals(text: str, folded: str) -> frozenset[str]:
    """The words of two letters or more ``text`` writes in capitals, when it writes lower case too (a text all
    in capitals says nothing by its case)."""
    if text == folded or text.upper() == text:  # all lower case (most prompts), or all capitals
        return frozenset()
    if text.isascii() and not _TWO_CAPITALS_RE.search(text):  # an ASCII word in capitals has two side by side
        return frozenset()
    return frozenset(w.casefold() for w in _WORD_RE.findall(text) if len(w) >= 2 and w.isupper())


@lru_cache(maxsize=4096)
def phrase_openings(text: str) -> frozenset[int]:
    """The indices in ``analyse(text).tokens`` where a phrase opens (0 and each token after a comma, semicolon
    or dash): a clause moved whole keeps its words together between these."""
    openings, count = set(), 0
    for phrase in _PHRASE_END_RE.split(text):
        openings.add(count)
        count += len(analyse(phrase).tokens)
    return frozenset(openings) if count == len(analyse(text).tokens) else frozenset({0})


def expand_short_forms(text: str) -> str:
    """``text`` with each short form ("pwd", "w/o", "k8s") spelt out, as :func:`analyse` reads it: the
    embedder's input, so "reset my pwd" lands beside "reset my password" (``data/abbreviations.txt``)."""
    if "/" in text:  # every slashed short form has one
        text = _SLASHED_RE.sub(lambda m: " ".join(ABBREVIATIONS[matched_key(m.group(1))]), text)
    if "2" in text:
        text = _HOW_TO_RE.sub(r"\1 to", text)
    # A standalone match is a whole run of letters and digits: a text with no run that is a short form is
    # returned as it is, without a Python call per word (``tests/guards/test_short_forms_precheck.py``).
    if not any(run.casefold() in ABBREVIATIONS for run in _RUN_RE.findall(text)):
        return text
    return _STANDALONE_RE.sub(lambda m: " ".join(ABBREVIATIONS.get(m.group(1).casefold(), (m.group(1),))), text)


def _split_contraction(token: str) -> list[str]:
    if token in _NEGATIVE_CONTRACTIONS:
        return [_NEGATIVE_CONTRACTIONS[token], "not"]
    match = _NEGATIVE_CONTRACTION_RE.match(token)
    if match:
        return [match.group(1), "not"]
    if token == "cannot":
        return ["can", "not"]
    head, _, tail = token.partition("'")
    return [head] if tail in {"s", "re", "ve", "ll", "d", "m", ""} else [head, tail]


def _entities(text: str) -> frozenset[str]:
    """Capitalised words not at a sentence start, acronyms and codes (P60, SKU-123), case-folded.

    A text with no lower-case letters (shouting, or already case-folded) gives no capitalisation hint.
    """
    found = (  # every kind of code has a digit (most prompts have none)
        {code.casefold() for code in _CODE_RE.findall(text) if not _MEASURE_RE.fullmatch(code.casefold())}
        if _DIGIT_RE.search(text)
        else set()
    )
    if text.isascii():  # ASCII letters are cased, and case-mapping changes them only
        if text.upper() == text or text.lower() == text:
            return frozenset(found)
    else:
        letters = list(filter(str.isalpha, text))
        if not any(map(str.islower, letters)) or not any(map(str.isupper, letters)):
            return frozenset(found)
    return _capitalised(text, found)


def _capitalised(text: str, found: set[str]) -> frozenset[str]:
    """``found`` (the codes) and the capitalised words and acronyms of a text that writes both cases."""
    words = _CAPITALISED_RE.findall(text)
    alpha = [w for w in words if w[0].isalpha()]
    title_case = len(alpha) > 3 and len([w for w in alpha if w[0].isupper()]) > 0.6 * len(alpha)
    # Only a word with a capital may be a name (most words have none): those alone are read, each with whether
    # it opens a sentence (:func:`_at_start`).
    for at in [at for at, w in enumerate(words) if w[0].isalpha() and not w.islower()]:
        word = words[at]
        base = word.split("'")[0]
        is_acronym = len(base) >= 2 and base.isupper()
        if is_acronym or (word[0].isupper() and not title_case and not _at_start(words, at)):
            folded = base.casefold()
            if folded not in FILLERS and (is_acronym or folded not in STOP_WORDS):
                found.add(folded)
    # "JS", "PTO": a short form is compared through its expansion, among the words.
    return frozenset(e for e in found if stem(e) not in DATE_STEMS and e not in ABBREVIATIONS)


def _at_start(words: list[str], at: int) -> bool:
    """Whether the word at ``at`` opens a sentence: the text's first word, or one after a sentence's end (".",
    "!", "?", ":", ";") with no word or digit between; other signs ("(", "-") keep what came before them."""
    after = at
    while after > 0 and not words[after - 1][0].isalpha():  # back to the word before (or the text's start)
        after -= 1
    at_start = after == 0
    for sign in words[after:at]:
        at_start = sign in _SENTENCE_END or (at_start and not sign.isalnum())
    return at_start


@lru_cache(maxsize=4096)
def _osa_distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions (typos), stopping early past ``limit``. Cached: a pair's
    words are compared again by each check that reads spelling (half the calls of a first look repeat one)."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            # The least of substitution, insertion, deletion, transposition: compared inline, as calls to
            # ``min`` were most of a first look's spelling checks.
            best = previous[j - 1] + (ca != cb)
            if current[j - 1] + 1 < best:
                best = current[j - 1] + 1
            if previous[j] + 1 < best:
                best = previous[j] + 1
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb and previous2[j - 2] + 1 < best:
                best = previous2[j - 2] + 1
            current[j] = best
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


_SUFFIXES = tuple(sorted(words("suffixes.txt"), key=len, reverse=True))
_VOCABULARY = words("english_vocabulary.txt")


def _other_derivation(word: str, other: str) -> bool:
    """Same root, different derivational ending ("employer"/"employee"), or two adjectives in one degree
    ("thickest"/"thinnest"): another word, not a typo. Unless only one of the two is a known English word and
    they differ in a vowel only ("documant"/"document", "clearence"/"clearance"): then the other is its
    misspelling ("executor"/"execution" stay two words)."""
    if (word in _VOCABULARY) != (other in _VOCABULARY) and _vowel_swap(word, other):
        return False
    if degrees_of_two(word, other):
        return True
    end_a = next((s for s in _SUFFIXES if word.endswith(s)), None)
    end_b = next((s for s in _SUFFIXES if other.endswith(s)), None)
    if end_a is None or end_b is None or end_a == end_b:
        return False
    return word[: -len(end_a)].rstrip("aeiou")[:4] == other[: -len(end_b)].rstrip("aeiou")[:4]


def _vowel_swap(word: str, other: str) -> bool:
    """The same letters but for vowels in the same places ("documant"/"document")."""
    if len(word) != len(other):
        return False
    return all(a == b or (a in _VOWEL_LETTERS and b in _VOWEL_LETTERS) for a, b in zip(word, other, strict=True))


_VOWEL_LETTERS = frozenset("aeiou")


def typo_of(word: str, others: Iterable[str]) -> bool:
    """Whether ``word`` is a likely misspelling of one of ``others`` (never for short words or names)."""
    if not word.isalpha():
        return False
    for other in others:
        if other[:1] != word[0]:  # the cheapest test first: most words start with another letter
            continue
        longest, shortest = max(len(word), len(other)), min(len(word), len(other))
        limit = 2 if shortest >= 8 else 1 if longest >= 5 else 0
        if (
            limit
            and other.isalpha()  # "python2"/"python3", "p60"/"p45": codes, not typos
            and _osa_distance(word, other, limit) <= limit
            and not _other_derivation(word, other)
        ):
            return True
    return False


@lru_cache(maxsize=4096)
def joined(text: Text) -> dict[str, tuple[str, str]]:
    """Each two adjacent words written as one ("log in" -> "login", "with out" -> "without", "windows 11" ->
    "windows11"), and its stem: a word split by a typo, a phrasal verb the other side writes as a noun, or a
    name and its number, is that one word (cached: a pair asks for each side's more than once; read it, never
    change it)."""
    found: dict[str, tuple[str, str]] = {}
    for first, second in zip(text.tokens, text.tokens[1:], strict=False):
        if first.isalpha() and (second.isalpha() or second.isdigit()):
            one = first + second
            found[one] = found[stem(one)] = (first, second)
    return found


def as_written(text: Text, stems: Iterable[str]) -> list[str]:
    """The words of ``text`` that ``stems`` stand for, as it writes them (the first word of each stem; one that is no
    stem of it, a name or a compound, as it is): what a reason shows, where "mor" would not read as "more"."""
    written = dict(zip(reversed(text.stems), reversed(text.tokens), strict=True))  # the first word of a stem wins
    return [written.get(word, word) for word in stems]


def describe(items: Iterable[str]) -> str:
    """``'a', 'b'`` for a reason message, or ``nothing``."""
    words = sorted(items)
    return ", ".join(repr(w) for w in words) if words else "nothing"
