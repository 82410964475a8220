"""The intent guard: the same subject, asked for another thing ("How do I cancel?" / "What happens if I
cancel?", "How do I force push?" / "Should I force push?", "Can I ..." / "Must I ...").

An embedder scores the subject, and the subject is the same; the answer is another (steps are not
consequences, a way is not a reason, permission is not advice). The question clause's ask-type
(``data/ask_types.txt``: how-to, why, what-happens-if, is-it-safe, can, should, must, how long, how much,
how often, when, where, who; "how" before any other content word asks a degree; a clause opened by an
auxiliary with none of these asks yes or no, ``data/polar_openers.txt``) is read on both sides; two
different types are a difference. Wordings of one type ("how do I" / "what's the way to" / "how can I") are
one type. "Am I allowed to ..." / "Is it legal to ..." ask whether a rule permits it: "can" against
every type but a how-to. "Can I ...?" with no "how" against "how do I ...?" of the very same verb asks whether
against a way (:func:`asks_whether_against_how`). In the other languages the rules read, a way, a consequence and a
reason are listed (``data/ask_types_by_language.txt``), and the modals (can, allowed, should, must, safe) where they
open the clause; compared when both sides are in that language.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import ClassVar

from nearhit.guards.clauses import split_question
from nearhit.guards.languages import COVERED, detect, pair_language
from nearhit.guards.lexicon import STOP_WORDS, groups, words
from nearhit.guards.text import analyse, phrase_openings
from nearhit.guards.verdicts import GuardSignal, SignalGuard

__all__ = [
    "IntentGuard",
    "ask_type",
    "asked_after_a_question_word",
    "asks_either",
    "asks_one_kind",
    "asks_whether_against_how",
]

_PATTERNS: dict[tuple[str, ...], str] = {
    tuple(pattern.split("_")): group[0].rstrip(":") for group in groups("ask_types.txt") for pattern in group[1:]
}
_LONGEST = max(map(len, _PATTERNS))
_OPENING_WORDS = frozenset(pattern[0] for pattern in _PATTERNS)  # where no pattern opens (most words), none is tried
_COURTESY = "courtesy"
_AT_START_ONLY = frozenset({("when",), ("where",), ("who",), ("whom",), ("why",)})
_CONDITION = ("when",)
_AUXILIARIES = words("question_openers.txt")
"""After "when", a question goes on with one of these ("When can I ..."); a condition with its subject."""
_HOW, _DEGREE = "how", "how_degree"
_ARTICLES = frozenset({"a", "an"})
_POLAR_OPENERS = words("polar_openers.txt")
_POLAR = "polar"
_ALLOWED, _CAN, _HOW_TO = "allowed", "can", "how_to"
"""Whether a rule permits it is what "can I" asks, but for a way to do it: "Can I change my name?" asks how,
"Am I allowed to fly my drone beyond sight?" does not."""
ASKED_OTHER = 0.8
"""Two ask-types: over the default cut."""
NEAR_TYPES = 0.3
"""Two ask-types that often reword one another ("Can I change my name?" asks how to): under the cut."""
_NEAR: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("how_to", "can"),  # "Can I change my name, and how?"; of the very same verb, see asks_whether_against_how
        ("how_to", "where"),  # "Where can I find my tax code?"
        ("can", "can_other"),  # "Can my landlord ..." / "Is a landlord allowed to ...": who, not what
        ("should", "must"),
        ("can", "safe"),  # "Can I ..." / "Is it OK to ..."
        ("how_long", "how_much"),  # "how long" / "how many minutes"
        ("how_long", "when"),  # "How long until ..." / "When will ..."
    )
)
_ALIKE: frozenset[frozenset[str]] = frozenset(
    frozenset(pair)
    for pair in (
        ("how_often", "when"),  # "How often should I ..." / "When should I ..."
        ("how_often", "how_much"),  # "how many times a week"
        ("how_often", "how_long"),  # "How often must it be renewed?" / "How long is it valid?"
        # "What temperature should I ..." asks what "How hot should ..." asks: the modal follows a value asked
        *((_DEGREE, kind) for kind in ("how_much", "how_long", "should", "must")),
        # a yes/no question with no other ask-type asks what "can", "should", "must", "is it safe" and "what
        # happens if" ask about as often as not ("Will it void the warranty?" / "Can it void ...")
        *((_POLAR, kind) for kind in ("can", "can_other", "should", "must", "safe", "what_if")),
    )
)
"""The ninth session's types (a frequency, a degree, yes or no) against the types that often reword them: no
signal, as when those had no type, so a pair the rules read as alike stays quiet (served under the threshold)."""

_SHOULD, _MUST, _WHEN = "should", "must", "when"
_WAY_OR_AMOUNT = frozenset({"how_to", "how_much"})
_WH_SHOULD = re.compile(r"\b(?:what|which|how)\b(?:\s+[\w'-]+){0,4}?\s+should\b", re.IGNORECASE)
"""A "should" a question word opens ("what should I change", "what infill should I use", "how far in advance
should I apply"): it asks for a way or a value, not whether to."""
_WH_MUST = re.compile(
    r"\b(?:what|which|how)\b(?:\s+[\w'-]+){0,4}?\s+(?:must|(?:do|does)\s+(?:i|we|you)\s+(?:have|need)\s+to)\b",
    re.IGNORECASE,
)
"""A "must" a question word opens ("what do I need to change so ...", "how much notice do I have to give"): as
:data:`_WH_SHOULD`'s, it asks for a way or a value, not whether one must."""
_TIME_ASKED = re.compile(
    r"^\W*(?:how\s+(?:far\s+(?:ahead|in\s+advance)|early|soon|late|long\s+before)|by\s+(?:what|which)\s+(?:date|day|time)|"
    r"(?:what|which)\s+(?:date|day|time))\b(?:\s+[\w'-]+){0,4}?\s+(?:should|must|(?:do|does)\s+(?:i|we|you)\s+(?:have|need)\s+to)\b",
    re.IGNORECASE,
)
"""A "should" or "must" after a phrase that asks a time ("how far ahead do I need to register?", "by what date do
I have to file ...?", "how far ahead of departure should I be ...?"): the question asks when, as "when do I have to
...?" does."""
_WHETHER = frozenset({"can", "must", "should", "allowed", _POLAR})
"""The ask-types of a question that asks whether something may, must or should be done, or is so."""
_OR_ASKED = re.compile(
    r"\bor\s+(?:should|must|can|could|do|does|is|are|will|would)\s+(?:i|we|you|it|they)\b", re.IGNORECASE
)
"""A second question joined by "or" ("can I report it online or must I go in person?", "... or do I have to get it
sorted beforehand?"): the question offers two answers to one whether and asks which holds."""


_WHETHER_CAN = re.compile(r"^\W*(?:can|could)\s+(?:i|we)\s+(?P<verb>[\w'-]+)(?!.*\bhow\b)", re.IGNORECASE)
"""A clause opened by "can I" with no "how" in it ("Can I break my lease early?"): whether it is allowed or possible,
where "Can I repair it, and how?" and "What can I use to ...?" ask a way."""
_HOW_OPENS = re.compile(
    r"^\W*how\s+(?:(?:do|does|can|could|should|would|will)\s+(?:i|we|you|one)|to)\s+(?P<verb>[\w'-]+)", re.IGNORECASE
)


def asks_whether_against_how(query: str, candidate: str) -> bool:
    """Whether one question asks "can I ...?" (:data:`_WHETHER_CAN`) and the other "how do I ...?" of the very same
    verb ("Can I break my lease early?" / "How do I break my lease early?"): a yes or no against a way, two answers.
    Asked in other words ("can I get an empty cell?" / "how do I make it show a blank cell?") the "can" more often
    asks the way, and the two stay near types."""
    clauses = [split_question(text).question for text in (query, candidate)]
    for first, second in (clauses, clauses[::-1]):
        whether, how = _WHETHER_CAN.search(first), _HOW_OPENS.search(second)
        if whether and how and whether["verb"].lower() == how["verb"].lower():
            return True
    return False


def asked_after_a_question_word(query: str, candidate: str) -> bool:
    """Whether two questions whose ask-types differ as "should" or "must" and a how-to or how-much ask one thing:
    the modal side's modal follows a question word ("what should I change so it matches?" / "how do I fix the
    query?", "what infill should I use?" / "how much infill does it need?", "what do I need to change so it ships?"
    / "how do I get it included?"), where "should I ...?" asks whether and stays another question; or a "when" and
    a modal after a phrase that asks a time (:data:`_TIME_ASKED`). Read only where two follow-ups come after the very
    same turns (:mod:`nearhit.cache.turn_reading`): the turns name what both ask about, alone "what should I wear?"
    / "how do I ask about my 401(k)?" does not."""
    kinds = {query: ask_type(query), candidate: ask_type(candidate)}
    modal = [(text, kind) for text, kind in kinds.items() if kind in (_SHOULD, _MUST)]
    others = {kind for kind in kinds.values() if kind not in (_SHOULD, _MUST)}
    if len(modal) != 1 or len(others) != 1:
        return False
    text, kind = modal[0]
    if others == {_WHEN}:
        return bool(_TIME_ASKED.search(text))
    return others <= _WAY_OR_AMOUNT and bool((_WH_SHOULD if kind == _SHOULD else _WH_MUST).search(text))


def asks_either(query: str, candidate: str) -> bool:
    """Whether one question asks which of two answers to a whether holds ("can I report it online or must I go in
    person?", :data:`_OR_ASKED`) and the other asks that whether by one of them ("do I have to go to a police
    station?"): both ask whether (:data:`_WHETHER`), one answer. Read only after the very same turns, as
    :func:`asked_after_a_question_word`."""
    joined = [text for text in (query, candidate) if _OR_ASKED.search(text)]
    return len(joined) == 1 and ask_type(query) in _WHETHER and ask_type(candidate) in _WHETHER


_TIME_KINDS = frozenset({"when", "how_long", "how_often"})
"""The ask-types whose answer is a time: a moment, a span, a frequency."""
_SPANS = "|".join(sorted(words("time_spans.txt")))
_HOW_MANY_SPANS = re.compile(rf"\bhow\s+many\s+(?:more\s+)?(?:{_SPANS})s?\b", re.IGNORECASE)
""""how many days should I rest before ...": an amount of a span of time (``data/time_spans.txt``) asks a time."""
_SPAN_NAMED = re.compile(rf"\b(?:{_SPANS})s?\b|\b(?:daily|weekly|monthly|yearly|often)\b", re.IGNORECASE)
_HOW_BY_MODAL = re.compile(r"^\W*how\s+(?:can|could|should|would|must|will|might)\b", re.IGNORECASE)
"""A clause opened by "how" and a modal whatever the subject ("how can the root config reference ...?"): a way,
though the modal's own pattern ("can the") is read first."""
_CHOICE = re.compile(r"\b[\w'-]+\s+or\s+(?!not\b)[\w'-]+", re.IGNORECASE)
_CHOOSERS = frozenset({"who", "where"})
"""What a choice of named answers ("should I call the farrier or the vet?", "is it paid by me or by the
employer?") asks as an open question does: which one, whom, where; not a way, a reason or a consequence."""
_WHETHER_TO = frozenset({"can_other", "safe"})
""""Can he eat grapes?" / "Are grapes safe to give him?": whether it may be done, asked of another's subject."""


def asks_one_kind(query: str, candidate: str) -> bool:
    """Whether two questions of different ask-types ask for one kind of answer, read after the very same turns (as
    :func:`asked_after_a_question_word`): a time asked as an amount of days, weeks ("how many days should I rest
    before running again?" / "when can I start running again?"); a way asked by "how" and a modal of another
    subject (:data:`_HOW_BY_MODAL`); "can" of another's subject against "is it safe" (:data:`_WHETHER_TO`); a
    choice of named answers (:func:`_choice`) against who or where, against a time when the choice names one
    ("every day or less often"), or against a choice of the same answers."""
    kinds = [_answer_kind(text) for text in (query, candidate)]
    reread = kinds != [ask_type(query), ask_type(candidate)]
    if None not in kinds and reread and (kinds[0] == kinds[1] or frozenset(kinds) in _NEAR | _ALIKE):
        return True
    if set(kinds) == _WHETHER_TO:
        return True
    choices = [_choice(text) for text in (query, candidate)]
    if all(choices):
        return bool(choices[0] & choices[1])
    for (choice, text), kind in zip(zip(choices, (query, candidate), strict=True), kinds[::-1], strict=True):
        if choice and (kind in _CHOOSERS or (kind in _TIME_KINDS and _SPAN_NAMED.search(_question(text)))):
            return True
    return False


def _question(text: str) -> str:
    return split_question(text).question


def _answer_kind(text: str) -> str | None:
    """The ask-type read for the kind of answer: an amount of a time span is a span, "how" and a modal a way."""
    question = _question(text)
    if _HOW_MANY_SPANS.search(question):
        return "how_long"
    if _HOW_BY_MODAL.search(question):
        return _HOW_TO
    return ask_type(text)


def _choice(text: str) -> frozenset[str]:
    """The named answers a question offers to choose from ("A or B?"), their words on either side of the "or"; empty
    when it offers none, when the "or" opens a second question (:data:`_OR_ASKED`) or when it asks a way, a reason or
    a consequence."""
    question = _question(text)
    if _OR_ASKED.search(question) or ask_type(text) in (_HOW_TO, "why", "what_if"):
        return frozenset()
    return frozenset(
        word.lower() for found in _CHOICE.finditer(question) for word in found.group().split() if word.lower() != "or"
    )


@lru_cache(maxsize=4096)
def ask_type(text: str) -> str | None:
    """The ask-type of ``text``'s question clause, or ``None`` when no pattern is in it."""
    question = split_question(text).question
    # A question word counts where a phrase opens: "After a knee replacement, when can I ..." asks when.
    tokens, openings = analyse(question).tokens, set(phrase_openings(question))
    condition = wrapped = False
    start = 0
    while start < len(tokens):
        lengths = range(min(_LONGEST, len(tokens) - start), 0, -1) if tokens[start] in _OPENING_WORDS else ()
        for length in lengths:
            pattern = tokens[start : start + length]
            kind = _PATTERNS.get(pattern)
            if kind is None or (pattern in _AT_START_ONLY and start not in openings):
                continue
            if kind == _COURTESY:  # "Can you tell me where ...": the question opens after the wrapper
                wrapped = True
                openings.add(start + length)
                start += length - 1
                break
            following = tokens[start + 1] if start + 1 < len(tokens) else ""
            if pattern == _CONDITION and following not in _AUXILIARIES:
                condition = True  # "When I travel abroad, do I need to ...": the ask-type follows
                break
            return kind
        else:
            if (kind := _opening_ask(tokens, start)) is not None:
                return kind
        start += 1
    polar = [o for o in sorted(openings) if o < len(tokens) and tokens[o] in _POLAR_OPENERS]
    if condition:  # "When I quit, do I get paid out?" asks whether; "When I quit, my PTO ..." when
        return _POLAR if any(o > 0 for o in polar) else "when"
    return _POLAR if polar[:1] == [0] and not wrapped else None


def _opening_ask(tokens: tuple[str, ...], start: int) -> str | None:
    """ "how" before a word that is neither a function word nor a question opener, itself before an auxiliary,
    an article or the end ("how big a heater", "how far is it", "how hot?"): a degree, as "how long" asks a
    duration ("how I can", "how the app works" and chat's "how see logs" ask a way)."""
    following = tokens[start + 1] if start + 1 < len(tokens) else ""
    if tokens[start] != _HOW or not following.isalpha() or following in STOP_WORDS or following in _AUXILIARIES:
        return None
    after = tokens[start + 2] if start + 2 < len(tokens) else ""
    return _DEGREE if not after or after in _POLAR_OPENERS or after in _ARTICLES else None


_ANY = "*"
_BY_LANGUAGE: dict[str, dict[tuple[str, ...], str]] = {}
for _code, _kind, *_patterns in groups("ask_types_by_language.txt"):
    _BY_LANGUAGE.setdefault(_code, {}).update((tuple(p.split("_")), _kind.rstrip(":")) for p in _patterns)


_MODALS = frozenset({_CAN, _ALLOWED, _SHOULD, "must", "safe"})
"""Asked by a modal only where it opens the clause ("Får jag göra upp eld?"): after a question word it asks a way
or a value ("Wat moet ik doen om ...?", "Hvor lange ski bør jeg ha?"), as "what do I have to do to" does."""


@lru_cache(maxsize=4096)
def ask_type_in(language: str, text: str) -> str | None:
    """The ask-type of ``text``'s question clause in another language the rules read (``data/
    ask_types_by_language.txt``): the earliest pattern, the longest where several start there; else ``None``."""
    patterns = _BY_LANGUAGE.get(language, {})
    tokens = analyse(split_question(text).question).tokens
    for start in range(len(tokens)):
        found = [
            (len(pattern), kind)
            for pattern, kind in patterns.items()
            if len(pattern) <= len(tokens) - start
            and (start == 0 or kind not in _MODALS)
            and all(p in (_ANY, t) for p, t in zip(pattern, tokens[start : start + len(pattern)], strict=False))
        ]
        if found:
            return max(found)[1]
    return None


class IntentGuard(SignalGuard):
    """Rejects a question that asks for another thing about the same subject."""

    name: ClassVar[str] = "intent"

    def prepare(self, text: str) -> None:
        if detect(text) in COVERED:
            ask_type(text)

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        if detect(query) in COVERED and detect(candidate) in COVERED:
            type_q, type_c = ask_type(query), ask_type(candidate)
        elif (language := pair_language(query, candidate)) in _BY_LANGUAGE:
            type_q, type_c = ask_type_in(language, query), ask_type_in(language, candidate)
        else:
            return None
        if _ALLOWED in (type_q, type_c) and _HOW_TO not in (type_q, type_c):
            type_q, type_c = (_CAN if kind == _ALLOWED else kind for kind in (type_q, type_c))
        if type_q is None or type_c is None or type_q == type_c or frozenset({type_q, type_c}) in _ALIKE:
            return None
        near = frozenset({type_q, type_c}) in _NEAR
        if near and {type_q, type_c} == {_CAN, _HOW_TO} and asks_whether_against_how(query, candidate):
            near = False
        strength = NEAR_TYPES if near else ASKED_OTHER
        return self._signal(strength, f"asks for another thing: {type_q} vs {type_c}")
