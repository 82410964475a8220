"""A number one side's earlier turns add that tells the asker's circumstance, not a constraint of the answer.

"I've been there four years", "it's been raining for 3 days", "we bought it in 2019", "for my dad's 70th birthday":
a time already passed, or an occasion, told in passing, which the answer to "what desk height should I aim for?"
does not compute with; so is when a told event happens, a clock time or a day of the month ("my first driving
lesson is tomorrow at 4pm", "a baby shower on the 14th", "delivered yesterday at 2:13pm") before "what should I
bring?". A number's kind decides it against what the last question asks: a time passed, or a time of day or a date,
is a constraint when the question asks about time or a time-limited right ("what's the deadline?", "can I still
return it?", "am I entitled to ...?": "I was dismissed 5 weeks ago" is then the fact the answer turns on). Every
other number one side adds stays a constraint: a time ahead ("a deposit in 6 months"), an age, a count, an amount, a
measure, a code, a clock time that names a thing ("the 7:40 train"), a floor ("on the 3rd floor"). On the 24
conversation dev splits: should-hits 700 -> 705 of 1,536, traps 27 -> 27 of 1,622, leave-one-set-out +4 and no trap
(``benchmarks/conversation_circumstance.py``; benchmarks/README, twentieth session, conv47); when an event happens:
twenty-first session, conv50.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nearhit.guards.lexicon import STOP_WORDS
from nearhit.guards.quantities import Quantity

SINCE = frozenset({"for", "after", "since", "been", "lived", "had", "owned", "worked"})
"""Words right before a duration (up to two words before it) that tell a time passed: "for 3 days", "after 2 years",
"been there four years", "lived here six years"."""
AGO = "ago"
OLD = "old"
ARTICLES = frozenset({"a", "an"})
"""A duration after an article or before "old" describes a thing or a person: an age, a term ("a 12 month contract")."""
OCCASIONS = frozenset({"birthday", "anniversary"})
"""An ordinal before these is an occasion ("my sister's 40th birthday"), not a place in a row or a day of the month."""
YEAR_AFTER = frozenset({"since", "in"})
"""A year after these is when something past happened ("since 2019", "in 2019"), not a model or a tax year."""
AT = frozenset({"at", "around"})
"""Words right before a clock time that tell when something happens ("at 4pm", "around 2am"); not "the 7:40 train",
which names the train."""
ON_THE = ("on", "the")
"""The words before a day of the month ("on the 14th"); "on the 3rd floor" is a place, told by the noun after it."""
_CLOCK = re.compile(r"(?:[01]?\d|2[0-3])(?::[0-5]\d)?(?:am|pm)?")
_DAY = re.compile(r"(?:[12]?\d|3[01])(?:st|nd|rd|th)")
_TIME_ASKED = re.compile(
    r"\b(?:how long|how soon|how old|how many (?:days|weeks|months|years)|when|deadline|still|too late|in time|yet"
    r"|time limit|limit|expir\w*|valid|notice|wait\w*|age|entitle\w*|eligib\w*|qualif\w*|allowed|rights?|refund\w*"
    r"|return\w*|warrant\w*|guarantee\w*|claim\w*|redundan\w*|maternity|paternity|pension\w*|cancel\w*|terminat\w*"
    r"|fee|fees|penalt\w*|how much)\b"
)
"""A question about time, a right that lapses or accrues with it, or what a thing costs (a fee to cancel, a charge):
a time passed is what its answer turns on ("had it for four months" before "how much will it cost me to cancel?")."""


def told(quantity: Quantity, tokens: Sequence[str], asked: str) -> bool:
    """Whether ``quantity`` (read from ``tokens``) tells a circumstance that the question(s) ``asked`` do not turn
    on: an occasion, or a time passed or when an event happens, when nothing asked is about time."""
    end = quantity.span[1]
    if end < len(tokens) and tokens[end] in OCCASIONS and quantity.surface[-2:] in ("st", "nd", "rd", "th"):
        return True
    timed = _passed(quantity, tokens) or _when(quantity, tokens)
    return timed and _TIME_ASKED.search(asked.casefold()) is None


def _passed(quantity: Quantity, tokens: Sequence[str]) -> bool:
    start, end = quantity.span
    if quantity.dimension == "duration":
        after = tokens[end] if end < len(tokens) else ""
        if after == OLD or (start and tokens[start - 1] in ARTICLES):  # "for a 6 year old", "a 12 month contract"
            return False
        return after == AGO or not SINCE.isdisjoint(tokens[max(0, start - 2) : start])
    year = quantity.surface.isdigit() and len(quantity.surface) == 4 and 1900 <= quantity.value < 2100
    return year and start > 0 and tokens[start - 1] in YEAR_AFTER


def _when(quantity: Quantity, tokens: Sequence[str]) -> bool:
    """Whether ``quantity`` says when a told event happens: a clock time after "at" or "around" ("at 4pm", "at
    2:13pm", "at 10" with no noun after it: "at 7 Larch Mews" is an address), or a day of the month after "on the"
    with no noun after it ("on the 14th", not "on the 12th floor")."""
    if quantity.dimension is not None:
        return False
    start, end = quantity.span
    surface = quantity.surface.casefold().replace(" ", "")
    before = tuple(tokens[max(0, start - 2) : start])
    bare = end == len(tokens) or tokens[end] in STOP_WORDS
    if _CLOCK.fullmatch(surface) and before and before[-1] in AT:
        return bare or not surface.isdigit()
    return _DAY.fullmatch(surface) is not None and before == ON_THE and bare
