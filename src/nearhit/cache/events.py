"""Whether two stories that state the same facts tell another event: who did what to whom.

A conversation's context may keep every fact of another (the same names, amounts, dates) and still say that
something else happened: "I applied for 3 jobs at Siemens" / "Siemens rejected me for all 3", "I need to
ship 2 boxes from Lyon to Porto" / "someone in Lyon is shipping them to me", "my aunt sent me 5,000 dollars" /
"I sent my aunt 5,000 dollars". The embeddings of such stories are as close as those of rewordings, and the
facts agree, so :func:`nearhit.cache.conversation.differs` asks this module about the user's turns: the asker
acting on one side only and acted on on the other only (a request to the assistant, "can you tell me", is no
part in the story), or a word on one side whose opposite
(:data:`nearhit.guards.lexicon.ANTONYMS`: lend / borrow, upgrade / downgrade) is on the other, when both
sides state facts (a story pinned by them; without facts, opposite words and pronouns are as often incidental).
"""

from __future__ import annotations

from nearhit.guards.lexicon import ANTONYMS
from nearhit.guards.numbers import dates_of, quantities
from nearhit.guards.text import Text, analyse

_ACTS = frozenset({"i", "we"})
"""The asker as the one who acts (a subject pronoun)."""
_ACTED_ON = frozenset({"me", "us"})
"""The asker as the one acted on (an object pronoun); "US" the country is a name, not one of these."""
_REQUEST = frozenset({"you", "please", "let", "help"})
"""Words by which an object pronoun is the asker's request to the assistant ("can you tell me", "please send
me", "let me know", "help us"), not a part in the story."""


def differs(mine: str, theirs: str) -> str | None:
    """Why the user's turns ``mine`` tell another event than ``theirs``, or None."""
    a, b = analyse(mine), analyse(theirs)
    if not (_states_facts(a) and _states_facts(b)):
        return None
    role_a, role_b = _asker(a), _asker(b)
    if len(role_a) == len(role_b) == 1 and role_a != role_b:
        return f"the asker {_say(role_a)} on one side and {_say(role_b)} on the other"
    stems_a, stems_b = set(a.stems), set(b.stems)
    for word in sorted(stems_a - stems_b):
        opposite = ANTONYMS.get(word, frozenset()) & (stems_b - stems_a)
        if opposite:
            return f"opposite words in the same story: {word!r} vs {min(opposite)!r}"
    return None


def _asker(text: Text) -> set[str]:
    """How the asker takes part in the story: ``acts`` ("I sent"), ``acted on`` ("they sent me"), both, or
    neither ("my aunt", "sent 3 applications")."""
    tokens = text.tokens
    role = set()
    if set(tokens) & _ACTS:
        role.add("acts")
    for n, token in enumerate(tokens):
        if token in _ACTED_ON and token not in text.entities and not _REQUEST.intersection(tokens[max(0, n - 2) : n]):
            role.add("acted on")
    return role


def _say(role: set[str]) -> str:
    return "acts" if role == {"acts"} else "is acted on"


def _states_facts(text: Text) -> bool:
    return bool(quantities(text.tokens) or text.entities or dates_of(text))
