"""The decision's inputs: one number per feature for a (query, cached prompt) pair, pure and fast.

The guards' signals become features (strength, 0 when a guard is silent), with a difference found only in
a backstory sentence kept apart from one in the question clause, since the first is mostly context and
the second mostly a changed slot. A few lexical measures say how the texts differ beyond what the guards
read: how much of the subject changed, whether the small words (prepositions, pronouns) changed, and
whether the texts are one frame with one slot swapped, which is how look-alikes are made. ``quiet`` says
that no guard reads even half a difference (``GuardSet.quiet``): the texts differ in wording only, as far
as the rules can read, which is the one structural signal besides similarity that held across sets.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping

from nearhit.guards.clauses import split_question
from nearhit.guards.content import content_words, overlap, unshared
from nearhit.guards.lexicon import STOP_WORDS
from nearhit.guards.text import analyse
from nearhit.guards.verdicts import GuardSignal

__all__ = ["BACKSTORY_MARK", "FEATURE_NAMES", "GUARD_FEATURES", "features", "lexical", "signal_features", "vector"]

BACKSTORY_MARK = "(in backstory only)"
"""How a guard's reason says its difference sits only in backstory (``nearhit.guards``)."""

# guard -> (feature when the difference is in the question clause, feature when only in backstory)
GUARD_FEATURES: dict[str, tuple[str, str]] = {
    "numbers": ("numbers", "numbers_backstory"),
    "negation": ("negation", "negation_backstory"),
    "entities": ("entities", "entities_backstory"),
    "direction": ("direction", "direction"),
    "scope": ("scope", "scope"),
    "code": ("code", "code"),
    "tense": ("tense", "tense"),
}
LEXICAL_NAMES = ("subject_changed", "function_words_changed", "same_frame", "one_slot_swapped", "length_gap")
FEATURE_NAMES: tuple[str, ...] = (
    "similarity",
    *dict.fromkeys(name for pair in GUARD_FEATURES.values() for name in pair),
    "strongest_signal",
    "quiet",
    *LEXICAL_NAMES,
)


def signal_features(signals: Iterable[GuardSignal]) -> dict[str, float]:
    """Each guard's strength under its feature name, and the strongest of them (one clear difference
    of any kind is what a look-alike has); guards the decision does not weigh are left out."""
    found: dict[str, float] = {"strongest_signal": 0.0}
    for signal in signals:
        names = GUARD_FEATURES.get(signal.guard)
        if names is None:
            continue
        name = names[1] if signal.reason.endswith(BACKSTORY_MARK) else names[0]
        found[name] = max(found.get(name, 0.0), signal.strength)
        found["strongest_signal"] = max(found["strongest_signal"], signal.strength)
    return found


def lexical(query: str, candidate: str) -> dict[str, float]:
    """How the words differ: shares in [0, 1], so weights compare across features."""
    q, c = analyse(query), analyse(candidate)
    words_q, words_c = content_words(q), content_words(c)
    only_q, only_c = unshared(words_q, words_c), unshared(words_c, words_q)
    subject = (len(only_q) + len(only_c)) / max(len(words_q) + len(words_c), 1)
    small_q = Counter(t for t in q.tokens if t in STOP_WORDS)
    small_c = Counter(t for t in c.tokens if t in STOP_WORDS)
    changed = sum(((small_q - small_c) + (small_c - small_q)).values())
    function_words = changed / max(sum(small_q.values()) + sum(small_c.values()), 1)
    frame = overlap(q, c)
    # Only the question clauses: a backstory sentence added to a paraphrase is not a swapped slot.
    asked_q, asked_c = split_question(query).question, split_question(candidate).question
    clause_q, clause_c = content_words(analyse(asked_q)), content_words(analyse(asked_c))
    swapped = len(unshared(clause_q, clause_c)) == 1 and len(unshared(clause_c, clause_q)) == 1
    length = abs(len(q.tokens) - len(c.tokens)) / max(len(q.tokens), len(c.tokens), 1)
    return {
        "subject_changed": subject,
        "function_words_changed": function_words,
        "same_frame": frame,
        "one_slot_swapped": float(swapped and frame >= 0.5),
        "length_gap": length,
    }


def features(
    similarity: float, signals: Iterable[GuardSignal], query: str, candidate: str, *, quiet: bool = False
) -> dict[str, float]:
    """Every feature in :data:`FEATURE_NAMES`, 0.0 for a silent guard; ``quiet`` is ``GuardSet.quiet`` on the pair."""
    values = dict.fromkeys(FEATURE_NAMES, 0.0)
    values["similarity"] = similarity
    values.update(signal_features(signals))
    values["quiet"] = float(quiet)
    values.update(lexical(query, candidate))
    return values


def vector(values: Mapping[str, float], names: Iterable[str] = FEATURE_NAMES) -> list[float]:
    """The values in ``names`` order (a missing one is 0.0)."""
    return [float(values.get(name, 0.0)) for name in names]
