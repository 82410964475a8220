"""Two follow-ups after the very same turns that open alike and end otherwise: "how do I say hi to a group of
people?" / "how do I say hi to one person?", "Can I claim for my lunch on days I'm working from home?" / "... at a
client's site in another city?". The embedder reads them as one question (0.85-0.88), and no referent, measure or
modal tells them apart, but they ask one frame of another thing: the asking sentences share their opening, a content
word in it (not "how do I" alone, which a rewording keeps: "how do I remove it?" / "how do I get rid of it?"), and
what follows says content words on both sides, none of them the other's nor of its synonym class ("kept in the
fridge" / "stored in the refrigerator" is one thing), and neither says "not" of words the other never says
(:func:`negated.negates_unsaid`: "so it doesn't go blotchy" / "evenly" want one thing). Read only where the turns
are the same, where the question alone decides.
"""

from __future__ import annotations

from nearhit.cache.negated import negates_unsaid
from nearhit.guards.clauses import asking_sentence
from nearhit.guards.content import content_stems, content_words
from nearhit.guards.text import analyse, folded_words

__all__ = ["other_ending", "said_alike"]


def other_ending(question: str, cached: str) -> str | None:
    """Why two asking sentences of one opening end in other things, or None."""
    ours, theirs = folded_words(asking_sentence(question)), folded_words(asking_sentence(cached))
    opened = _shared_opening(ours, theirs)
    if not content_stems(ours[:opened], apostrophes=False):
        return None
    ending, other = ours[opened:], theirs[opened:]
    said, said_otherwise = set(content_stems(ending)), set(content_stems(other))
    if not said or not said_otherwise or said & said_otherwise or said_alike(ending, other):
        return None
    if negates_unsaid(question, cached) or negates_unsaid(cached, question):
        return None  # "so it doesn't go blotchy" / "evenly": a "not" that tells why, one want said by its opposite
    return f"the question ends in another thing: {' '.join(ending)!r} vs {' '.join(other)!r}"


def said_alike(ending: list[str], other: list[str]) -> bool:
    """Whether two spans of words share a word's synonym class ("kept in the fridge" / "stored in the refrigerator"):
    a rewording of one thing, not another thing."""
    return bool(content_words(analyse(" ".join(ending))).keys() & content_words(analyse(" ".join(other))).keys())


def _shared_opening(ours: list[str], theirs: list[str]) -> int:
    """How many words the two open with alike."""
    shared = 0
    for word, another in zip(ours, theirs, strict=False):
        if word != another:
            break
        shared += 1
    return shared
