"""constraint_added traps: a sentence one side adds whose subject is the asker and whose verb tells a standing
situation, read as no aside (ca30, twenty-eighth session; measured, not shipped).

The largest served trap family, constraint_added, is let through mostly by :func:`conversation._changed_by_user`'s
aside test: a phrase one side adds inside a turn both tell, naming nothing the question names. Five of the 30 fit
traps add a sentence of their own about the asker's situation ("I earn just above minimum wage.", "We live in Harare
and ...", "Both of us are based in Glasgow.", "We already own a condo that we live in.", "I'll be skiing most days.").
This reading (:func:`tells_of_asker`) makes such a sentence no aside before a question about the asker (the
question's person, as :func:`clause._asked` reads it), from the verb's form alone: a present state or habit, a state
in the passive ("are based"), or "will"; not the past or an action under way (the story's events: "I bought it from a
little shop", "I'm making a crib for ..."), not what the asker is ("I'm a nurse"), wants or thinks, nor how often
they do a thing ("I mostly use it for music"): the irrelevant details the same sentence shape carries.

It is patched in as a second reading of :func:`clause.bears_on` (read only where ``_changed_by_user`` would let a span
through as an aside), then ``conversation_misses.py`` runs as usual, its arguments passed on:

    PYTHONPATH=src:benchmarks python benchmarks/asker_state_probe.py --reach fit      # pairs whose verdict moves
    PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --sets validation --pairs base.txt
    PYTHONPATH=src:benchmarks python benchmarks/asker_state_probe.py --sets validation --pairs after.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --compare base.txt after.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import Callable, Sequence

import conversation_misses
from nearhit import evaluation
from nearhit.cache import clause, conversation
from nearhit.guards.lexicon import pairs

_ASKER_SUBJECT = re.compile(
    r"(?:(?:and|but|so|also|plus)\s+)?(?:(?:both|all|each)\s+of\s+us|i|we)"
    r"(?P<contracted>'m|'re|'ll)?"
    r"(?:\s+(?:already|also|still|both|all|currently|now|actually|just|really))*"
    r"\s+(?P<verb>[\w']+)(?:\s+(?P<next>[\w']+))?"
)
"""A sentence whose subject is the asker ("I earn ...", "both of us are based ...", "I'll be skiing ..."), the word
after it (and after "already", "also" ...), read as its verb, and the word after that."""
_BE, _PARTICIPLES = next(
    (frozenset(be), frozenset(parts)) for (code, *be), parts in pairs("passive.txt") if code == "en:"
)
"""A form of "be" and the irregular participles, which are most often the past too ("bought", "made", "found")."""
_PAST = frozenset(
    {
        "came",
        "went",
        "saw",
        "took",
        "gave",
        "ate",
        "drove",
        "wrote",
        "began",
        "rode",
        "flew",
        "fell",
        "knew",
        "threw",
        "drew",
        "swam",
        "sang",
        "rang",
        "drank",
        "spoke",
        "broke",
        "chose",
        "froze",
        "stole",
        "woke",
        "wore",
        "tore",
        "grew",
    }
)
"""Irregular past forms that are no participle too: "we came for our anniversary"."""
_AUXILIARIES = frozenset(
    {"do", "does", "did", "don't", "didn't", "can", "can't", "could", "would", "should", "might", "must", "may"}
)
_HABIT = frozenset({"mostly", "usually", "often", "always", "sometimes", "normally", "generally", "typically"})
"""Frequency adverbs: "I mostly use it for music" is how the asker uses the thing, an aside."""
_MIND = frozenset({"want", "think", "like", "love", "hope", "need", "wonder", "know", "guess", "feel", "mean"})
"""Verbs of wanting and thinking: why or what the asker asks ("I want to learn Everlong for ..."), no situation."""
_FIRST_PERSON = frozenset({"i", "me", "my", "mine", "myself", "we", "us", "our", "ours", "ourselves"})


def tells_of_asker(span: Sequence[str], question: str, *, opens: str = "") -> bool:
    """Whether a sentence of its own one side adds (``opens`` "."; ``span``: its folded words), the asker its subject,
    tells the asker's standing situation before a question about the asker, read from the verb's form."""
    if opens != "." or not _FIRST_PERSON & clause._asked(question):
        return False
    found = _ASKER_SUBJECT.match(" ".join(span))
    if found is None:
        return False
    contracted, verb, after = found.group("contracted"), found.group("verb"), found.group("next") or ""
    if contracted == "'ll" or verb == "will":
        return True
    participle = verb if contracted else after if verb in ("am", "are") else None
    if participle is not None:
        return participle.endswith("ed") or participle in _PARTICIPLES
    if "'" in verb or verb.endswith(("ed", "ing")) or verb in _AUXILIARIES | _HABIT | _MIND:
        return False
    return verb not in _PARTICIPLES | _BE | _PAST


def patched(bears_on: Callable[..., str | None]) -> Callable[..., str | None]:
    """``clause.bears_on`` with this reading second: "i" where it finds nothing and the sentence tells of the asker."""

    def read(span: Sequence[str], question: str, *, opens: str = "") -> str | None:
        found = bears_on(span, question, opens=opens)
        return found if found is not None or not tells_of_asker(span, question, opens=opens) else "i"

    return read


def reach(which: str) -> None:
    """Every dev pair (``fit`` or ``validation``) whose :func:`conversation.differs` verdict, either way round, moves
    with the reading (the contexts as told, their cosine taken as 0.95), by category."""
    base, counted = clause.bears_on, Counter[tuple[str, bool]]()
    for name in conversation_misses.FIT if which == "fit" else conversation_misses.VALIDATION:
        for pair in evaluation.load(name, "dev"):
            b = conversation.context_of(pair.b.history, pair.b.prompt)
            a = conversation.context_of(pair.a.history, pair.a.prompt)
            if a is None or b is None:
                continue
            verdicts = []
            for bears_on in (base, patched(base)):
                clause.bears_on = bears_on
                verdicts.append(
                    (
                        conversation.differs(pair.b.prompt, b, a, 0.95, pair.a.prompt),
                        conversation.differs(pair.a.prompt, a, b, 0.95, pair.b.prompt),
                    )
                )
            clause.bears_on = base
            if verdicts[0] != verdicts[1]:
                counted[pair.category, pair.same_answer] += 1
                print(pair.id, pair.category, "should-hit" if pair.same_answer else "trap")
    print(dict(counted))


def main() -> None:
    if sys.argv[1:2] == ["--reach"]:
        reach(sys.argv[2])
        return
    clause.bears_on = patched(clause.bears_on)
    conversation_misses.main()


if __name__ == "__main__":
    main()
