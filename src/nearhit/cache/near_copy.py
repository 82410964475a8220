"""Two follow-ups after the very same turns, one a near copy of the other with a content word changed: "is he
allowed to leave the county for the day?" / "... the country ...?", "how much do I get back for each can?" /
"... bottle?", "how do I stop the container from restarting?" / "how do I stop the container?". The embedder reads
them as one question (0.90-0.99), yet a user who asks again in other words rewrites the question; one who copies it
and changes a word or two asks about another thing. The asking sentences differ in at most
:data:`MOST_CHANGED` words, a content word among them, and no changed span shares a stem or a synonym class with
the span it replaces ("fridge" / "refrigerator", "cat" / "cats" stay one question). Words that are no content word
("anyway", "so", "then", "the", "should" / "do"), and words only one side opens with ("can't wait 🤩 how do I ...?"),
change nothing here, nor do words one side adds that the turns already say. Read only where the turns are the same,
where the question alone decides.
"""

from __future__ import annotations

from difflib import SequenceMatcher

from nearhit.cache.other_ending import other_ending, said_alike
from nearhit.guards.clauses import asking_sentence
from nearhit.guards.content import content_stems
from nearhit.guards.text import folded_words

__all__ = ["MOST_CHANGED", "MOST_WORDS", "another_question", "near_copy"]

MOST_CHANGED = 2
"""The most words the two asking sentences may differ in (the longer side of each changed span, summed)."""
MOST_WORDS = 200
"""An asking sentence of more words is not read (the fit's longest follow-up has far fewer)."""


def near_copy(question: str, cached: str, turns: str = "") -> str | None:
    """Why one asking sentence is the other with a content word or two changed, or None. ``turns``: the earlier
    turns' text (the same on both sides); words one side adds that they already say ("Spotify" in "cancel my Spotify
    plan" after turns about Spotify) change nothing."""
    ours, theirs = folded_words(asking_sentence(question)), folded_words(asking_sentence(cached))
    if ours == theirs or abs(len(ours) - len(theirs)) > MOST_CHANGED or len(ours) > MOST_WORDS:
        return None  # more words added than may change, or too long to align cheaply (difflib is quadratic)
    matcher = SequenceMatcher(a=ours, b=theirs, autojunk=False)
    spans = [
        (ours[i1:i2], theirs[j1:j2])
        for op, i1, i2, j1, j2 in matcher.get_opcodes()
        if op != "equal" and not (op in ("insert", "delete") and i1 == j1 == 0)  # an aside opening: "can't wait"
    ]
    if sum(max(len(mine), len(other)) for mine, other in spans) > MOST_CHANGED:
        return None
    if turns and any(not (mine and other) for mine, other in spans):
        told = set(content_stems(folded_words(turns)))
        spans = [
            (mine, other) for mine, other in spans if (mine and other) or not set(content_stems(mine + other)) <= told
        ]
    if not any(content_stems(mine) or content_stems(other) for mine, other in spans):
        return None  # "anyway" added, "should" for "do": no content word changed
    if any(mine and other and _alike(mine, other) for mine, other in spans):
        return None
    said = "; ".join(f"{' '.join(mine)!r} vs {' '.join(other)!r}" for mine, other in spans)
    return f"the question is the other's with a word changed: {said}"


def _alike(mine: list[str], other: list[str]) -> bool:
    """Whether two changed spans share a stem or a word's synonym class: one thing said otherwise."""
    return bool(set(content_stems(mine)) & set(content_stems(other))) or said_alike(mine, other)


def another_question(question: str, cached: str, turns: str) -> str | None:
    """Why a follow-up after the very same turns asks another thing than the cached one (:func:`other_ending`, then
    :func:`near_copy`), or None: the one reading the first look and the learned add both veto with."""
    return other_ending(question, cached) or near_copy(question, cached, turns)
