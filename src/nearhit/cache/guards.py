"""Guards: cheap text checks that veto a semantic candidate which only *looks* like the query.

A sentence embedder scores "Which foods are low in iron?" and "... high in iron?" as near-identical,
so after the vector search the engine asks these guards whether the cached prompt could have a
different answer. Each guard is pure (no I/O, no model), runs in microseconds, and errs towards
rejecting: a false rejection costs one LLM call, a false hit serves a wrong answer.

Inputs may be raw prompts or NFKC-normalised, case-folded text; every comparison is case-insensitive,
and only the entity guard uses capitals (as a hint) when they are there.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from nearhit.errors import InvalidInput

__all__ = [
    "GUARD_NAMES",
    "DirectionGuard",
    "EntityGuard",
    "Guard",
    "GuardSet",
    "GuardVerdict",
    "NegationGuard",
    "NumberGuard",
]


@dataclass(frozen=True)
class GuardVerdict:
    """Why a candidate was rejected: the guard's name and a short human-readable reason."""

    guard: str
    reason: str


class Guard(Protocol):
    """A check on (query, cached prompt); ``None`` means the candidate may be served."""

    name: str

    def check(self, query: str, candidate: str) -> GuardVerdict | None: ...


# --------------------------------------------------------------------------------------------------
# Tokenising: one pass per text, shared by every guard (cached, since the engine may check one query
# against several candidates).

_APOSTROPHES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u02bc": "'", "`": "'"})
# Words (with an inner apostrophe), numbers (with , . : inside), currency and percent signs.
_TOKEN_RE = re.compile(r"[£$€¥%]|\d+(?:,\d{3})*(?:\.\d+)?(?::\d\d)?|[^\W\d_]+(?:'[^\W\d_]+)*")
_CAPITALISED_RE = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|\S")
# Codes: a letter touching a digit ("P60", "Jet2") or capitals, hyphen, digits ("SKU-123", "COVID-19").
_CODE_RE = re.compile(r"\b(?:[A-Za-z]+\d|\d+[A-Za-z]|[A-Z]{2,}-\d)[A-Za-z0-9-]*")
_SENTENCE_END = frozenset(".!?:;")
# "10GB", "3pm", "13th": numbers with a unit, for the number guard rather than the entity guard.
_MEASURE_RE = re.compile(r"\d+(?:[.,]\d+)?(?:st|nd|rd|th|am|pm|[a-z]{1,3})")
_NEGATIVE_CONTRACTION_RE = re.compile(r"^(.+?)n't$")
_NEGATIVE_CONTRACTIONS = {"can't": "can", "won't": "will", "shan't": "shall", "ain't": "is"}


@dataclass(frozen=True)
class _Text:
    """One prompt, tokenised once: lowercase tokens in order, their stems, and the original casing."""

    folded: str
    tokens: tuple[str, ...]
    stems: tuple[str, ...]
    entities: frozenset[str]


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


@lru_cache(maxsize=4096)
def _analyse(text: str) -> _Text:
    text = unicodedata.normalize("NFKC", text).translate(_APOSTROPHES)
    folded = text.casefold()
    tokens: list[str] = []
    for raw in _TOKEN_RE.findall(folded):
        tokens.extend(_split_contraction(raw) if "'" in raw or raw == "cannot" else [raw])
    return _Text(
        folded=folded,
        tokens=tuple(tokens),
        stems=tuple(_stem(t) for t in tokens),
        entities=_entities(text),
    )


def _stem(word: str) -> str:
    """A deliberately crude suffix stripper: both sides go through it, so it only has to be consistent."""
    if not word.isalpha() or len(word) <= 3:
        return word
    for suffix, replacement in (("ies", "y"), ("sses", "ss"), ("ness", ""), ("ings", ""), ("ing", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return _undouble(word[: -len(suffix)] + replacement)
    if word.endswith("ed") and len(word) > 4:
        return _undouble(word[:-2]).rstrip("e")
    if word.endswith("ly") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word.rstrip("e") if len(word) > 3 else word


def _undouble(word: str) -> str:
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    return word.rstrip("e") if len(word) > 3 else word


def _entities(text: str) -> frozenset[str]:
    """Capitalised words not at a sentence start, acronyms and codes (P60, SKU-123), case-folded.

    A text with no lower-case letters (shouting, or already case-folded) gives no capitalisation hint.
    """
    found = {code.casefold() for code in _CODE_RE.findall(text) if not _MEASURE_RE.fullmatch(code.casefold())}
    letters = [c for c in text if c.isalpha()]
    if not any(c.islower() for c in letters) or not any(c.isupper() for c in letters):
        return frozenset(found)
    words = _CAPITALISED_RE.findall(text)
    alpha = [w for w in words if w[0].isalpha()]
    title_case = sum(w[0].isupper() for w in alpha) > 0.6 * len(alpha) and len(alpha) > 3
    at_start = True
    for word in words:
        if not word[0].isalpha():
            at_start = word in _SENTENCE_END or (at_start and not word.isalnum())
            continue
        base = word.split("'")[0]
        is_acronym = len(base) >= 2 and base.isupper()
        if is_acronym or (word[0].isupper() and not at_start and not title_case):
            folded = base.casefold()
            if folded not in _FILLERS and (is_acronym or folded not in _STOP_WORDS):
                found.add(folded)
        at_start = False
    return frozenset(e for e in found if _stem(e) not in _DATE_STEMS)


# --------------------------------------------------------------------------------------------------
# Guard 1: numbers, quantities, dates and units.

_UNITS_BY_DIMENSION: dict[str, dict[str, float]] = {
    "mass": {"mg": 0.001, "g": 1, "gram": 1, "kg": 1000, "kilo": 1000, "kilogram": 1000, "lb": 453.6},
    "data": {"kb": 0.001, "mb": 1, "gb": 1000, "tb": 1e6, "megabyte": 1, "gigabyte": 1000},
    "volume": {"ml": 1, "cl": 10, "l": 1000, "litre": 1000, "liter": 1000, "pint": 568},
    "length": {"mm": 0.001, "cm": 0.01, "m": 1, "metre": 1, "meter": 1, "km": 1000, "mile": 1609},
    "energy": {"kwh": 1, "wh": 0.001, "mwh": 1000},
    "duration": {
        "second": 1 / 86400,
        "sec": 1 / 86400,
        "minute": 1 / 1440,
        "min": 1 / 1440,
        "hour": 1 / 24,
        "hr": 1 / 24,
        "h": 1 / 24,
        "day": 1,
        "night": 1,
        "week": 7,
        "fortnight": 14,
        "month": 30,
        "year": 365,
        "decade": 3650,
    },
    "percent": {"%": 1, "percent": 1, "pc": 1},
    "gbp": {"£": 1, "gbp": 1, "pound": 1, "quid": 1, "p": 0.01, "pence": 0.01},
    "usd": {"$": 1, "usd": 1, "dollar": 1, "buck": 1, "cent": 0.01},
    "eur": {"€": 1, "eur": 1, "euro": 1},
}
# unit word (and its plural) -> (dimension, factor to the dimension's base unit)
_UNITS: dict[str, tuple[str, float]] = {
    unit + plural: (dimension, float(factor))
    for dimension, factors in _UNITS_BY_DIMENSION.items()
    for unit, factor in factors.items()
    for plural in ("", "s")
}
_CURRENCY_SIGNS = frozenset("£$€¥")

_UNITS_WORDS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15,
    "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19, "dozen": 12,
}  # fmt: skip
_TENS_WORDS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80,
    "ninety": 90,
}  # fmt: skip
_SCALE_WORDS = {"hundred": 100, "thousand": 1000, "million": 1_000_000, "billion": 1_000_000_000}
_ORDINAL_WORDS = {
    "first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
    "ninth": 9, "tenth": 10, "eleventh": 11, "twelfth": 12, "thirteenth": 13, "fifteenth": 15,
    "twentieth": 20, "thirtieth": 30, "hundredth": 100,
}  # fmt: skip
_NUMBER_WORDS = frozenset(_UNITS_WORDS) | frozenset(_TENS_WORDS) | frozenset(_SCALE_WORDS)
_ORDINAL_SUFFIXES = frozenset({"st", "nd", "rd", "th"})
_MERIDIEMS = frozenset({"am", "pm"})

# Named days and months, and relative dates: compared as sets. "may" and "march" are left out (verbs).
_DATE_WORDS = frozenset(
    {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "weekday", "weekend"}
    | {"january", "february", "april", "june", "july", "august", "september", "october", "november"}
    | {"december", "today", "tomorrow", "yesterday", "spring", "summer", "autumn", "winter"}
)
_DATE_STEMS = frozenset(_stem(w) for w in _DATE_WORDS)
_RELATIVE_DATE_RE = re.compile(r"\b(?:(?:this|next|last|previous) (?:week|month|year)|(?:same|next)[- ]day)\b")


@dataclass(frozen=True)
class _Quantity:
    """A number as written (``surface``), its value and, when stated, its dimension and base value."""

    surface: str
    value: float
    dimension: str | None = None
    base: float | None = None
    clock: int | None = None  # minutes after midnight, for "3pm" and "15:00"


def _word_number(tokens: Sequence[str], start: int) -> tuple[float, int] | None:
    """Parse "twenty-five", "two hundred and ten", "fifty" from tokens[start:]; (value, next index)."""
    total = current = 0
    i = start
    seen = False
    while i < len(tokens):
        word = tokens[i]
        if word in _UNITS_WORDS:
            current += _UNITS_WORDS[word]
        elif word in _TENS_WORDS:
            current += _TENS_WORDS[word]
        elif word in _SCALE_WORDS and seen:
            scale = _SCALE_WORDS[word]
            if scale == 100:
                current *= 100
            else:
                total += current * scale
                current = 0
        elif word == "and" and seen and i + 1 < len(tokens) and tokens[i + 1] in _NUMBER_WORDS:
            i += 1
            continue
        else:
            break
        seen = True
        i += 1
    return (float(total + current), i) if seen else None


def _quantities(text: _Text) -> list[_Quantity]:
    tokens = text.tokens
    found: list[_Quantity] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token[0].isdigit():
            if ":" in token:
                hours, _, minutes = token.partition(":")
                value, end = float(hours), i + 1
                clock: int | None = int(hours) % 24 * 60 + int(minutes[:2] or 0)
            else:
                value, end, clock = float(token.replace(",", "")), i + 1, None
        elif token in _ORDINAL_WORDS:
            found.append(_Quantity(token, float(_ORDINAL_WORDS[token])))
            i += 1
            continue
        elif token in _NUMBER_WORDS and (parsed := _word_number(tokens, i)):
            value, end = parsed
            clock = None
        else:
            i += 1
            continue
        surface = " ".join(tokens[i:end])
        unit = tokens[end] if end < len(tokens) else ""
        if unit in _MERIDIEMS and value <= 12:
            past_hour = clock % 60 if clock is not None else 0
            clock = (int(value) % 12 + (12 if unit == "pm" else 0)) * 60 + past_hour
            found.append(_Quantity(f"{surface}{unit}", value, clock=clock))
            i = end + 1
            continue
        if unit in _ORDINAL_SUFFIXES:
            found.append(_Quantity(surface + unit, value))
            i = end + 1
            continue
        if unit == "per" and end + 1 < len(tokens) and tokens[end + 1] == "cent":
            unit, end = "percent", end + 1
        sign = tokens[i - 1] if i > 0 and tokens[i - 1] in _CURRENCY_SIGNS else ""
        if unit == "o" and end + 1 < len(tokens) and tokens[end + 1] == "clock":
            found.append(_Quantity(surface + " o'clock", value))
            i = end + 2
            continue
        dimension, factor = _UNITS.get(unit, _UNITS.get(sign, (None, 1.0)))
        if unit in _UNITS:
            surface, end = f"{surface} {unit}", end + 1
        found.append(
            _Quantity(
                sign + surface,
                value,
                dimension,
                value * factor if dimension else None,
                clock if clock is not None else None,
            )
        )
        i = end
    return found


def _same_quantity(a: _Quantity, b: _Quantity, *, lenient: bool) -> bool:
    if a.clock is not None and b.clock is not None:
        return a.clock == b.clock
    if a.dimension and b.dimension:
        return (
            a.dimension == b.dimension
            and a.base is not None
            and b.base is not None
            and (abs(a.base - b.base) <= 1e-9 * max(abs(a.base), abs(b.base), 1.0))
        )
    if not lenient:
        return a.value == b.value and a.clock is None and b.clock is None and a.dimension == b.dimension
    clock = a.clock if a.clock is not None else b.clock
    if clock is not None:  # "3pm" and "three o'clock": a bare hour matches on the 12-hour clock
        bare = b if a.clock is not None else a
        return bare.value.is_integer() and int(bare.value) % 12 * 60 == clock % 720
    return a.value == b.value


def _unmatched(left: list[_Quantity], right: list[_Quantity]) -> tuple[list[_Quantity], list[_Quantity]]:
    left, right = list(left), list(right)
    for lenient in (False, True):
        for a in list(left):
            for b in right:
                if _same_quantity(a, b, lenient=lenient):
                    left.remove(a)
                    right.remove(b)
                    break
    # "one egg" / "a single egg", "quick one": a lone 1 is an article as often as it is a number.
    return [q for q in left if q.value != 1], [q for q in right if q.value != 1]


def _dates(text: _Text) -> frozenset[str]:
    named = {t for t in text.stems if t in _DATE_STEMS}
    return frozenset(named | {m.replace("-", " ") for m in _RELATIVE_DATE_RE.findall(text.folded)})


class NumberGuard:
    """Rejects when numbers, amounts, times, ordinals or named dates differ ("2kg" vs "2 kilos" agree)."""

    name = "numbers"

    def check(self, query: str, candidate: str) -> GuardVerdict | None:
        q, c = _analyse(query), _analyse(candidate)
        only_q, only_c = _unmatched(_quantities(q), _quantities(c))
        if only_q or only_c:
            return GuardVerdict(self.name, f"numbers differ: {_describe(only_q)} vs {_describe(only_c)}")
        dates_q, dates_c = _dates(q), _dates(c)
        if any(not _typo_of(d, c.stems) for d in dates_q - dates_c) or any(
            not _typo_of(d, q.stems) for d in dates_c - dates_q
        ):
            return GuardVerdict(
                self.name, f"dates differ: {_describe(dates_q - dates_c)} vs {_describe(dates_c - dates_q)}"
            )
        return None


def _describe(items: Iterable[_Quantity | str]) -> str:
    words = sorted(i.surface if isinstance(i, _Quantity) else i for i in items)
    return ", ".join(repr(w) for w in words) if words else "nothing"


# --------------------------------------------------------------------------------------------------
# Guard 2: negation and polarity.

_NEGATORS = frozenset(
    {"not", "no", "never", "without", "none", "nothing", "nobody", "nowhere", "neither", "nor", "non"}
)
# Each group lists words of one polarity; a pair of groups is an antonym pair. General English, curated.
_ANTONYM_PAIRS: tuple[tuple[str, str], ...] = (
    ("high higher highest", "low lower lowest"),
    ("increase raise grow", "decrease reduce lower cut"),
    ("more most", "less least fewer fewest"),
    ("max maximum", "min minimum"),
    ("before earlier", "after later"),
    ("early earliest", "late latest"),
    ("within during", "after outside"),
    ("first", "last"),
    ("over above", "under below"),
    ("open opened", "close closed shut"),
    ("start begin", "stop end finish"),
    ("pause suspend", "resume continue"),
    ("eat take use", "avoid"),
    ("safe harmless", "dangerous harmful risky unsafe"),
    ("cancel", "keep"),
    ("buy purchase", "sell"),
    ("add", "remove delete"),
    ("allow allowed permit permitted", "forbid forbidden ban banned prohibit prohibited"),
    ("include included including", "exclude excluded excluding"),
    ("accept approve approved grant", "decline reject rejected refuse deny revoke"),
    ("enable enabled", "disable disabled"),
    ("lock locked", "unlock unlocked"),
    ("join subscribe", "leave unsubscribe quit"),
    ("pass passed succeed successful", "fail failed unsuccessful"),
    ("win won", "lose lost"),
    ("benefit benefits advantage pros upside", "drawback disadvantage cons downside risk"),
    ("best", "worst"),
    ("good better", "bad worse"),
    ("hot warm", "cold cool"),
    ("big large", "small little"),
    ("long longer", "short shorter"),
    ("fast quick quickest fastest", "slow slowest"),
    ("cheap cheapest", "expensive dear"),
    ("heavy", "light"),
    ("busy", "quiet"),
    ("spicy hot", "mild"),
    ("full", "empty"),
    ("upgrade", "downgrade"),
    ("import upload", "export download"),
    ("send", "receive"),
    ("deposit", "withdraw"),
    ("credit", "debit"),
    ("borrow", "lend"),
    ("arrive arrival", "depart departure leave"),
    ("public", "private"),
    ("internal inside", "external outside"),
    ("compulsory mandatory required", "optional voluntary"),
    ("legal lawful valid correct true", "illegal unlawful invalid incorrect wrong false"),
    ("positive", "negative"),
    ("men man male boy husband", "women woman female girl wife"),
    ("north", "south"),
    ("east", "west"),
    ("left", "right"),
    ("new", "old used"),
    ("young younger youngest", "old older oldest elderly"),
    ("like love", "dislike hate"),
    ("agree", "disagree"),
    ("connect", "disconnect"),
    ("mute", "unmute"),
    ("install", "uninstall"),
    ("archive", "unarchive"),
    ("outstanding excellent", "inadequate poor"),
)
_PARTICLE_OPPOSITES = {"on": "off", "off": "on", "in": "out", "out": "in", "up": "down", "down": "up"}
_NEGATIVE_PREFIXES = ("non", "un", "dis", "in", "im", "il", "ir")


def _build_antonyms() -> dict[str, frozenset[str]]:
    table: dict[str, set[str]] = {}
    for left, right in _ANTONYM_PAIRS:
        lefts, rights = {_stem(w) for w in left.split()}, {_stem(w) for w in right.split()}
        for word in lefts:
            table.setdefault(word, set()).update(rights - lefts)
        for word in rights:
            table.setdefault(word, set()).update(lefts - rights)
    return {word: frozenset(opposites) for word, opposites in table.items()}


_ANTONYMS = _build_antonyms()


def _particles(text: _Text) -> frozenset[tuple[str, str]]:
    """(verb, particle) pairs such as ("turn", "on"), ("opt", "out"), ("check", "in")."""
    pairs = set()
    for prev, word in zip(text.stems, text.tokens[1:], strict=False):
        if word in _PARTICLE_OPPOSITES and prev.isalpha() and prev not in _STOP_WORDS:
            pairs.add((prev, word))
    return frozenset(pairs)


def _prefix_flip(words: frozenset[str], others: frozenset[str]) -> str | None:
    """A word that is another word of the other text with a negative prefix: "unsafe" vs "safe"."""
    for word in words - others:
        for prefix in _NEGATIVE_PREFIXES:
            if word.startswith(prefix) and len(word) - len(prefix) >= 4 and word[len(prefix) :] in others:
                return word
    return None


class NegationGuard:
    """Rejects a negation on one side only, or a word on one side whose antonym is on the other."""

    name = "negation"

    def check(self, query: str, candidate: str) -> GuardVerdict | None:
        q, c = _analyse(query), _analyse(candidate)
        neg_q = sum(t in _NEGATORS for t in q.tokens)
        neg_c = sum(t in _NEGATORS for t in c.tokens)
        if neg_q != neg_c:
            return GuardVerdict(self.name, f"negation on one side only ({neg_q} vs {neg_c} negators)")
        stems_q, stems_c = frozenset(q.stems), frozenset(c.stems)
        for word in sorted(stems_q - stems_c):
            flipped = _ANTONYMS.get(word, frozenset()) & (stems_c - stems_q)
            if flipped:
                return GuardVerdict(self.name, f"opposite words: {word!r} vs {min(flipped)!r}")
        words_q, words_c = frozenset(q.tokens), frozenset(c.tokens)
        prefixed = _prefix_flip(words_q, words_c) or _prefix_flip(words_c, words_q)
        if prefixed:
            return GuardVerdict(self.name, f"negative prefix on one side: {prefixed!r}")
        parts_q, parts_c = _particles(q), _particles(c)
        for verb, particle in sorted(parts_q - parts_c):
            if (verb, _PARTICLE_OPPOSITES[particle]) in parts_c - parts_q:
                opposite = _PARTICLE_OPPOSITES[particle]
                return GuardVerdict(self.name, f"opposite particles: {verb} {particle!r} vs {opposite!r}")
        return None


# --------------------------------------------------------------------------------------------------
# Guard 3: named entities and content words.


def _wordset(*texts: str) -> frozenset[str]:
    return frozenset(word for text in texts for word in text.split())


_STOP_WORDS = _wordset(
    # articles, pronouns, determiners, prepositions, conjunctions
    """a an the i me my mine myself we us our ours you your yours he him his she her hers it its they
    them their theirs this that these those who whom whose which what when where why how there here
    of to in on at by for with from into onto out off up down over about as than then so and or but if
    because while whether also too very just only even still already yet again any some all each every
    both either other another such own same one ones s t d ll ve re m o
    am is are was were be been being do does did doing done have has had having will would shall should
    can could may might must need needs ought get gets got getting go goes going went gone make makes
    let lets want wants like
    """,
    # framing that paraphrases add or drop freely
    """way ways best process procedure steps step method possible able allowed okay ok please thanks
    thank cheers hi hello hey hiya dear morning afternoon evening quick question wondering sorry
    bother silly um uh er erm so like yeah well anyway just really actually basically usually
    generally normally typically exactly roughly approximately kind sort much many long often soon
    know tell find help tip tips thing things something anything everything someone anyone somebody
    anybody lot lots bit idea info information details detail currently now time times offer offers
    provide available have has
    """,
    # prepositions of place and time (the negation guard reads "before"/"after" and "over"/"under")
    """under over above below between within after before during through across around via per
    """,
    # class nouns that restate what the rest already names ("which city is the capital of France")
    """city town country place location area number amount value figure name type category word term
    """,
)
# Near-synonyms that rewordings swap freely: general English, each group mapped to its first word.
# A group whose first word is a stop word ("get", "make") makes its members stop words too.
_SYNONYM_GROUPS: tuple[str, ...] = (
    "change update modify edit amend alter adjust switch",
    "mute silence",
    "get obtain receive acquire fetch request order",
    "make create generate produce submit send lodge set",
    "start begin commence",
    "end terminate finish cancel",
    "cost price charge fee pay",
    "buy purchase",
    "delete erase",
    "close shut",
    "fix repair mend",
    "quick quicker quickest fast faster fastest rapid speedy",
    "big bigger biggest large larger largest",
    "small smaller smallest little tiny",
    "previous earlier prior former",
    "shop store",
    "street road",
    "child children kid kids",
    "baby babies infant infants",
    "car vehicle",
    "doctor gp",
    "film movie",
    "phone mobile telephone",
    "parcel package",
    "delivery shipping postage",
    "email mail",
    "choose select pick",
    "show display",
    "check verify",
    "mistake error",
    "problem issue fault",
    "result grade mark",
    "install setup",
    "cashpoint atm",
    "luggage baggage bag",
    "guarantee warranty",
    "register enrol enroll sign signup",
    "dispute challenge contest",
)


def _build_synonyms() -> dict[str, str]:
    table: dict[str, str] = {}
    for group in _SYNONYM_GROUPS:
        words = [_stem(w) for w in group.split()]
        for word in words:
            table.setdefault(word, words[0])
    return table


_SYNONYMS = _build_synonyms()
_STOP_STEMS = frozenset(_stem(w) for w in _STOP_WORDS) | _STOP_WORDS
# Greetings and hesitations that say nothing about the question: left out of the overlap measure.
_FILLERS = _wordset("hi hello hey hiya um uh er erm so like okay ok yeah well please thanks thank cheers sorry just")


def _content_words(text: _Text) -> dict[str, str]:
    """Stems that carry the question's subject, by synonym class: no stop words, numbers, dates, negators."""
    words: dict[str, str] = {}
    for token, stem in zip(text.tokens, text.stems, strict=True):
        canonical = _SYNONYMS.get(stem, stem)
        if (
            token.isalpha()
            and len(token) > 1
            and canonical not in _STOP_STEMS
            and stem not in _STOP_STEMS
            and token not in _NUMBER_WORDS
            and token not in _NEGATORS
            and stem not in _DATE_STEMS
        ):
            words[canonical] = stem
    return words


def _osa_distance(a: str, b: str, limit: int) -> int:
    """Edit distance with adjacent transpositions (typos), stopping early past ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    previous2: list[int] = []
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cost = ca != cb
            current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return limit + 1
        previous2, previous = previous, current
    return previous[-1]


def _typo_of(word: str, others: Iterable[str]) -> bool:
    """Whether ``word`` is a likely misspelling of one of ``others`` (never for short words or names)."""
    for other in others:
        longest, shortest = max(len(word), len(other)), min(len(word), len(other))
        limit = 2 if shortest >= 8 else 1 if longest >= 5 else 0
        if limit and word[0] == other[0] and _osa_distance(word, other, limit) <= limit:
            return True
    return False


def _same_word(word: str, stem: str, other: dict[str, str]) -> bool:
    """Equal class, one a prefix of the other ("agent"/"agency", "quote"/"quotation"), or a typo."""
    if word in other:
        return True
    stems = other.values()
    if any(min(len(stem), len(o)) >= 4 and (stem.startswith(o) or o.startswith(stem)) for o in stems):
        return True
    return _typo_of(stem, stems)


def _unshared(words: dict[str, str], others: dict[str, str]) -> list[str]:
    return sorted(stem for word, stem in words.items() if not _same_word(word, stem, others))


def _overlap(q: _Text, c: _Text) -> float:
    """Share of each text's words found in the other (the lower of the two): high for the same question
    frame with one slot changed ("... for adults?" / "... for children?"), low for a rewording."""
    shares = []
    for mine, theirs in ((q, c), (c, q)):
        stems = [s for s in mine.stems if s not in _FILLERS and s.isalnum()]
        other = {_SYNONYMS.get(s, s): s for s in theirs.stems}
        found = sum(_same_word(_SYNONYMS.get(s, s), s, other) for s in stems)
        shares.append(found / len(stems) if stems else 1.0)
    return min(shares)


def _named_in(name: str, text: _Text, words: set[str]) -> bool:
    return name in text.entities or _stem(name) in words or name in words or _typo_of(name, words)


class EntityGuard:
    """Rejects when the texts are about different things: other names, codes or subject words.

    Names and codes ("Gmail", "SKU-123", "UK") count when both sides have one the other lacks, or one
    side has one and the other none. Other content words count only when the two texts share their
    frame (most words in common, ``min_overlap``): then the unshared word is the changed slot
    ("puppy"/"kitten", "gift"/"gift card"). Rewordings share few words and are left to the threshold.
    """

    name = "entities"

    def __init__(self, min_overlap: float = 0.6) -> None:
        self.min_overlap = min_overlap

    def check(self, query: str, candidate: str) -> GuardVerdict | None:
        q, c = _analyse(query), _analyse(candidate)
        words_q, words_c = set(q.stems) | set(q.tokens), set(c.stems) | set(c.tokens)
        names_q = {e for e in q.entities if not _named_in(e, c, words_c)}
        names_c = {e for e in c.entities if not _named_in(e, q, words_q)}
        if (names_q and (names_c or not c.entities)) or (names_c and not q.entities):
            return GuardVerdict(self.name, f"different names: {_describe(names_q)} vs {_describe(names_c)}")
        content_q, content_c = _content_words(q), _content_words(c)
        only_q, only_c = _unshared(content_q, content_c), _unshared(content_c, content_q)
        if (only_q or only_c) and _overlap(q, c) >= self.min_overlap:
            return GuardVerdict(self.name, f"different subject: {_describe(only_q)} vs {_describe(only_c)}")
        return None


# --------------------------------------------------------------------------------------------------
# Guard 4: direction ("from A to B" vs "from B to A").

_PIVOTS = frozenset({"to", "into", "onto"})


def _sides_of_pivots(text: _Text, shared: frozenset[str]) -> set[tuple[str, str]]:
    """(x, y) for shared words x before and y after some "to"/"into" in the text."""
    pairs: set[tuple[str, str]] = set()
    for index, token in enumerate(text.tokens):
        if token in _PIVOTS:
            before = {s for s in text.stems[:index] if s in shared}
            after = {s for s in text.stems[index + 1 :] if s in shared}
            pairs.update((x, y) for x in before for y in after if x != y)
    return pairs


class DirectionGuard:
    """Rejects when the same two things swap sides of "to"/"into": transfer A to B is not B to A."""

    name = "direction"

    def check(self, query: str, candidate: str) -> GuardVerdict | None:
        q, c = _analyse(query), _analyse(candidate)
        shared = frozenset(_content_words(q).values()) & frozenset(_content_words(c).values())
        if len(shared) < 2:
            return None
        pairs_q = _sides_of_pivots(q, shared)
        if not pairs_q:
            return None
        swapped = sorted((x, y) for x, y in _sides_of_pivots(c, shared) if (y, x) in pairs_q)
        if swapped:
            x, y = swapped[0]
            return GuardVerdict(self.name, f"direction reversed: {y!r} to {x!r} vs {x!r} to {y!r}")
        return None


# --------------------------------------------------------------------------------------------------
# The configured set.

_GUARD_TYPES: dict[str, type[NumberGuard | NegationGuard | EntityGuard | DirectionGuard]] = {
    NumberGuard.name: NumberGuard,
    NegationGuard.name: NegationGuard,
    EntityGuard.name: EntityGuard,
    DirectionGuard.name: DirectionGuard,
}
GUARD_NAMES: tuple[str, ...] = tuple(_GUARD_TYPES)


class GuardSet:
    """The guards a cache runs, in order; the first rejection wins (and names its guard)."""

    def __init__(self, guards: Sequence[Guard]) -> None:
        self.guards: tuple[Guard, ...] = tuple(guards)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.guards)

    def first_rejection(self, query: str, candidate: str) -> GuardVerdict | None:
        for guard in self.guards:
            verdict = guard.check(query, candidate)
            if verdict is not None:
                return verdict
        return None

    @classmethod
    def default(cls) -> GuardSet:
        return cls.from_names(GUARD_NAMES)

    @classmethod
    def from_names(cls, names: Iterable[str]) -> GuardSet:
        chosen = [n.strip().lower() for n in names if n.strip()]
        unknown = [n for n in chosen if n not in _GUARD_TYPES]
        if unknown:
            raise InvalidInput(
                f"unknown guard name(s) {', '.join(map(repr, unknown))}; valid: {', '.join(GUARD_NAMES)}"
            )
        return cls([_GUARD_TYPES[n]() for n in dict.fromkeys(chosen)])

    def __repr__(self) -> str:
        return f"GuardSet({list(self.names)!r})"
