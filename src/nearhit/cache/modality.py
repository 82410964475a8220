"""Whether a follow-up asks what the asker may do, must do or should do: after the same turns, "how much cash can I
bring?" and "how much cash should I bring?" share every word but the modal, and the embedder reads them as one
question, yet one asks a limit and the other advice; "Do I have to tell my boss?" asks a duty, "Should I tell my
boss?" a choice. A modal is a stop word, so the other checks read the two as the same words.

In a question that opens with a question word a duty and advice ask one thing ("how often should I feed him?" / "how
often do I need to feed him?": the amount the asker ought to give); asked yes or no they do not, nor does a permission
against either ("how much cash can I bring?" asks a limit).

Read only where the two say the same content words (stems, stop words aside): a follow-up reworded whole ("should I
stop?" / "do I need to quit doing them?") changes its words too and is left to the embeddings and the other checks.
"""

from __future__ import annotations

import functools
import re

from nearhit.guards.content import content_stems
from nearhit.guards.text import folded_words

__all__ = ["modality", "other_modality"]

_FORCES = (
    ("what the asker may do", re.compile(r"\b(?:can|could|may|allowed|able)\b")),
    ("what the asker must do", re.compile(r"\b(?:have to|has to|must|needs? to|required to|supposed to|obliged to)\b")),
    ("what the asker should do", re.compile(r"\b(?:should|ought|shall)\b")),
)
"""The force of a modal, by the first one the question says: a permission or ability, a duty, advice."""
_WH = re.compile(r"^\W*(?:(?:so|and|but|ok|okay)\W+)?(?:how|what|when|where|which|who|whom|whose|why)\b")
"""A question that opens with a question word: it asks a value, which a duty and advice ask alike."""
_ALIKE_ASKING_A_VALUE = frozenset({"what the asker must do", "what the asker should do"})


@functools.lru_cache(maxsize=4096)
def modality(question: str) -> str | None:
    """The force of the first modal ``question`` says (:data:`_FORCES`), or None when it says none. Kept per text: a
    lookup reads its own question so against each candidate's."""
    folded = question.casefold()
    found = [(match.start(), force) for force, pattern in _FORCES if (match := pattern.search(folded)) is not None]
    return min(found)[1] if found else None


def other_modality(question: str, cached: str) -> str | None:
    """Why two follow-ups with the same content words ask with modals of another force, or None."""
    mine, theirs = modality(question), modality(cached)
    if mine is None or theirs is None or mine == theirs or _content(question) != _content(cached):
        return None
    if {mine, theirs} == _ALIKE_ASKING_A_VALUE and _WH.search(question.casefold()) and _WH.search(cached.casefold()):
        return None
    return f"the question asks {mine} where the other asks {theirs}"


def _content(text: str) -> list[str]:
    return sorted(content_stems(folded_words(text)))
