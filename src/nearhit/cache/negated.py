"""A negation that tells how or why, not what is asked: after the very same turns, "whats the best way to get the cam
to trail the player without it feeling jerky" asks what "How do I make the camera follow the player smoothly?" asks,
and "which stitch setting do I use so the seams don't pop?" what "What stitch should I use for the seams?" asks; the
negated words ("feeling jerky", "pop") are none the other question says. A negation of words both questions say
("the customers who have never placed an order" / "... who have placed an order", "the lines that don't contain
'ERROR'" / "... that contain 'ERROR'") asks the opposite, and still differs."""

from __future__ import annotations

import re

from nearhit.guards.lexicon import NEGATORS, STOP_WORDS
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse

_CLAUSE_END = re.compile(r"[,.;:!?\n]|\s[-–—]+\s")
"""Where a negated stretch ends: a negation reaches the words after it up to the end of its clause."""


def negates_unsaid(question: str, other: str) -> bool:
    """Whether ``question`` negates something and every negation in it negates only words ``other`` never says
    (no form of them: "running" is "run"), at least one: what follows "without" or "not" up to the clause's end.
    A bare "no" with nothing after it ("can the landlord just say no?") negates nothing said, and is no such one."""
    said = {stem(token) for token in analyse(other).tokens}
    found = False
    for clause in _CLAUSE_END.split(question):
        tokens = analyse(clause).tokens
        for at, token in enumerate(tokens):
            if token not in NEGATORS:
                continue
            negated = [word for word in tokens[at + 1 :] if word not in STOP_WORDS and word not in NEGATORS]
            if not negated or any(stem(word) in said for word in negated):
                return False
            found = True
    return found
