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

from collections.abc import Collection, Iterable, Mapping

from nearhit.guards.clauses import split_question
from nearhit.guards.content import content_words, overlap, same_word, unshared
from nearhit.guards.lexicon import STOP_WORDS
from nearhit.guards.text import analyse
from nearhit.guards.verdicts import GuardSignal

__all__ = [
    "BACKSTORY_MARK",
    "FEATURE_NAMES",
    "GUARD_FEATURES",
    "features",
    "lexical",
    "read_guards",
    "signal_features",
    "strongest_only",
    "vector",
]

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


def lexical(query: str, candidate: str, names: Collection[str] = LEXICAL_NAMES) -> dict[str, float]:
    """How the words differ: shares in [0, 1], so weights compare across features; only those in ``names`` (a
    model that weighs one of them need not split and analyse the question clauses, ~0.05 ms a new pair)."""
    q, c = analyse(query), analyse(candidate)
    found: dict[str, float] = {}
    if "subject_changed" in names:
        words_q, words_c = content_words(q), content_words(c)
        changed = _count_unshared(words_q, words_c) + _count_unshared(words_c, words_q)
        found["subject_changed"] = changed / max(len(words_q) + len(words_c), 1)
    if "function_words_changed" in names:
        found["function_words_changed"] = _small_words_changed(q.tokens, c.tokens)
    if "same_frame" in names or "one_slot_swapped" in names:
        frame = overlap(q, c)
        if "same_frame" in names:
            found["same_frame"] = frame
        if "one_slot_swapped" in names:
            # Only the question clauses: a backstory sentence added to a paraphrase is not a swapped slot.
            asked_q, asked_c = split_question(query).question, split_question(candidate).question
            clause_q, clause_c = content_words(analyse(asked_q)), content_words(analyse(asked_c))
            swapped = len(unshared(clause_q, clause_c)) == 1 and len(unshared(clause_c, clause_q)) == 1
            found["one_slot_swapped"] = float(swapped and frame >= 0.5)
    if "length_gap" in names:
        found["length_gap"] = abs(len(q.tokens) - len(c.tokens)) / max(len(q.tokens), len(c.tokens), 1)
    return found


def _small_words_changed(tokens_q: Iterable[str], tokens_c: Iterable[str]) -> float:
    """How many stop words one side has more of than the other, as a share of both sides' stop words: the
    difference of their counts, word by word (what ``Counter``'s two subtractions gave, without five of them)."""
    difference: dict[str, int] = {}
    total = 0
    for token in tokens_q:
        if token in STOP_WORDS:
            difference[token] = difference.get(token, 0) + 1
            total += 1
    for token in tokens_c:
        if token in STOP_WORDS:
            difference[token] = difference.get(token, 0) - 1
            total += 1
    return sum(map(abs, difference.values())) / max(total, 1)


def _count_unshared(words: dict[str, str], others: dict[str, str]) -> int:
    """``len(unshared(words, others))``, without building and sorting the list."""
    return sum(not same_word(word, stem, others) for word, stem in words.items())


def read_guards(names: Collection[str]) -> frozenset[str]:
    """The guards whose signals the features in ``names`` read: every weighed guard for the strongest signal,
    else only those with a feature named."""
    if "strongest_signal" in names:
        return frozenset(GUARD_FEATURES)
    return frozenset(guard for guard, pair in GUARD_FEATURES.items() if set(pair) & set(names))


def strongest_only(names: Collection[str]) -> bool:
    """Whether the strongest signal is the only guard feature in ``names``: then, once a weighed guard's signal
    is at full strength (a strength is at most 1), no further signal can move the features."""
    return "strongest_signal" in names and not any(name in names for pair in GUARD_FEATURES.values() for name in pair)


def features(
    similarity: float,
    signals: Iterable[GuardSignal],
    query: str,
    candidate: str,
    *,
    quiet: bool = False,
    names: Collection[str] = FEATURE_NAMES,
) -> dict[str, float]:
    """Every feature in :data:`FEATURE_NAMES`, 0.0 for a silent guard; ``quiet`` is ``GuardSet.quiet`` on the pair.
    The lexical measures are worked out only for ``names`` (the others stay 0.0)."""
    values = dict.fromkeys(FEATURE_NAMES, 0.0)
    values["similarity"] = similarity
    values.update(signal_features(signals))
    values["quiet"] = float(quiet)
    values.update(lexical(query, candidate, names))
    return values


def vector(values: Mapping[str, float], names: Iterable[str] = FEATURE_NAMES) -> list[float]:
    """The values in ``names`` order (a missing one is 0.0)."""
    return [float(values.get(name, 0.0)) for name in names]
