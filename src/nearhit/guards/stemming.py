"""A deliberately crude English suffix stripper: both sides of a comparison go through it, so it only
has to be consistent, not linguistically right."""

from __future__ import annotations

from functools import lru_cache

__all__ = ["stem"]


_REPLACEMENTS = (("ies", "y"), ("sses", "ss"), ("ness", ""), ("ings", ""), ("ing", ""))
_SUFFIXES = tuple(suffix for suffix, _ in _REPLACEMENTS)


@lru_cache(maxsize=16384)
def stem(word: str) -> str:
    """``"cancelled"`` -> ``"cancel"``, ``"babies"`` -> ``"baby"``; short and non-alphabetic words unchanged.
    Cached: the guards stem the same words over and over (every text's tokens, the lists, joined pairs)."""
    if not word.isalpha() or len(word) <= 3:
        return word
    if word.endswith(_SUFFIXES):  # one test for the five first: most words have none of them
        for suffix, replacement in _REPLACEMENTS:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                return _undouble(word[: -len(suffix)] + replacement)
    if word.endswith("ed") and len(word) > 4:
        return _undouble(word[:-2]).rstrip("e")
    if word.endswith("ly") and len(word) > 5:
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if word.endswith("ee"):  # "employee", "trainee": the ending names a role, unlike "employer"
        return word
    return word.rstrip("e") if len(word) > 3 else word


def _undouble(word: str) -> str:
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
        return word[:-1]
    return word.rstrip("e") if len(word) > 3 else word
