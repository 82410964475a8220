"""Which part of a prompt is the question, and which is backstory.

"I started on Monday, I have 3 kids and I can't log in. How do I reset my password?" asks the same as
"How do I reset my password?": the day, the count and the "can't" are context. The number and negation
guards compare the question clause strictly and the backstory weakly. The question clause is the last
sentence that asks (ends in "?", else the last sentence), cut further at a comma that opens a question
("I forgot my password, what do I do?"); a condition ("if ...", "when ...") stays with its question, a
time clause ("after ...") only within the question's own sentence. A sentence told after the question about
the asker's own situation ("What can I take for a headache? I'm pregnant.") qualifies it: see
:func:`told_after`.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from nearhit.guards.content import content_words
from nearhit.guards.lexicon import FILLERS, NEGATORS, STOP_WORDS, groups, words
from nearhit.guards.text import analyse, folded_words

__all__ = [
    "BACKSTORY_ADDED",
    "BACKSTORY_RELEVANT",
    "Clauses",
    "asking_sentence",
    "backstory_strength",
    "courtesy",
    "parts",
    "split_question",
    "told_after",
    "touches",
]

# A full stop between digits ("Python 3.12", "2.5 kg") is a decimal point, not a sentence's end. A run of other
# characters is taken whole (possessive: it never gives one back), not a character per turn of the group.
_SENTENCE_RE = re.compile(r"(?:[^.!?;\n]++|(?<=\d)\.(?=\d))+(?:[.!?;]+|\n|$)")
_OPENERS = words("question_openers.txt")
_CONDITIONS = words("conditions.txt")
_SENTENCE_CONDITIONS = frozenset(groups("conditions.txt")[0])
_STATES = tuple(" ".join(group) for group in groups("asker_states.txt"))
_COURTESY = words("courtesy.txt") | STOP_WORDS | FILLERS | NEGATORS | {"much", "too", "if"}


def courtesy(part: str) -> bool:
    """A condition that only asks the listener's indulgence ("if you don't mind me asking")."""
    tokens = analyse(part).tokens
    return bool(tokens) and all(token in _COURTESY for token in tokens)


@dataclass(frozen=True)
class Clauses:
    """The question clause and the backstory around it ("" when the prompt is one question)."""

    question: str
    backstory: str


_FIRST_WORD_RE = re.compile(r"\W*([\w']+)")
_PART_END_RE = re.compile(r"(?<=[,:\u2014-])\s+")  # a comma, colon or dash ends a part of a sentence


def _first_word(text: str) -> str:
    match = _FIRST_WORD_RE.match(text)
    return match.group(1).casefold() if match else ""


@lru_cache(maxsize=4096)
def split_question(text: str) -> Clauses:
    """Split ``text`` into its question clause and its backstory."""
    sentences = [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip(" \t.!?;\n")]
    if len(sentences) <= 1 and "," not in text:
        return Clauses(text, "")
    asking = [i for i, s in enumerate(sentences) if s.rstrip().endswith("?")]
    index = asking[-1] if asking else len(sentences) - 1
    # Conditions just before the question ("If I move house. Do I ...") are part of it.
    start = index
    while start > 0 and _first_word(sentences[start - 1]) in _SENTENCE_CONDITIONS:
        start -= 1
    parts = _PART_END_RE.split(sentences[index])
    cut = 0
    for n in range(len(parts) - 1, 0, -1):
        if _first_word(parts[n]) in _OPENERS:
            cut = n
            break
    while cut > 0 and _first_word(parts[cut - 1]) in _CONDITIONS and not courtesy(parts[cut - 1]):
        cut -= 1
    question = " ".join([*sentences[start:index], *parts[cut:]]) if start < index else " ".join(parts[cut:])
    backstory = " ".join([*sentences[:start], *parts[:cut], *sentences[index + 1 :]])
    return Clauses(question.strip(), backstory.strip())


@lru_cache(maxsize=4096)
def asking_sentence(text: str) -> str:
    """The whole sentence ``text`` asks in (the last ending in "?", else the last), conditions and openers
    before its question clause too ("So if two of them run the first one, does the second wait?")."""
    sentences = [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip(" \t.!?;\n")]
    asking = [s for s in sentences if s.rstrip().endswith("?")]
    found: list[str] = asking or sentences or [text]
    return found[-1]


@lru_cache(maxsize=4096)
def told_after(text: str) -> str:
    """The sentences after the last question that tell the asker's situation ("... a headache? I'm pregnant."):
    a condition on what is asked, unlike backstory told before it; "" when there are none ("... Thanks!")."""
    sentences = [s.strip() for s in _SENTENCE_RE.findall(text) if s.strip(" \t.!?;\n")]
    asking = [i for i, s in enumerate(sentences) if s.rstrip().endswith("?")]
    if not asking:
        return ""
    return " ".join(s for s in sentences[asking[-1] + 1 :] if _tells_state(s))


_ADVERBS = frozenset({"also", "still", "just", "currently", "already", "actually", "now", "only", "really"})
"""Adverbs read past in a sentence's opening, where they sit between the subject and its verb ("We also have
two cats", "I still use Windows 7"): the sentence opens as the state it tells."""


def _tells_state(sentence: str) -> bool:
    words = [w for w in folded_words(sentence.replace("\u2019", "'")) if w not in _ADVERBS]
    opening = " ".join(words[:2])
    return any(opening == state or opening.startswith(state + " ") for state in _STATES)


BACKSTORY_RELEVANT = 0.6
"""A difference in backstory that bears on the question: over the default cut."""
BACKSTORY_ADDED = 0.3
"""A difference in backstory that only one side tells and that the other question does not touch."""


def backstory_strength(
    query: Clauses, candidate: Clauses, differing: tuple[Collection[str], Collection[str]] | None = None
) -> float:
    """How much a difference found only in backstory counts.

    It bears on the question when both sides give context and a value changed in context both tell (a changed
    slot: ``differing``, each side's words, sits in a part the other side tells too), or when one side's
    backstory names what the other side asks about beyond its own question ("We aren't married, can we get
    Marriage Allowance?" against "Can I claim it if married?"). Otherwise it is context one side adds ("I
    can't log in since Monday. How do I reset my password?"), also when both tell some (an aside of its own).
    """
    if query.backstory and candidate.backstory:
        return _aside_strength(query, candidate, differing)
    told, other = (query, candidate) if query.backstory else (candidate, query)
    context = set(content_words(analyse(told.backstory)).values())
    context -= set(content_words(analyse(told.question)).values())
    asked = set(content_words(analyse(other.question)).values())
    return BACKSTORY_RELEVANT if _shares(context, asked) else BACKSTORY_ADDED


def _aside_strength(
    query: Clauses, candidate: Clauses, differing: tuple[Collection[str], Collection[str]] | None
) -> float:
    """Both sides tell a backstory: an aside one side adds counts as context unless it names what either side
    asks; anything else is a changed slot."""
    if differing is None or not _asides(query, candidate, differing):
        return BACKSTORY_RELEVANT
    told = _told_in(query, differing[0]) + _told_in(candidate, differing[1])
    asked = _content(query.question) | _content(candidate.question)
    return BACKSTORY_RELEVANT if any(_shares(_content(part), asked) for part in told) else BACKSTORY_ADDED


def _content(text: str) -> set[str]:
    """The subject words of ``text``."""
    return set(content_words(analyse(text)).values())


def _says(part: str, word: str) -> bool:
    """Whether a part says ``word`` (a stem, a token or a name, as the guards report them)."""
    text = analyse(part)
    return word in text.stems or word in text.tokens or word in text.entities or word in _content(part)


def _told_in(clauses: Clauses, words: Collection[str]) -> list[str]:
    """The backstory parts of ``clauses`` that say any of ``words``."""
    return [part for part in parts(clauses.backstory) if any(_says(part, word) for word in words)]


_COORDINATORS = frozenset({"and", "but", "or", "nor", "plus", "so", "yet"})
"""Conjunctions that join one more fact to a sentence's part before them (a closed class)."""


def _asides(query: Clauses, candidate: Clauses, differing: tuple[Collection[str], Collection[str]]) -> bool:
    """Whether only one side's backstory tells the difference, in parts of its own: none has a counterpart on
    the other side (a part sharing half its words: a slot changed in context both tell, "for the first one" /
    "for the second one"), and none is joined by "and", "but" ... to a part the other side tells too ("I pulled
    my back yesterday, and I'm on warfarin": one more fact of that context, as a constraint adds). Two sides that
    both differ tell one thing in place of another ("a roofer's patched it" / "a plumber's fixed the pipe")."""
    sides = [
        (told, words, other)
        for told, words, other in ((query, differing[0], candidate), (candidate, differing[1], query))
        if words
    ]
    if len(sides) != 1:
        return False
    clauses, words, other = sides[0]
    others = [set(analyse(part).tokens) for part in parts(other.backstory)]

    def shared(part: str) -> bool:
        mine = set(analyse(part).tokens)
        return any(2 * len(mine & theirs) >= min(len(mine), len(theirs)) for theirs in others if theirs)

    told = set(_told_in(clauses, words))
    if not all(any(_says(part, word) for part in told) for word in words):
        return False
    for sentence in _SENTENCE_RE.findall(clauses.backstory):
        pieces = [piece for piece in _PART_END_RE.split(sentence.strip()) if piece.strip()]
        for at, piece in enumerate(pieces):
            if piece not in told:
                continue
            if shared(piece) or (at and _first_word(piece) in _COORDINATORS and shared(pieces[at - 1])):
                return False
    return True


def parts(text: str) -> list[str]:
    """The parts of ``text``'s sentences, each cut at a comma, colon or dash: the unit an aside is told in
    ("We bought our place in 2019, it's a 1970s semi")."""
    sentences = (s.strip() for s in _SENTENCE_RE.findall(text) if s.strip(" \t.!?;\n"))
    return [part for sentence in sentences for part in _PART_END_RE.split(sentence) if part.strip()]


def touches(text: str, question: str) -> bool:
    """Whether ``text`` says a content word of ``question`` (one may extend the other: "heat"/"heating")."""
    return _shares(set(content_words(analyse(text)).values()), set(content_words(analyse(question)).values()))


def _shares(words: set[str], others: set[str]) -> bool:
    """Any word in both, allowing one to extend the other ("married"/"marriage")."""
    return any(
        w == o or (min(len(w), len(o)) >= 4 and (w.startswith(o) or o.startswith(w))) for w in words for o in others
    )
