"""The entity guard: the texts are about different things (other names, codes or subject words)."""

from __future__ import annotations

from nearhit.guards.content import content_words, overlap, unshared
from nearhit.guards.stemming import stem
from nearhit.guards.text import Text, analyse, describe, typo_of
from nearhit.guards.verdicts import GuardVerdict

__all__ = ["EntityGuard"]


def _named_in(name: str, text: Text, words: set[str]) -> bool:
    return name in text.entities or stem(name) in words or name in words or typo_of(name, words)


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
        q, c = analyse(query), analyse(candidate)
        words_q, words_c = set(q.stems) | set(q.tokens), set(c.stems) | set(c.tokens)
        names_q = {e for e in q.entities if not _named_in(e, c, words_c)}
        names_c = {e for e in c.entities if not _named_in(e, q, words_q)}
        if (names_q and (names_c or not c.entities)) or (names_c and not q.entities):
            return GuardVerdict(self.name, f"different names: {describe(names_q)} vs {describe(names_c)}")
        content_q, content_c = content_words(q), content_words(c)
        only_q, only_c = unshared(content_q, content_c), unshared(content_c, content_q)
        if (only_q or only_c) and overlap(q, c) >= self.min_overlap:
            return GuardVerdict(self.name, f"different subject: {describe(only_q)} vs {describe(only_c)}")
        return None
