"""The intent guard: the same subject, asked for another thing ("How do I cancel?" / "What happens if I
cancel?", "How do I force push?" / "Should I force push?", "Can I ..." / "Must I ...").

An embedder scores the subject, and the subject is the same; the answer is another (steps are not
consequences, a way is not a reason, permission is not advice). The question clause's ask-type
(``data/ask_types.txt``: how-to, why, what-happens-if, is-it-safe, can, should, must, how long, how much,
when, where, who) is read on both sides; two different types are a difference. Wordings of one type
("how do I" / "what's the way to" / "how can I") are one type. English only: another language's
ask-types are not listed, so it has none.
"""

from __future__ import annotations

from functools import lru_cache

from nearhit.guards.clauses import split_question
from nearhit.guards.languages import COVERED, detect
from nearhit.guards.lexicon import groups, words
from nearhit.guards.text import analyse, phrase_openings
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = ["IntentGuard", "ask_type"]

_PATTERNS: dict[tuple[str, ...], str] = {
    tuple(pattern.split("_")): group[0].rstrip(":") for group in groups("ask_types.txt") for pattern in group[1:]
}
_LONGEST = max(map(len, _PATTERNS))
_COURTESY = "courtesy"
_AT_START_ONLY = frozenset({("when",), ("where",), ("who",), ("whom",), ("why",)})
_CONDITION = ("when",)
_AUXILIARIES = words("question_openers.txt")
"""After "when", a question goes on with one of these ("When can I ..."); a condition with its subject."""
ASKED_OTHER = 0.8
"""Two ask-types: over the default cut."""
NEAR_TYPES = 0.3
"""Two ask-types that often reword one another ("Can I change my name?" asks how to): under the cut."""
_NEAR: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("how_to", "can"),  # "Can I change my name?" asks how
        ("how_to", "where"),  # "Where can I find my tax code?"
        ("can", "can_other"),  # "Can my landlord ..." / "Is a landlord allowed to ...": who, not what
        ("should", "must"),
        ("can", "safe"),  # "Can I ..." / "Is it OK to ..."
        ("how_long", "how_much"),  # "how long" / "how many minutes"
        ("how_long", "when"),  # "How long until ..." / "When will ..."
    )
)


@lru_cache(maxsize=4096)
def ask_type(text: str) -> str | None:
    """The ask-type of ``text``'s question clause, or ``None`` when no pattern is in it."""
    question = split_question(text).question
    # A question word counts where a phrase opens: "After a knee replacement, when can I ..." asks when.
    tokens, openings = analyse(question).tokens, phrase_openings(question)
    condition = False
    start = 0
    while start < len(tokens):
        for length in range(min(_LONGEST, len(tokens) - start), 0, -1):
            pattern = tokens[start : start + length]
            kind = _PATTERNS.get(pattern)
            if kind is None or (pattern in _AT_START_ONLY and start not in openings):
                continue
            if kind == _COURTESY:
                start += length - 1
                break
            following = tokens[start + 1] if start + 1 < len(tokens) else ""
            if pattern == _CONDITION and following not in _AUXILIARIES:
                condition = True  # "When I travel abroad, do I need to ...": the ask-type follows
                break
            return kind
        start += 1
    return "when" if condition else None


class IntentGuard(SignalGuard):
    """Rejects a question that asks for another thing about the same subject."""

    name = "intent"

    def prepare(self, text: str) -> None:
        if detect(text) in COVERED:
            ask_type(text)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        if detect(query) not in COVERED or detect(candidate) not in COVERED:
            return None
        type_q, type_c = ask_type(query), ask_type(candidate)
        if type_q is None or type_c is None or type_q == type_c:
            return None
        strength = NEAR_TYPES if frozenset({type_q, type_c}) in _NEAR else ASKED_OTHER
        return self._signal(strength, f"asks for another thing: {type_q} vs {type_c}")
