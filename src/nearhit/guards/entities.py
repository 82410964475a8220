"""The entity guard: the texts are about different things (other names, codes or subject words)."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import ClassVar

from nearhit.guards.clauses import (
    BACKSTORY_ADDED,
    Clauses,
    backstory_strength,
    split_question,
    told_after,
)
from nearhit.guards.content import content_words, overlap, unshared, word_class
from nearhit.guards.degrees import criteria_differ
from nearhit.guards.languages import COVERED, detect, prepositions_of
from nearhit.guards.lexicon import SAME_NAMES, STOP_WORDS, groups, words
from nearhit.guards.numbers import matched_units, one_more_words
from nearhit.guards.restriction import added_clause
from nearhit.guards.stemming import stem
from nearhit.guards.text import Text, analyse, as_written, describe, joined, typo_of
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["EntityGuard"]


def _named_in(name: str, text: Text, words: set[str]) -> bool:
    if name in SAME_NAMES:  # "US" / "American": one country; never a typo of another name
        return any(SAME_NAMES.get(other) == SAME_NAMES[name] for other in text.entities | words)
    return name in text.entities or stem(name) in words or name in words or typo_of(name, words)


_VOWELS = frozenset("aeiouy")
_SHORT_FORM = 4  # letters at most: "grp", "lvl", "bt", "mgmt"


def _short_form(short: str, word: str) -> bool:
    """``short`` is ``word`` written as some of its consonants ("grp" / "group", "lvl" / "level", "bt" /
    "bluetooth", "pg" / "postgresql"): the same first letter, consonants only, each found in order in the
    longer word. A short word with a vowel ("as", "cat" in "chart") is a word of its own, and one the longer
    word starts with is that word lengthened ("sql" / "sqlite"): never read so."""
    if not (2 <= len(short) <= _SHORT_FORM and len(word) >= len(short) + 2 and short[0] == word[0]):
        return False
    if not (short.isalpha() and word.isalpha()) or not _VOWELS.isdisjoint(short):
        return False
    if word.startswith(short):  # a code lengthened is another name: "sql" / "sqlite", "js" / "json"
        return False
    letters = iter(word)
    return all(letter in letters for letter in short)


def _abbreviated(word: str, text: Text, other: Text) -> bool:
    """``word`` of ``text`` is a short form of a word only ``other`` has, or one of those a short form of it.
    A name written short stands for a name ("BT" / "Bluetooth"), never for a common word: "HR" is no "hour",
    "CDL" no "candle" (a short form in lowercase may be either: "grp" / "group")."""
    if len(word) < 2:  # too short to be a short form, or to have one (:func:`_short_form`)
        return False
    own = set(text.tokens) | set(text.stems)
    short = len(word) <= _SHORT_FORM  # a longer word is no short form: the first test below could not hold
    for token in set(other.tokens) - own:
        if short and _short_form(word, token) and (word not in text.entities or token in other.entities):
            return True
        if _short_form(token, word) and (token not in other.entities or word in text.entities):
            return True
    return False


_SKIPPED_IN_ACRONYMS = frozenset({"of", "and", "for", "the", "on", "in", "to"})  # "Department of Motor Vehicles"


def _spelt_out(acronyms: frozenset[str], tokens: Sequence[str]) -> dict[str, set[str]]:
    """Acronym -> the consecutive words of ``tokens`` whose initials spell it ("us" -> united, states),
    small words between them skipped as acronyms skip them ("dmv" -> department, motor, vehicles)."""
    found: dict[str, set[str]] = {}
    if not acronyms:  # nothing to spell out (many texts)
        return found
    spelling = [word for word in tokens if word not in _SKIPPED_IN_ACRONYMS]
    for acronym in acronyms:
        size = len(acronym)
        if not 2 <= size <= 6 or not acronym.isalpha():
            continue
        # "SSRIs", "ATMs": a plural's "s" is no initial (tried after the whole acronym, so "DNS" stays three).
        letters = (acronym, acronym[:-1]) if acronym.endswith("s") and size >= 4 else (acronym,)
        match = next((m for a in letters for run in (tokens, spelling) if (m := _initials(a, run)) is not None), None)
        if match is not None:
            found[acronym] = match
    return found


def _initials(acronym: str, tokens: Sequence[str]) -> set[str] | None:
    size, first = len(acronym), acronym[0]
    for start in range(len(tokens) - size + 1):
        if not tokens[start].startswith(first):
            continue  # the cheapest test first: most words start with another letter
        run = tokens[start : start + size]
        if all(word.isalpha() and word[0] == letter for word, letter in zip(run, acronym, strict=True)):
            return set(run)
    return None


def _acronyms(text: Text) -> frozenset[str]:
    """Names, and lower-case words with no vowel ("npm", "bp", "sql"): what may be spelt out elsewhere."""
    return text.entities | {t for t in text.tokens if 2 <= len(t) <= 5 and t.isalpha() and _VOWELS.isdisjoint(t)}


_VOWELS = frozenset("aeiouy")


_SAME_THINGS = tuple(tuple(tuple(name.split("_")) for name in group) for group in groups("same_things.txt"))
"""Names that stand for the same thing (``data/same_things.txt``), each name as its words."""


def _same_things(q: Text, c: Text) -> set[str]:
    """The words (tokens, stems and classes) of the names each side gives one thing by ("Vaseline" / "petroleum
    jelly", "paracetamol" / "acetaminophen"): one thing named two ways, not two subjects."""
    found: set[str] = set()
    for group in _SAME_THINGS:
        at_q, at_c = _positions(q, group), _positions(c, group)
        if at_q and at_c:
            found |= {word for text, at in ((q, at_q), (c, at_c)) for n in at for word in _forms(text, n)}
    return found


def _positions(text: Text, names: tuple[tuple[str, ...], ...]) -> set[int]:
    """The token positions of ``text`` where one of ``names`` stands (every word of it)."""
    tokens = text.tokens
    return {
        start + k
        for name in names
        for start in range(len(tokens) - len(name) + 1)
        if tokens[start : start + len(name)] == name
        for k in range(len(name))
    }


def _forms(text: Text, index: int) -> tuple[str, str, str]:
    token, stemmed = text.tokens[index], text.stems[index]
    return token, stemmed, word_class(token, stemmed)


def _countries(text: Text) -> set[str]:
    """The countries a text names, by group ("US", "american" -> "usa"); the pronoun "us" is none."""
    named = text.entities | {t for t in text.tokens if t not in STOP_WORDS}
    return {SAME_NAMES[name] for name in named if name in SAME_NAMES}


def _named_in_question(clauses: Clauses, names: set[str]) -> bool:
    """Whether any of these names sits in the question clause (always, for a lone question)."""
    if not names or not clauses.backstory:
        return bool(names)
    return bool(names & analyse(clauses.question).entities)


QUALIFIED = 0.6
"""Subject words only one side tells after its question about the asker's situation, a condition only one
side asks for, or a clause one side adds to the other's plain question: over the cut, however much of the
rest is reworded."""

_CONDITIONS = {stem(word): group[0] for group in groups("condition_words.txt") for word in group}
"""A case the answer depends on ("pregnant", "toddler", "vegan", "Windows") -> its condition: named on one side
only, in the question or told after it, it is asked about however much the rest is reworded."""


def _conditions(text: str, clauses: Clauses) -> set[str]:
    """The conditions named in the question clause or told after it (not in backstory told before it)."""
    asked = analyse(clauses.question if clauses.backstory else text).stems + analyse(told_after(text)).stems
    return {_CONDITIONS[s] for s in asked if s in _CONDITIONS}


def _condition_added(query: str, clauses_q: Clauses, candidate: str, clauses_c: Clauses) -> bool:
    """Whether a side asks for a condition the other side names nowhere ("On a Linux box, how ..." names it)."""
    named_q = {_CONDITIONS[s] for s in analyse(query).stems if s in _CONDITIONS}
    named_c = {_CONDITIONS[s] for s in analyse(candidate).stems if s in _CONDITIONS}
    return bool(_conditions(query, clauses_q) - named_c or _conditions(candidate, clauses_c) - named_q)


def _conditions_differ(query: str, candidate: str) -> bool:
    """Whether one side names a condition ("vegan", "pregnant", "Windows") or a country the other does not,
    anywhere: who asks, and where, may change the answer even when told as context."""
    q, c = analyse(query), analyse(candidate)
    named_q = {_CONDITIONS[s] for s in q.stems if s in _CONDITIONS}
    named_c = {_CONDITIONS[s] for s in c.stems if s in _CONDITIONS}
    return named_q != named_c or _countries(q) != _countries(c)


def _qualified(text: str, clauses: Clauses, stems: list[str]) -> bool:
    """Whether any of these subject words sits in a sentence told after the question about the asker's
    situation ("What can I take for a headache? I'm pregnant."), and not in the question itself."""
    after = told_after(text)
    if not stems or not after:
        return False
    told, question = analyse(after).stems, analyse(clauses.question).stems
    return any(s in told and s not in question for s in stems)


def _asked(clauses: Clauses, stems: list[str]) -> bool:
    """Whether any of these subject words sits in the question clause (always, for a lone question)."""
    if not stems or not clauses.backstory:
        return bool(stems)
    question = analyse(clauses.question)
    return any(s in question.stems for s in stems)


_ROOT = 4  # letters a verb's forms share in the other languages read ("cambio"/"cambiar", "installiere"/"installieren")
_ROOT_SHARE = 0.6


def _inflecting(query: str, candidate: str) -> bool:
    """Both in one language other than English: the English stemmer does not know its word endings."""
    lang = detect(query)
    return lang not in COVERED and lang == detect(candidate)


def _same_root(word: str, others: Iterable[str]) -> bool:
    """Another form of the same word: a long common beginning ("cambio"/"cambiar")."""
    for other in others:
        shared = next(
            (n for n, (a, b) in enumerate(zip(word, other, strict=False)) if a != b), min(len(word), len(other))
        )
        if shared >= _ROOT and shared >= _ROOT_SHARE * min(len(word), len(other)):
            return True
    return False


def _written_as_one(text: Text, other: Text) -> set[str]:
    """The parts of a name of ``text`` split by a hyphen or a space that ``other`` writes as one word
    ("Wi-Fi" / "wifi", "Citi Bike" / "citibike"): one name, spelt two ways."""
    words = set(other.tokens)
    return {part for one, parts in joined(text).items() if one in words for part in parts}


@lru_cache(maxsize=4096)
def _split_as_one(text: Text, other: Text) -> frozenset[str]:
    """The stems of ``text`` that ``other`` writes as one word with their neighbour ("log in" / "login"),
    and the words of ``text`` that ``other`` writes as two (cached: asked once per unshared word)."""
    words = set(other.tokens) | set(other.stems)
    found = {stem(part) for one, parts in joined(text).items() if one in words for part in parts}
    own = set(text.stems) | set(text.tokens)
    return frozenset(found | {one for one in joined(other) if one in own})


def _separated(word: str, text: Text, others: dict[str, str]) -> bool:
    """A verb told apart from its particle ("setze ... zurück") that the other side writes as one word
    ("zurücksetzen"): the particle must be in ``text`` too, so "lade ... herunter" is not "hochladen"."""
    for other in others.values():
        at = other.find(word, 2)
        if at > 0 and other[:at] in text.tokens:
            return True
    return False


def _spelt_otherwise(names: set[str], text: Text, other: Text) -> set[str]:
    """``names`` of ``text`` less those ``other`` writes as one word ("Wi-Fi" / "wifi"), as two ("windows11" /
    "Windows 11") or short ("BT" / "Bluetooth"): one name, spelt another way."""
    if not names:  # no name on one side only (most pairs): neither side's words are joined for it
        return names
    names = names - _written_as_one(text, other) - set(joined(other))
    return {e for e in names if not _abbreviated(e, text, other)}


_NOUNS_CAPITALISED = frozenset({"de"})
"""Languages that capitalise every noun: a capital there is no hint of a name ("Holzstuhl", "Abonnement")."""


def _names(text: Text, language: str) -> frozenset[str]:
    """The names and codes of ``text``; in a language that capitalises nouns, only acronyms and codes."""
    if language not in _NOUNS_CAPITALISED:
        return text.entities
    return frozenset(e for e in text.entities if not (e.isalpha() and e in text.tokens))


def _fold(word: str) -> str:
    """Without accents ("hölzern" -> "holzern"): a compound may drop the umlaut of its modifier."""
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


_COMPOUND_PART = 4  # letters a part of a compound has at least ("holz", "stuhl"), so "a" + "rest" is none


def _compounds(text: Text, other: Text) -> tuple[set[str], set[str]]:
    """Words of ``text`` that ``other`` spells out as two ("Holzstuhl" / "hölzerner Stuhl", "Lederschuh" /
    "lederner Schuh"): the compound (its token and stem) and the two words of ``other`` that make it. Its
    head must be a word of ``other``, and its modifier the beginning of the word right before it ("homework"
    / "work from home" stays two things). ``other``'s word pairs are found by head, each distinct word tried
    once: linear in the words (a pair-by-pair loop took 9 s on a 32,000-character repetitive prompt)."""
    pairs: dict[str, set[tuple[str, str, str]]] = {}  # head -> (word before it, head's stem, that word's stem)
    for at in range(1, len(other.tokens)):
        head = other.tokens[at]
        if len(head) >= _COMPOUND_PART:
            pairs.setdefault(head, set()).add((other.tokens[at - 1], other.stems[at], other.stems[at - 1]))
    compounds: set[str] = set()
    parts: set[str] = set()
    for word, word_stem in set(zip(text.tokens, text.stems, strict=True)):
        if not word.isalpha() or len(word) < 2 * _COMPOUND_PART:
            continue
        for cut in range(1, len(word) - _COMPOUND_PART + 1):
            head = word[cut:]
            modifier = _fold(word[:cut]) if head in pairs else ""
            if len(modifier) < _COMPOUND_PART - 1:
                continue
            for token, head_stem, token_stem in pairs[head]:
                if _fold(token).startswith(modifier):
                    compounds |= {word, word_stem}
                    parts |= {head, head_stem, token, token_stem}
    return compounds, parts


def _reworded(word: str, text: Text, other: Text, other_words: Iterable[str], compounded: set[str]) -> bool:
    """Whether ``word``, on ``text``'s side only, rewords what ``other`` says: one word written as two
    (``compounded``: "Holzstuhl" / "hölzerner Stuhl"), a verb against its noun ("connect" / "connection"), a
    light verb where ``other`` has a preposition ("taking X" / "on X"), a stop word mistyped ("wen"), a
    verb before a state's particle ("the fan switched on" / "the fan on")."""
    return (
        word in compounded
        or _nominalised(word, other_words)
        or _for_preposition(word, text, other)
        or _stop_word_typed(word, text, other)
        or _before_particle(word, text, other)
    )


def _stop_word_typed(word: str, text: Text, other: Text) -> bool:
    """A stop word of ``other`` typed with a letter dropped or two letters swapped ("wen" / "when", "hwo" /
    "how"): too short for :func:`typo_of`, but a word that carries no subject is no new subject. The stop word
    is missing from ``text`` and a neighbour is the same on both sides ("wen i run" / "when I run"; not "What
    size hat ..." / "What size ...", nor "sew a hem" / "sew them")."""
    for at, (token, token_stem) in enumerate(zip(text.tokens, text.stems, strict=True)):
        if token_stem != word or len(token) < 3:
            continue
        for there, stop in enumerate(other.tokens):
            # The cheapest test first: a letter dropped or two swapped leave one letter more or as many.
            if not 0 <= len(stop) - len(token) <= 1 or stop not in STOP_WORDS or stop in text.tokens:
                continue
            if not _mistyped(token, stop):
                continue
            if _neighbour(text.tokens, at, -1) == _neighbour(other.tokens, there, -1) is not None:
                return True
            if _neighbour(text.tokens, at, 1) == _neighbour(other.tokens, there, 1) is not None:
                return True
    return False


_ENGLISH = words("english_vocabulary.txt")
_SLIP_LENGTH = 6  # letters of the longer word at least: "trial" / "trail", "angle" / "angel" stay two words


def _slipped(word: str, text: Text, other: Text) -> bool:
    """A word typed with two neighbouring letters swapped past its first ("buisness") or one letter
    doubled or undoubled ("twicee", "adress"), whose stem the typo check cannot match (the stems of the two
    spellings differ more than the words): compared as typed, a long word only, one of the two no English
    word ("braking" / "barking" are two). Another letter added ("drive" / "driver") makes another word."""
    for token, token_stem in zip(text.tokens, text.stems, strict=True):
        if token_stem != word or len(token) < _SLIP_LENGTH - 1 or not token.isalpha():
            continue  # shorter, every word one letter apart is shorter than _SLIP_LENGTH: the loop skips each
        english = token in _ENGLISH
        for intended in other.tokens:
            if abs(len(token) - len(intended)) > 1:  # a letter doubled or two swapped: one letter apart at most
                continue
            if max(len(token), len(intended)) < _SLIP_LENGTH:  # the cheapest test first: most words are short
                continue
            if (english and intended in _ENGLISH) or not intended.isalpha():
                continue
            if _doubled(token, intended) or _doubled(intended, token) or _swapped_inside(token, intended):
                return True
    return False


def _doubled(longer: str, shorter: str) -> bool:
    """``longer`` is ``shorter`` with one of its letters written twice."""
    if len(longer) != len(shorter) + 1:
        return False
    return any(
        longer[at] == longer[at - 1] and longer[:at] + longer[at + 1 :] == shorter for at in range(1, len(longer))
    )


def _swapped_inside(word: str, other: str) -> bool:
    """The same letters with two neighbours after the first exchanged ("buisness" / "business")."""
    return word[:1] == other[:1] and _mistyped(word[1:], other[1:]) and len(word) == len(other)


def _neighbour(tokens: Sequence[str], at: int, step: int) -> str | None:
    return tokens[at + step] if 0 <= at + step < len(tokens) else None


def _mistyped(word: str, intended: str) -> bool:
    """``intended`` with one letter dropped, or two neighbouring letters swapped."""
    if len(intended) == len(word) + 1:
        return any(intended[:i] + intended[i + 1 :] == word for i in range(len(intended)))
    swaps = (intended[:i] + intended[i + 1] + intended[i] + intended[i + 2 :] for i in range(len(intended) - 1))
    return len(intended) == len(word) and word != intended and word in swaps


_PARTICLES = frozenset({"on", "off", "up", "down", "out"})
_VERB_FORMS = ("ed", "en", "ing")  # "turned", "left" aside: a noun there ("the heater fan on") is a new thing


def _before_particle(word: str, text: Text, other: Text) -> bool:
    """A verb put between a thing and its state ("with the heater turned on" / "with the heater on", "the
    lights switched off" / "the lights off"): ``other`` says the same state with the particle alone."""
    for at, word_stem in enumerate(text.stems[1:-1], 1):
        verb = text.tokens[at].endswith(_VERB_FORMS)
        if word_stem != word or not verb or text.tokens[at + 1] not in _PARTICLES:
            continue
        thing, particle = text.stems[at - 1], text.tokens[at + 1]
        pairs = zip(other.stems, other.tokens[1:], strict=False)
        if any(_same_stem(before, thing) and after == particle for before, after in pairs):
            return True
    return False


def _same_stem(one: str, other: str) -> bool:
    """The same word, or one the other's beginning ("heat" / "heating")."""
    return one == other or (min(len(one), len(other)) >= _ROOT and (one.startswith(other) or other.startswith(one)))


def _nominalised(word: str, others: Iterable[str]) -> bool:
    """A verb and the noun made of it, one action ("connect"/"connection", "cancel"/"cancellation",
    "arrive"/"arrival"). A root of five letters at least ("state"/"station" stay two words); "-al" only
    after a verb's ending ("v", "s", "w": "removal", "proposal", "renewal"; not "personal", "digital")."""
    for other in others:
        longer, shorter = (word, other) if len(word) > len(other) else (other, word)
        if len(shorter) < _ROOT + 1 or not longer.startswith(shorter):
            continue
        extra = longer[len(shorter) :]
        if extra[:1] == shorter[-1:] and extra[1:] in _NOUN_ENDINGS:  # a doubled consonant: "cancellation"
            extra = extra[1:]
        if extra in _NOUN_ENDINGS and (extra != "al" or shorter[-1] in "vsw"):
            return True
    return False


_NOUN_ENDINGS = frozenset({"ion", "ation", "al"})
_LIGHT_VERBS = words("light_verbs.txt")
_STANDS_FOR = frozenset({"with", "on", "for", "via"})  # what "taking X", "using X" say in other words
_DETERMINERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "that", "some"})


def _object_after(tokens: Sequence[str], start: int, step: int) -> int | None:
    """The index of the first word from ``start`` on (``step`` -1: backwards) that is not a determiner or
    a number ("a 300 mm lens" -> "mm"... the walk stops at the first other word)."""
    at = start
    while 0 <= at < len(tokens):
        if tokens[at] not in _DETERMINERS and not tokens[at][:1].isdigit():
            return at
        at += step
    return None


def _for_preposition(word: str, text: Text, other: Text) -> bool:
    """A light verb ("taking", "using", "having") whose object ``other`` names after a preposition ("a
    patient taking warfarin" / "a patient on warfarin"): it says how the thing is involved, as the
    preposition does ("with", "on", "for", "via", or the one before the verb: "after having X" / "after X").
    Not another preposition ("photos using a drone" / "photos of a drone"), nor a verb ("use a visa" / "get a
    visa")."""
    for at, (token, token_stem) in enumerate(zip(text.tokens, text.stems, strict=True)):
        if token_stem != word or token not in _LIGHT_VERBS:
            continue
        prepositions = _STANDS_FOR | ({text.tokens[at - 1]} & prepositions_of(text) if at else set())
        thing = _object_after(text.tokens, at + 1, 1)
        if thing is None:
            continue
        for there, other_token in enumerate(other.tokens):
            if other_token != text.tokens[thing]:
                continue
            before = _object_after(other.tokens, there - 1, -1)
            if before is not None and other.tokens[before] in prepositions:
                return True
    return False


class EntityGuard(SignalGuard):
    """Rejects when the texts are about different things: other names, codes or subject words.

    Names and codes ("Gmail", "SKU-123", "UK") count when both sides have one the other lacks, or one
    side has one and the other none. Other content words count only when the two texts share their
    frame (most words in common, ``min_overlap``): then the unshared word is the changed slot
    ("puppy"/"kitten", "gift"/"gift card"). Rewordings share few words and are left to the threshold.
    """

    name: ClassVar[str] = "entities"

    def __init__(self, min_overlap: float = 0.6) -> None:
        self.min_overlap = min_overlap

    def prepare(self, text: str) -> None:
        analysed = analyse(text)
        split_question(text)
        detect(text)
        content_words(analysed)
        joined(analysed)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        q, c = analyse(query), analyse(candidate)
        clauses_q, clauses_c = split_question(query), split_question(candidate)
        # "US" and "United States", "npm" and "Node package manager": the same name, spelt out.
        spelt_in_c, spelt_in_q = _spelt_out(_acronyms(q), c.tokens), _spelt_out(_acronyms(c), q.tokens)
        spelt = set().union(*spelt_in_c.values(), *spelt_in_q.values()) | _same_things(q, c)
        words_q, words_c = set(q.stems) | set(q.tokens), set(c.stems) | set(c.tokens)
        entities_q, entities_c = _names(q, detect(query)), _names(c, detect(candidate))
        names_q = {e for e in entities_q - spelt if e not in spelt_in_c and not _named_in(e, c, words_c)}
        names_c = {e for e in entities_c - spelt if e not in spelt_in_q and not _named_in(e, q, words_q)}
        names_q, names_c = _spelt_otherwise(names_q, q, c), _spelt_otherwise(names_c, c, q)
        if (names_q and (names_c or not entities_c)) or (names_c and not entities_q):
            reason = f"different names: {describe(names_q)} vs {describe(names_c)}"
            if _named_in_question(clauses_q, names_q) or _named_in_question(clauses_c, names_c):
                return self._signal(1.0, reason)
            strength = backstory_strength(clauses_q, clauses_c, (names_q, names_c))
            return self._signal(strength, reason + " (in backstory only)")
        spelt |= set(spelt_in_c) | set(spelt_in_q) | {stem(word) for word in spelt} | (_countries(q) & _countries(c))
        content_q = {k: v for k, v in content_words(q).items() if v not in spelt and k not in spelt}
        content_c = {k: v for k, v in content_words(c).items() if v not in spelt and k not in spelt}
        only_q, only_c = unshared(content_q, content_c), unshared(content_c, content_q)
        # A misspelling of any word of the other side, a stop word included ("recieve" / "receive", which
        # reads as "get"), is that word.
        only_q = [w for w in only_q if not typo_of(w, c.stems) and w not in _split_as_one(q, c)]
        only_c = [w for w in only_c if not typo_of(w, q.stems) and w not in _split_as_one(c, q)]
        only_q = [w for w in only_q if not _slipped(w, q, c) and not _abbreviated(w, q, c)]
        only_c = [w for w in only_c if not _slipped(w, c, q) and not _abbreviated(w, c, q)]
        # "a day" / "24 hours", "an additional" / "a second": one measure, which the number guard compares.
        if only_q:  # each side's measures worked out once, not once per word
            measured_q = matched_units(q, c) | one_more_words(q, c)
            only_q = [w for w in only_q if w not in measured_q]
        if only_c:
            measured_c = matched_units(c, q) | one_more_words(c, q)
            only_c = [w for w in only_c if w not in measured_c]
        if not (only_q or only_c):  # every check below only drops words: nothing left, nothing to read
            return None
        compounds_q, parts_in_c = _compounds(q, c)
        compounds_c, parts_in_q = _compounds(c, q)
        only_q = [w for w in only_q if not _reworded(w, q, c, content_c.values(), compounds_q | parts_in_q)]
        only_c = [w for w in only_c if not _reworded(w, c, q, content_q.values(), compounds_c | parts_in_c)]
        if _inflecting(query, candidate):
            only_q = [w for w in only_q if not _same_root(w, content_c.values()) and not _separated(w, q, content_c)]
            only_c = [w for w in only_c if not _same_root(w, content_q.values()) and not _separated(w, c, content_q)]
        if not (only_q or only_c):
            return None
        # The more of the frame the texts share, the surer it is that the unshared word is a changed slot;
        # below ``min_overlap`` it is more likely a rewording: a weak signal, under the cut.
        shared = overlap(q, c)
        if shared >= self.min_overlap:
            strength = self.cut + (1 - self.cut) * (shared - self.min_overlap) / max(1 - self.min_overlap, 1e-9)
        else:
            strength = 0.8 * self.cut * shared / self.min_overlap
        reason = f"different subject: {describe(as_written(q, only_q))} vs {describe(as_written(c, only_c))}"
        more = not only_q
        if _condition_added(query, clauses_q, candidate, clauses_c):
            return self._signal(max(strength, QUALIFIED), reason + " (a condition on one side)", candidate_more=more)
        clause = added_clause(query, candidate)
        if clause is not None:
            return self._signal(max(strength, QUALIFIED), f"{reason} ({clause})", candidate_more=more)
        ranked = criteria_differ(analyse(clauses_q.question).tokens, analyse(clauses_c.question).tokens)
        if ranked is not None:
            return self._signal(max(strength, QUALIFIED), f"{reason} (ranked by {ranked[0]!r} vs {ranked[1]!r})")
        if _asked(clauses_q, only_q) or _asked(clauses_c, only_c):
            return self._signal(strength, reason, candidate_more=more)
        if _qualified(query, clauses_q, only_q) or _qualified(candidate, clauses_c, only_c):
            return self._signal(max(strength, QUALIFIED), reason + " (told after the question)", candidate_more=more)
        # Subject words only a backstory has are context, unless both sides tell one (a changed slot).
        both = clauses_q.backstory and clauses_c.backstory
        weak = backstory_strength(clauses_q, clauses_c, (only_q, only_c)) if both else BACKSTORY_ADDED
        strength = min(strength, weak)
        context = strength <= BACKSTORY_ADDED and not _conditions_differ(query, candidate)
        return self._signal(strength, reason + " (in backstory only)", context=context, candidate_more=more)
