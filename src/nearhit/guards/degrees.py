"""Adjectives in a degree ("thickest", "cheaper", "the most fragile"): a misspelling never lands on another
adjective with the same ending, a superlative asked by criterion ("the hardiest fish" / "the most
fragile fish") names what the answer ranks by, and a comparison ("closer to the Sun than Earth") ranks one
thing against another, not against all of them ("the closest to the Sun")."""

from __future__ import annotations

from nearhit.guards.lexicon import STOP_WORDS, SYNONYMS, words
from nearhit.guards.stemming import stem

__all__ = [
    "compared",
    "criteria_differ",
    "degree_changed",
    "degree_words",
    "degrees_of_two",
    "superlatives",
    "than_swapped",
]

_VOCABULARY = words("english_vocabulary.txt")
_DEGREES = ("est", "er")
_SUPERLATIVE = "est"
_IRREGULAR = frozenset({"best", "worst"})
_BY_DEGREE = frozenset({"most", "least"})  # "the most fragile": the criterion is the word after
_COMPARATIVE = "er"
# A comparative keyed as its superlative is: "better" ranks by what "best" does.
_IRREGULAR_COMPARATIVES = {"better": "best", "worse": "worst"}
_COMPARED_BY = frozenset({"more", "less", "fewer"})  # "more caffeine": the criterion is the word after
_THAN = "than"
_THAN_REACH = 5  # "closer to the Sun than Earth": "than" follows its comparative within these tokens
# Alternatives offered by name ("33 or 45 rpm", "Mint vs Visible", "between X and Y"): a superlative among
# them picks one as a comparative does, and a comparative among them compares them.
_ALTERNATIVES = frozenset({"or", "vs", "versus", "between"})
_COMPARING = _ALTERNATIVES | {_THAN}
_DETERMINERS = frozenset({"a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this", "that"})


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


def _criterion(word: str) -> str:
    return SYNONYMS.get(stem(word), stem(word))


def _comparative(token: str) -> bool:
    """Whether ``token`` is a comparative: "better", "more", an English adjective with "-er" on."""
    if token in _IRREGULAR_COMPARATIVES or token in _COMPARED_BY:
        return True
    return token.endswith(_COMPARATIVE) and len(token) > len(_COMPARATIVE) + 2 and root_of(token[:-2]) is not None


def compared(tokens: tuple[str, ...]) -> frozenset[str]:
    """The criteria a text compares two things by, keyed as :func:`superlatives` keys them: a comparative
    with "than" a few words after it ("closer to the Sun than Earth", "more caffeine than drip coffee") or
    among alternatives offered by name ("which is cheaper, Mint or Visible"). A comparative alone asks for
    a change ("how do I make it faster"), no ranking: none."""
    offered = not _ALTERNATIVES.isdisjoint(tokens)
    found = set()
    for at, token in enumerate(tokens):
        if not _comparative(token) or not (offered or _THAN in tokens[at + 1 : at + 1 + _THAN_REACH]):
            continue
        if token in _IRREGULAR_COMPARATIVES:
            found.add(_IRREGULAR_COMPARATIVES[token])
        elif token in _COMPARED_BY:
            criterion = tokens[at + 1] if at + 1 < len(tokens) else ""
            if criterion.isalpha() and criterion not in STOP_WORDS:
                found.add(_criterion(criterion))
        else:
            root = root_of(token[: -len(_COMPARATIVE)])
            if root is not None:
                found.add(_criterion(root))
    return frozenset(found)


def degree_changed(tokens: tuple[str, ...], other: tuple[str, ...]) -> str | None:
    """The criterion one side compares two things by and the other ranks everything by ("closer to the Sun
    than Earth" / "the closest to the Sun", "cheaper than eu-west-1" / "the cheapest"): one rival against
    the best of all. A superlative among alternatives offered by name ("the best, 33 or 45?") compares them."""
    if not _COMPARING.intersection(tokens) and not _COMPARING.intersection(other):
        return None  # no comparison on either side (most pairs): nothing below can hold
    for own, theirs in ((tokens, other), (other, tokens)):
        if not _ALTERNATIVES.isdisjoint(theirs):
            continue
        changed = (compared(own) - compared(theirs)) & (superlatives(theirs) - superlatives(own))
        if changed:
            return min(changed)
    return None


def degree_words(tokens: tuple[str, ...], other: tuple[str, ...], criterion: str) -> tuple[str, str]:
    """The words that compare by ``criterion`` and that rank by it (:func:`degree_changed`'s, keyed by stem and
    synonym: "clos", "quick"), as the side saying each writes them, for a reason: ("closer", "closest"), ("more
    caffeine", "most caffeine"), ("faster", "fastest")."""
    compares, ranks = (tokens, other) if criterion in compared(tokens) else (other, tokens)
    start = max(at for at in range(len(compares)) if criterion in compared(compares[at:]))  # the comparative
    comparative = " ".join(compares[start : start + (2 if compares[start] in _COMPARED_BY else 1)])
    end = min(n for n in range(1, len(ranks) + 1) if criterion in superlatives(ranks[:n]))  # its last word
    superlative = " ".join(ranks[end - 2 if end > 1 and ranks[end - 2] in _BY_DEGREE else end - 1 : end])
    return comparative, superlative


def _comparison(tokens: tuple[str, ...]) -> tuple[int, tuple[str, ...], str] | None:
    """(where the comparative is, its words up to "than", the first word after "than" past a determiner) of
    the first comparison in ``tokens``: (2, ("faster", "than"), "go") for "is rust faster than go"."""
    if _THAN not in tokens:
        return None
    at = tokens.index(_THAN)
    start = next((n for n in range(at - 1, max(-1, at - _THAN_REACH - 1), -1) if _comparative(tokens[n])), None)
    after = next((word for word in tokens[at + 1 :] if word not in _DETERMINERS), None)
    if start is None or after is None:
        return None
    return start, tokens[start : at + 1], after


def than_swapped(tokens: tuple[str, ...], other: tuple[str, ...]) -> tuple[str, str] | None:
    """The two things compared exchanged around the same comparative ("is Rust faster than Go" / "is Go
    faster than Rust"): the thing after "than" on each side stands before the comparative on the other.
    Another comparative ("Go slower than Rust") says the same with the two swapped: not read."""
    own, theirs = _comparison(tokens), _comparison(other)
    if own is None or theirs is None:
        return None
    (at, frame, rival), (other_at, other_frame, other_rival) = own, theirs
    if frame != other_frame or rival == other_rival:
        return None
    if rival in other[:other_at] and other_rival in tokens[:at]:
        return other_rival, rival
    return None
