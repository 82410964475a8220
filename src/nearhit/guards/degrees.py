"""Adjectives in a degree ("thickest", "cheaper", "the most fragile"): a misspelling never lands on another
adjective with the same ending, and a superlative asked by criterion ("the hardiest fish" / "the most
fragile fish") names what the answer ranks by."""

from __future__ import annotations

from nearhit.guards.lexicon import STOP_WORDS, SYNONYMS, words
from nearhit.guards.stemming import stem

__all__ = ["criteria_differ", "degrees_of_two", "superlatives"]

_VOCABULARY = words("english_vocabulary.txt")
_DEGREES = ("est", "er")
_SUPERLATIVE = "est"
_IRREGULAR = frozenset({"best", "worst"})
_BY_DEGREE = frozenset({"most", "least"})  # "the most fragile": the criterion is the word after


def root_of(stem_: str) -> str | None:
    """The known word before a degree ending: "thinn" -> "thin", "heavi" -> "heavy", "larg" -> "large"."""
    undoubled = stem_[:-1] if len(stem_) > 2 and stem_[-1] == stem_[-2] else stem_
    forms = (stem_, undoubled, stem_ + "e", stem_[:-1] + "y" if stem_.endswith("i") else stem_)
    return next((form for form in forms if form in _VOCABULARY), None)


def degrees_of_two(word: str, other: str) -> bool:
    """Two adjectives in the same degree ("thickest" / "thinnest", "lighter" / "tighter"): each with the
    ending taken off a known English word, and two of them. A misspelling changes one word; it does not
    land on another adjective with the same ending."""
    for ending in _DEGREES:
        if word.endswith(ending) and other.endswith(ending):
            root, other_root = root_of(word[: -len(ending)]), root_of(other[: -len(ending)])
            return root is not None and other_root is not None and root != other_root
    return False


def superlatives(tokens: tuple[str, ...]) -> frozenset[str]:
    """The criteria a text asks a superlative by, by synonym class: "hardiest" -> hardy, "the most fragile"
    -> fragile, "best" and "worst" as written. "most" as a quantifier ("most people") is none: only after
    "the"."""
    found = set()
    for at, token in enumerate(tokens):
        if token in _IRREGULAR:
            found.add(token)
        elif token.endswith(_SUPERLATIVE) and len(token) > len(_SUPERLATIVE) + 1:
            root = root_of(token[: -len(_SUPERLATIVE)])
            if root is not None:
                found.add(SYNONYMS.get(stem(root), stem(root)))
        elif token in _BY_DEGREE and at and tokens[at - 1] == "the" and at + 1 < len(tokens):
            criterion = tokens[at + 1]
            if criterion.isalpha() and criterion not in STOP_WORDS:
                found.add(SYNONYMS.get(stem(criterion), stem(criterion)))
    return frozenset(found)


def criteria_differ(tokens: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, str] | None:
    """A superlative on each side by a criterion the other does not name ("the hardiest fish" / "the most
    fragile fish", "easiest to learn" / "scales best"): the answer ranks by something else."""
    own, others = superlatives(tokens), superlatives(other)
    only, only_other = own - others, others - own
    if only and only_other:
        return min(only), min(only_other)
    return None
