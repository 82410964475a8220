"""A clause one side adds to the question the other asks plainly: the question for that case only.

"What's a good tent?" and "What's a good tent that fits in a backpack?", "How do I water my lawn?" and "...
when there is a hosepipe ban?" share every word of the plain question, and an embedder scores them close;
the answer to the first is not an answer to the second. The clause is read by its structure: a condition or
time word, a preposition that sets a setting ("inside a pension"), or a relative word right after a noun
(``data/restricting_clauses.txt``), inside the question clause, that brings content words the plain side
names nowhere, while the rest of the question names most of the plain side's. A courtesy ("if you don't mind
me asking") brings none; a clause that tells what the asker did ("a card which I froze") describes the same
thing again; a clause that names the plain side's words again restates it (a terse query spelt
out, or a story run into the question); a reworded question shares too little of the plain side's words for
the clause to be "added" (the entity guard's overlap rule weighs those).
"""

from __future__ import annotations

import re
from functools import lru_cache

from nearhit.guards.clauses import courtesy, split_question
from nearhit.guards.content import PERSONS, class_as_written, content_sequence, content_words
from nearhit.guards.lexicon import STOP_STEMS, groups
from nearhit.guards.tense import past_verb
from nearhit.guards.text import analyse, typo_of

__all__ = ["added_clause"]

_OPENERS, _RELATIVES = (frozenset(group) for group in groups("restricting_clauses.txt"))
_ASKER = frozenset({"i", "we"})
MIN_NEW_WORDS = 2
"""Content words the clause must add: one word ("if I forgot it") is as often a restatement."""
MIN_PLAIN = 2
"""Content words the plain side must have for its question to be read whole at the start of the other."""
MIN_COVERED = 0.7
"""Share of the plain side's content words the clause side must name: else it is a rewording, not an addition."""
MAX_RESTATED = 0.5
"""Share of the plain side's content words the clause itself may name: more, and the "clause" holds the question
(a story told before it in one run: "I'm a nurse who ... how do I ...?")."""


@lru_cache(maxsize=4096)
def _clause(text: str) -> tuple[str, str] | None:
    """The question clause cut at its restricting clause: (what precedes it, the clause), or ``None``."""
    clauses = split_question(text)
    question = clauses.question if clauses.backstory else text
    tokens = analyse(question).tokens
    for index in range(2, len(tokens)):
        token, before = tokens[index], tokens[index - 1]
        opens = token in _OPENERS or (token in _RELATIVES and before.isalpha() and before not in STOP_STEMS)
        if opens:
            return " ".join(tokens[:index]), " ".join(tokens[index:])
    return None


def _told(clause: str) -> bool:
    """A clause that tells what the asker did ("which I froze in the app", "that we bought last year"): the same
    thing described again, a story, not a case the question is narrowed to."""
    tokens = clause.split()
    at = next((n for n, token in enumerate(tokens[:3]) if token in _ASKER), None)
    return at is not None and any(past_verb(token) for token in tokens[at + 1 : at + 3])


_SENTENCE_END = re.compile(r"(?<=[.?!])\s")
_REFERRING = frozenset({"it", "this", "that", "these", "those", "them", "they", "one", "ones"})
"""A word standing for something named elsewhere ("How do I turn it on?"): what follows on the other side may be
what it stands for, not a narrowing."""


def _subject_words(text: str) -> list[str]:
    """The content words in order, the parties ("I", "my") left out: they name no subject."""
    return [word for word, _ in content_sequence(analyse(text)) if word not in PERSONS.values()]


def _first_sentence(text: str) -> str:
    """The text up to its first sentence's end: what a sentence told after the question says ("... buy? explain
    like I'm new") is a request or a situation, which the entity guard reads apart."""
    return _SENTENCE_END.split(text, maxsplit=1)[0]


def _tail_added(mine: str, other: str) -> str | None:
    """``other``'s content words, in order, are ``mine``'s first ones, and ``mine`` goes on with words of its
    own ("What ski length should I get?" / "... get for mostly park and jumps?", "Jaki teleskop kupić na
    początek?" / "... do obserwacji z balkonu"): the whole plain question, then what narrows it, in any
    language and whatever word opens it, in the question's own sentence. Told before the question instead, the
    words are a backstory, and in a sentence of their own after it a situation or a request (the entity guard
    weighs those)."""
    longer, plain = _subject_words(_first_sentence(mine)), _subject_words(other)
    if len(plain) < MIN_PLAIN or longer[: len(plain)] != plain or _REFERRING.intersection(analyse(other).tokens):
        return None
    brought = [word for word in dict.fromkeys(longer[len(plain) :]) if word not in plain]
    if len(brought) < MIN_NEW_WORDS:
        return None
    said = analyse(_first_sentence(mine))  # the words as written ("cycle"), not the classes compared ("cycl")
    return f"words after the whole question on one side: {', '.join(repr(class_as_written(said, w)) for w in brought)}"


def added_clause(query: str, candidate: str) -> str | None:
    """The clause one side adds to the other's plain question, with the words it brings; else ``None``."""
    for mine, other in ((query, candidate), (candidate, query)):
        found = _clause(mine)
        if found is None:  # no word that opens a clause: the plain question whole, then more, is read instead
            if (tail := _tail_added(mine, other)) is not None:
                return tail
            continue
        if _clause(other) is not None or courtesy(found[1]) or _told(found[1]):
            continue
        plain_text, clause = analyse(other), analyse(found[1])
        plain = set(content_words(plain_text).values())
        told = set(content_words(analyse(mine)).values())
        said = set(content_words(clause).values())
        # A unit after a number both sides give restates it ("latitude 40" / "at 40 degrees latitude").
        measures = {
            clause.stems[n]
            for n in range(1, len(clause.tokens))
            if clause.tokens[n - 1] in plain_text.tokens and clause.tokens[n - 1].isdigit()
        }
        brought = [w for w in said - measures if w not in plain and not typo_of(w, plain)]
        covered = sum(1 for w in plain if w in told or typo_of(w, told))
        restated = sum(1 for w in plain if w in said)
        if (
            len(brought) >= MIN_NEW_WORDS
            and plain
            and covered >= MIN_COVERED * len(plain)
            and restated < MAX_RESTATED * len(plain)
        ):
            return f"a clause on one side: {found[1]!r}"
    return None
