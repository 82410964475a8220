"""Facts about the asker or the thing asked about (``data/constraints.json``) that change an answer however
the earlier turns are worded: a health condition, an age, a platform, a plan, a kind of booking.

The embedding of a reworded history hardly moves when "I'm pregnant" is added or "a flight" becomes "a hotel
room", and the word-by-word checks of :mod:`nearhit.cache.conversation` only see such a change when the rest
of the turns are the same words. These categories are compared whatever the wording: a condition only one
side mentions is a constraint added; two values of one category of alternatives are a swapped detail.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterable, Mapping
from importlib import resources
from typing import Any

from nearhit.guards.content import content_stems
from nearhit.guards.lexicon import STOP_WORDS
from nearhit.guards.text import describe, tokens_of

DATA = "constraints.json"


@functools.cache
def _data() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(resources.files("nearhit.cache").joinpath("data", DATA).read_text("utf-8"))
    return loaded


@functools.cache
def _patterns() -> tuple[re.Pattern[str], dict[str, re.Pattern[str]], list[str]]:
    """One pattern for every condition (a named group each), one per category of alternatives (a named
    group per value), and the names in group order: few scans of a text, not one per phrase."""
    data = _data()
    names: list[str] = []
    conditions = _named(list(data["conditions"].items()), names)
    alternatives = {name: _named(list(values.items()), names) for name, values in data["alternatives"].items()}
    return conditions, alternatives, names


def _named(groups: list[tuple[str, list[str]]], names: list[str]) -> re.Pattern[str]:
    branches = []
    for name, phrases in groups:
        branches.append(f"(?P<g{len(names)}>{_branches(phrases)})")
        names.append(name)
    return re.compile(r"\b(?:" + "|".join(branches) + ")")


def _branches(phrases: list[str]) -> str:
    """One phrase a branch; ``*`` at the end matches any ending; spaces and hyphens match either."""
    branches = []
    for phrase in phrases:
        stem, open_end = (phrase[:-1], True) if phrase.endswith("*") else (phrase, False)
        words = [re.escape(word) for word in re.split(r"[\s-]+", stem.casefold())]
        branches.append(r"[\s-]+".join(words) + (r"[\w'-]*" if open_end else r"\b"))
    return "|".join(branches)


def _found(pattern: re.Pattern[str], text: str) -> frozenset[str]:
    names = _patterns()[2]
    return frozenset(names[int(match.lastgroup[1:])] for match in pattern.finditer(text) if match.lastgroup)


_HEAD = 5
"""How many characters of a phrase's first word :func:`_heads` keeps."""
_RUN = re.compile(r"\w+")
"""A run of word characters: its start is where a pattern's ``\\b`` before a word character lets a match begin."""


@functools.cache
def _scanned() -> tuple[frozenset[str] | None, dict[str, frozenset[str] | None], tuple[int, ...]]:
    """What a text must hold for each pattern of :func:`_patterns` to match in it (:func:`_heads`: the conditions',
    then per category of alternatives), and the lengths of those heads."""
    data = _data()
    conditions = _heads(phrase for phrases in data["conditions"].values() for phrase in phrases)
    alternatives = {
        name: _heads(phrase for phrases in values.values() for phrase in phrases)
        for name, values in data["alternatives"].items()
    }
    lengths = {len(head) for heads in (conditions, *alternatives.values()) if heads for head in heads}
    return conditions, alternatives, tuple(sorted(lengths))


def _heads(phrases: Iterable[str]) -> frozenset[str] | None:
    """Per phrase, how one run of word characters must open in a text the phrase is found in: of its words as
    :func:`_branches` writes them (casefolded, parted by spaces and hyphens), the one whose word characters before any
    other character are the most, up to :data:`_HEAD` of them ("i'm pregnant": "pregn"). Each word of a match opens a
    run: the first after the pattern's ``\\b``, each other after a space or hyphen. None (the pattern always scanned)
    where a phrase has no word opening with a word character."""
    heads = set()
    for phrase in phrases:
        words = re.split(r"[\s-]+", (phrase[:-1] if phrase.endswith("*") else phrase).casefold())
        runs = [run.group(0)[:_HEAD] for run in map(_RUN.match, words) if run is not None]
        if not runs:
            return None
        heads.add(max(runs, key=len))
    return frozenset(heads)


@functools.lru_cache(maxsize=256)
def _starts(said: str) -> frozenset[str]:
    """How each run of word characters in ``said`` opens, in each length a head may have (:func:`_scanned`): a head
    is word characters only, so one ``said`` holds at a run's start is how that run opens. Kept for the few texts
    read last: :func:`differ` reads a text's conditions and its alternatives one after the other."""
    lengths = _scanned()[2]
    return frozenset(run[:length] for run in set(_RUN.findall(said)) for length in lengths)


def _may_match(heads: frozenset[str] | None, starts: frozenset[str]) -> bool:
    """Whether a pattern whose matches open with one of ``heads`` may match a text holding ``starts``: a pattern left
    unscanned where none is there finds nothing, so what it reads is the same, at a fraction of the time (each is an
    alternation of every phrase, tried at every position; ~1 ms a turn of 600 characters for the 18 patterns)."""
    return heads is None or not heads.isdisjoint(starts)


def _blanked(said: str) -> tuple[str, frozenset[str]]:
    """``said`` with every phrase naming one of the alternatives blanked (spaces: a word inside a longer phrase naming
    one of them is that phrase's, not a condition), one category after another, and how its runs of word characters
    opened before (:func:`_starts`). A category whose heads no run opens with is not scanned. The starts are not read
    again after a blank: a match opens at a run's start and ends where no word character follows it (its ``\\b``
    after a word character, or its open ending's ``[\\w'-]*``), so blanking it removes the runs inside it and opens
    no other; the starts read before hold every head the text holds after."""
    starts = _starts(said)
    heads = _scanned()[1]
    for name, pattern in _patterns()[1].items():
        if _may_match(heads[name], starts):
            said = pattern.sub(lambda found: " " * len(found.group(0)), said)
    return said, starts


@functools.lru_cache(maxsize=4096)
def conditions_of(text: str) -> frozenset[str]:
    """The condition categories ``text`` mentions (a negated mention counts: "not pregnant" is about it). A
    word inside a longer phrase naming one of the alternatives is that phrase's, not a condition: "renting a
    car" is a car rental, not the asker's housing."""
    said, starts = _blanked(_said(text))
    found = _found(_patterns()[0], said) if _may_match(_scanned()[0], starts) else frozenset()
    return found | {"medication"} if medicines(said) else found


def about_health(text: str) -> bool:
    """Whether ``text`` names a condition of the asker's body (``health`` in constraints.json: a medical condition, a
    medication, a procedure): "I'm on warfarin for atrial fibrillation.", "had a root canal this morning". However
    short and however it is said, such a turn is no chatter and such a span no aside: what is safe for the asker
    depends on it."""
    return not conditions_of(text).isdisjoint(_data()["health"])


def conditions_added(span: str, story: str) -> frozenset[str]:
    """The condition phrases ``span`` says that ``story`` (the words around it, both sides') does not, each as said
    (casefolded): "nut free" in "oh also the school is strictly nut free" after a story of "gluten free" (one
    category, two conditions), not "mortgage" in "hello, quick mortgage question" before "what's an offset
    mortgage?". A span or turn naming one is no small talk and no chatter, whatever mark of small talk opens it."""
    said = _condition_phrases(span)
    return said - _condition_phrases(story) if said else said  # a span that names none: the story left unread


@functools.lru_cache(maxsize=4096)
def _condition_phrases(text: str) -> frozenset[str]:
    said, starts = _blanked(_said(text))
    if not _may_match(_scanned()[0], starts):
        return medicines(said)
    phrases = frozenset(" ".join(found.group(0).split()) for found in _patterns()[0].finditer(said))
    return phrases | medicines(said)


_MEDICINE = re.compile(
    r"\b[a-z]{3,}(?:olol|pril|sartan|statin|xaban|gatran|parin|mab|tinib|prazole|azole|cillin|mycin|cycline|"
    r"floxacin|dipine|oxetine|opram|triptan|lukast|dronate|gliptin|glutide|gliflozin|formin|thyroxine|semide|"
    r"thiazide|tidine|azepam|azolam|codone|adol|fenac|olone|asone|isone|triptyline|apine|peridone|setron)\b"
)
"""A medicine's generic name by the stem that names its class (the WHO's INN stems: "-olol" a beta blocker,
"-statin", "-xaban" an anticoagulant, "-mab" an antibody, "-prazole", "-cillin", "-dipine", "-thyroxine", ...):
"they started me on apixaban", "plus tramadol for my back". What the asker takes decides what else is safe for them,
as a condition does, however the sentence that names it reads. A closed class of endings no everyday English word
has, three letters or more before it ("april", "pram" are no medicine)."""


def medicines(text: str) -> frozenset[str]:
    """The medicines ``text`` (casefolded) names by a generic name's stem (:data:`_MEDICINE`)."""
    return frozenset(_MEDICINE.findall(text))


@functools.lru_cache(maxsize=4096)
def alternatives_of(text: str) -> Mapping[str, frozenset[str]]:
    """Per category of alternatives ``text`` mentions, the values it names (shared: read only)."""
    said = _said(text)
    starts, heads = _starts(said), _scanned()[1]
    found = {name: _found(pattern, said) for name, pattern in _patterns()[1].items() if _may_match(heads[name], starts)}
    return {name: values for name, values in found.items() if values}


def differ(mine: str, theirs: str, filled: frozenset[str] = frozenset()) -> str | None:
    """Why two sides' user turns are about another asker or another thing, or None: a condition one side
    mentions and the other does not, or a category of alternatives both name with other values. ``filled``: the
    conditions a side tells by answering a question that names them, not mentioned."""
    added = (conditions_of(mine) ^ conditions_of(theirs)) - filled
    if added:
        return f"one side mentions {describe(added)}, the other does not"
    return _swapped(alternatives_of(mine), alternatives_of(theirs))


def _swapped(mine: Mapping[str, frozenset[str]], theirs: Mapping[str, frozenset[str]]) -> str | None:
    for name in sorted(mine.keys() & theirs.keys()):
        if mine[name] != theirs[name]:
            return f"another {name}: {describe(mine[name])} vs {describe(theirs[name])}"
    return None


@functools.cache
def _markers(kind: str) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + _branches(_data()[kind]) + ")")


def amends(span: str, story: str) -> str | None:
    """Why a clause or turn only one side's user says (``span``) changes the story (``story``: the words both sides
    say around it), or None: it binds the answer (a requirement: "the venue says we have to use their caterer",
    "we depend on numpy wheels") or takes back something the story said (a correction: "typo", "I misheard"; or a
    second thought with a content word of the story: "oh wait, sorry, I took the test in an automatic" after "I
    passed my driving test in a manual"). Such a span is no aside and no chatter, however short or far from the
    question it reads. A second thought alone ("sorry, random question") or an apology for the talk ("sorry to
    bother you with homework") is small talk."""
    said = " ".join(tokens_of(span))
    found = _markers("requirements").search(said)
    if found is not None:
        return f"one side adds a requirement: {found.group(0)!r}"
    found = _markers("corrections").search(said)
    if found is None:
        found = _markers("second_thoughts").search(_markers("apologies").sub(" ", said))
        if found is None or not _content_stems(span) & _content_stems(story):
            return None
    return f"one side corrects the story: {found.group(0)!r} in {span.strip()!r}"


def channel(span: str) -> str | None:
    """The words by which ``span`` says how the thing asked about was got or is paid for ("I pay through Kestrel",
    "billed via my phone contract"), or None: the way it was got decides how it is cancelled or refunded, so a
    clause naming a provider so is no aside, where a name said in passing ("my dog Leo", "a café in Ashford") is."""
    found = _markers("channels").search(" ".join(tokens_of(span)))
    return None if found is None else found.group(0)


def channel_kind(span: str) -> str | None:
    """The words by which ``span`` says through what kind of provider the thing was got, unnamed ("through an
    agency", "via a reseller"), or None: the kind decides the answer as a named provider does (an agency worker's
    rights are not an employee's). A channel word with no indefinite article after it ("halfway through the
    film", "through my window") says no kind of provider."""
    found = _CHANNEL_KIND.search(" ".join(tokens_of(span)))
    return None if found is None else found.group(0)


def means(span: str) -> str | None:
    """The words by which a clause ``span`` opens with the means the thing was done by, a bare noun after "by"
    ("by bank transfer", "by cheque", "by train"), or None: how it was paid or sent decides what can be reclaimed
    or how long it takes, as a named channel does. "by" before a determiner or a pronoun is a place or an agent
    ("by the river", "by my desk", "sued by his builder"), and "by far", "by now" say no means."""
    found = _MEANS.match(" ".join(tokens_of(span)))
    return None if found is None else found.group(0)


_MEANS = re.compile(
    r"by (?!(?:the|a|an|my|our|your|his|her|their|its|this|that|these|those|me|us|you|him|them|it|myself|ourselves"
    r"|far|now|then|way|\d)\b)[a-z]+"
)
_CHANNEL_KIND = re.compile(
    r"(?<!halfway )(?<!all )\b(?:"
    + _branches(_data()["channels"])
    + r") (?:a|an) (?!lot\b|bit\b|few\b|couple\b|while\b)\w+"
)


OWNERS = frozenset({"my", "our", "his", "her", "their", "have", "has", "had", "got"})
"""Words by which a clause says whose an animal is or what keeps it: a possessive, or a having ("I have two cats",
"we got a spaniel", "which has a colony of cherry shrimp in it")."""
OWNED_WITHIN = 4
"""The most words between the owner and the animal's words ("has a colony of cherry shrimp")."""
JOINED = frozenset({"and", "or"})
"""Words that join the animal's words ("amano and cherry shrimp"): one phrase, not words between."""
COPULAS = frozenset({"is", "was", "are", "were"})
"""After the animal: the clause says what the animal is ("my lesson horse is a grey mare"), an aside."""


def keeps_animal(span: str) -> str | None:
    """The animal (``data/constraints.json`` "animals") that ``span`` says the asker's household, or the thing asked
    about, keeps ("and our labrador", "my cat spends half her life in it", "which has a colony of cherry shrimp in
    it"), or None. What is safe to plant, dose or spray, and how a household travels, depends on what lives with it,
    so such a clause is no aside, however far from the question its words read. An animal said in passing ("a dog
    grooming business", "the cat knocked my tea over") or a clause that says what the animal is ("my lesson horse is a
    gorgeous grey mare") stays an aside."""
    tokens = tokens_of(span)
    said = " ".join(tokens)
    for found in _markers("animals").finditer(said):
        start = said.count(" ", 0, found.start())
        end = start + found.group(0).count(" ") + 1
        first = _phrase_start(tokens, start)
        owned = OWNERS.intersection(tokens[max(0, first - OWNED_WITHIN - 1) : start])
        if owned and not COPULAS.intersection(tokens[end : end + 1]):
            return found.group(0)
    return None


def _phrase_start(tokens: tuple[str, ...], start: int) -> int:
    """Where the animal's words begin (``start``: the animal's index): the content words before it, and those
    joined to them by "and" or "or" ("a colony of amano and cherry shrimp": "amano"), say which animal, not how far
    the owner is from it."""
    first = start
    while first > 0 and (tokens[first - 1] not in STOP_WORDS or _joins(tokens, first - 1, start)):
        first -= 1
    return first


def _joins(tokens: tuple[str, ...], at: int, start: int) -> bool:
    """Whether ``tokens[at]`` joins two of the animal's words: "and" or "or" between content words, not right
    before the animal ("the garden and dogs")."""
    return tokens[at] in JOINED and 0 < at < start - 1 and tokens[at - 1] not in STOP_WORDS


def _content_stems(text: str) -> set[str]:
    return set(content_stems(tokens_of(text)))


def _said(text: str) -> str:
    return text.casefold().replace("\u2019", "'")
