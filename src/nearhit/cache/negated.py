"""A "not" that tells why, not what is asked: after the very same turns, "which stitch setting do I use so the seams
don't pop?" asks what "What stitch should I use for the seams?" asks, and "what happens if I don't do anything when
it matures?" what "If I just leave it alone, what happens at maturity?" asks; the negated words ("pop", "do
anything") are none the other question says. A "not" of words both say ("the lines that don't contain 'ERROR'" /
"... that contain 'ERROR'") asks the opposite; a condition only one question sets ("can I paint it if I don't sand
it?"), a "not" in a statement before the question ("it's oat milk, not cow's milk."), and "without", "no" or "never"
(constraint words, "without sanding") still differ."""

from __future__ import annotations

import re

from nearhit.guards.lexicon import NEGATORS, STOP_WORDS
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse

_NOT = frozenset({"not", "non"})
"""The negations read here: "not" (and "n't", which the tokens spell "not"), "non-"."""
_CLAUSE_END = re.compile(r"[,.;:!?\n]|\s[-–—]+\s")
"""Where a negated stretch ends: a "not" reaches the words after it up to the end of its clause."""
_CONDITION = re.compile(r"\b(?:if|unless|when|once|in case)\b", re.IGNORECASE)
"""What opens a condition: a "not" after one in its clause reads as the other question's condition said otherwise
only when the other question sets one too."""


def negates_unsaid(question: str, other: str) -> bool:
    """Whether ``question`` says "not" and every negation in it is a "not" inside its question (no statement before
    it) that negates only words ``other`` never says (no form of them: "running" is "run"), up to its clause's end,
    at least one, and inside a condition only when ``other`` sets a condition too."""
    said = {stem(token) for token in analyse(other).tokens}
    found = False
    for clause in _CLAUSE_END.split(question):
        tokens = analyse(clause).tokens
        for n, token in enumerate(tokens):
            if token not in NEGATORS:
                continue
            negated = [word for word in tokens[n + 1 :] if word not in STOP_WORDS and word not in NEGATORS]
            if token not in _NOT or not negated or any(stem(word) in said for word in negated):
                return False
            if _CONDITION.search(" ".join(tokens[:n])) and not _CONDITION.search(other):
                return False
            found = True
    return found and not _told_before(question)


def _told_before(question: str) -> bool:
    """Whether a "not" stands in a statement before the question ("it's oat milk, not cow's milk. Can I use it?")."""
    head = question.strip()
    cut = max(head.rfind(". "), head.rfind("! "), head.rfind(".\n"), head.rfind("\n"))
    return cut >= 0 and any(token in NEGATORS for token in analyse(head[:cut]).tokens)
