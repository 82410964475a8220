"""Whether a place or a platform one side tells bears on the question (``data/depends_on.json``).

"We're in Brisbane" or "on my MacBook", told in one side's user turns only, is as often an aside in a should-hit
("we're off to Portugal at Easter" before "what should I pack for a toddler?") as an added constraint in a trap:
the words alone do not tell them apart. The question does: "can I do it myself?" (a licensed trade in one state, not
another) or "what's the keyboard shortcut?" has another right answer in another place or on another platform, "how
do I knead bread?" has not. So a told place or platform the other side does not say is a change only before a
question of such a kind.
"""

from __future__ import annotations

import functools
import json
import re
from importlib import resources
from typing import Any

from nearhit.cache import constraints
from nearhit.guards.lexicon import SAME_NAMES, words
from nearhit.guards.text import analyse

DATA = "depends_on.json"
PLATFORMS = ("operating system", "phone")
"""The categories of ``constraints.json``'s alternatives that are a platform: what a shortcut or a setting
depends on."""
_PLACE_NAME = re.compile(
    r"\b(?:in|to|from|near|around|visiting|outside)[ \t]+((?:the[ \t]+)?[A-Z][\w'-]*(?:[ \t]+[A-Z][\w'-]*){0,2})"
)
"""A capitalised name after a preposition of place ("in Brisbane", "to Dubai", "from the UK"): where the asker is,
goes or comes from (one line: a name does not run on into the next turn)."""
_COUNTRIES = frozenset(SAME_NAMES.values())
"""The countries ``same_names.txt`` knows, by group: a country told beside other countries is another place."""
_NOT_PLACES = words("date_words.txt") | {"march", "may"}
"""Capitalised names after "in" that are a time, not a place ("in March", "on Saturday")."""


@functools.cache
def _patterns() -> dict[str, re.Pattern[str]]:
    """Per kind ("place", "platform"), one pattern of the question words whose answer depends on it."""
    data: dict[str, Any] = json.loads(resources.files("nearhit.cache").joinpath("data", DATA).read_text("utf-8"))
    return {kind: _pattern(phrases) for kind, phrases in data.items() if not kind.startswith("_")}


def _pattern(phrases: list[str]) -> re.Pattern[str]:
    branches = []
    for phrase in phrases:
        stem, open_end = (phrase[:-1], True) if phrase.endswith("*") else (phrase, False)
        joined = r"[\s-]+".join(re.escape(word) for word in re.split(r"[\s-]+", stem))
        branches.append(joined + (r"[\w'-]*" if open_end else r"\b"))
    return re.compile(r"\b(?:" + "|".join(branches) + ")")


def told(text: str) -> dict[str, set[str]]:
    """The places and platforms ``text`` tells, by kind: a country's name or adjective ("UK", "American"), a
    capitalised name after a preposition of place, a platform of ``constraints.json``."""
    places = {SAME_NAMES[name] for name in analyse(text).entities if name in SAME_NAMES}
    for found in _PLACE_NAME.finditer(text):
        name = found.group(1).casefold().removeprefix("the ")
        if name.split()[-1] not in _NOT_PLACES:
            places.add(SAME_NAMES.get(name, name))
    alternatives = constraints.alternatives_of(text)
    platforms = {value for category in PLATFORMS for value in alternatives.get(category, ())}
    return {kind: found for kind, found in (("place", places), ("platform", platforms)) if found}


def depends_on(question: str) -> set[str]:
    """The kinds ("place", "platform") the right answer to ``question`` varies with."""
    said = " ".join(analyse(question).tokens)
    return {kind for kind, pattern in _patterns().items() if pattern.search(said)}


def set_by(question: str, said: str) -> str | None:
    """The kind ("place", "platform") ``question``'s answer depends on that ``said`` (the turns before it) tells and
    the question does not: "How much are the tuition fees?" after "I'm applying from Malaysia" is asked there, so
    it does not stand alone."""
    told_before, asked = told(said), told(question)
    return next((kind for kind in sorted(depends_on(question)) if kind in told_before and kind not in asked), None)


_HOW_TO = re.compile(
    r"\bhow\s+(?:do|can|could|would|should|will)\s+(?:i|we|you)\b|\bhow\s+to\b"
    r"|\bwhat(?:'s|\s+is)\s+the\s+(?:quickest|easiest|fastest|simplest|best)\s+way\b"
    r"|\bwhat\s+(?:command|commands|shortcut|steps)\b"
    r"|\bcan\s+(?:i|we)\s+(?:just\s+)?(?:run|pull|install|use|build)\b",
    re.IGNORECASE,
)
"""A question that asks for a procedure ("how do I stop my laptop going to sleep?", "what's the quickest way?", "can
I just pull mysql:5.7 and run it?"): its steps are the platform's, so a platform one side tells and the other does not
say binds it as a shortcut or a setting does."""


def platform_for_steps(turns: tuple[str, str], said: tuple[str, str], question: str) -> str | None:
    """A platform one side's earlier user turns tell (``turns``: each side's) that the other side's user text
    (``said``: each side's turns and question, in the same order) never says, when ``question`` (both sides'
    questions) asks a procedure (:data:`_HOW_TO`), else None: "Running a huge backup overnight on my MacBook Air."
    before "how do I stop my laptop going to sleep while it runs?" asks for macOS's steps. Only a platform told in the
    turns: one a side names in its question ("on macOS, the Homebrew one or the pyenv one?", "the Windows registry")
    frames what it asks, where the other side's story may tell the same machine otherwise ("installed python with
    brew", "regedit")."""
    if not _HOW_TO.search(question):
        return None
    for mine, other in ((turns[0], said[1]), (turns[1], said[0])):
        new = told(mine).get("platform", set()) - told(other).get("platform", set())
        if new:
            return f"one side's turns tell a platform the steps asked depend on: {', '.join(sorted(new))}"
    return None


def told_for(mine: str, theirs: str, question: str) -> str | None:
    """A place or platform one side's user text (turns and question) tells and the other's does not say, when
    ``question`` (both sides' questions) is of a kind whose answer depends on it, else None.

    A place counts only against a side that tells none ("to Dubai" / "on holiday"), or, a country, against a side
    that tells other countries ("in the US and he banks in Mexico" / "in the US"): beside a place the other side
    tells, a city or a region is where in it ("in Portugal" / "in Lisbon", "in Northumberland" / "in England")."""
    kinds = depends_on(question)
    if not kinds:
        return None
    for text, other in ((mine, theirs), (theirs, mine)):
        said, unsaid, folded = told(text), told(other), other.casefold()
        for kind in sorted(kinds):
            others = unsaid.get(kind, set())
            new = {name for name in said.get(kind, set()) - others if name not in folded}
            if kind == "place" and others:
                new = {name for name in new if name in _COUNTRIES and others & _COUNTRIES}
            if new:
                return f"one side tells a {kind} the question depends on: {', '.join(sorted(new))}"
    return None
