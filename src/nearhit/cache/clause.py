"""Whether a clause one side's user adds inside a turn bears on the question, read from its structure.

:func:`nearhit.cache.conversation.differs` lets through a phrase only one side adds that names nothing the question
names ("I mostly use it for music", "for my book club"): an aside. A clause that says what the very person the
question asks about *has* is not one, whatever it names: "and I have quite a lot of astigmatism" before "which
lenses should I ask my optician about?", "she's come out in chickenpox spots" before "can I give her ibuprofen?".
A person's having (a condition, a possession, something that has happened to them: "have", "has", "'ve", "'s"
before a past participle) is what an answer for that person depends on; what they are or do ("I'm a nurse", "my
partner is taking him") and why or where they ask ("for a school project") is what asides are made of. Nor is a
clause that says where the very thing the question acts on is, or its state ("it's on my eyelid" before "can I use
the cream on it?"), when the question's "it" is an object, not a subject ("if it's windy", "how long will it take");
what the thing is or is for ("it's the shed my grandad built") stays an aside. Read from the words' order, no list
of conditions: the condition itself may be anything.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from nearhit.guards.lexicon import STOP_WORDS
from nearhit.guards.text import folded_words
from nearhit.guards.told_day import WEEKDAYS

_WORDS = re.compile(r"\w+")
_SENTENCES = re.compile(r"[.!?;\n]+")
_PERSONS: dict[str, frozenset[str]] = {
    "i": frozenset({"i", "me", "my", "mine", "myself"}),
    "we": frozenset({"we", "us", "our", "ours", "ourselves"}),
    "she": frozenset({"she", "her", "hers", "herself"}),
    "he": frozenset({"he", "him", "his", "himself"}),
}
"""A clause's subject and the words by which a question asks about that same person. "They" and "it" are left
out: as often the things the turns named, or nothing ("if it's windy")."""
_HAS = re.compile(
    r"\b(i|we|she|he)(?:\s+(?:also|still|really|already|just|now|recently|both))?\s+(?:have|has|had)\b(?!\s+to\b)"
    r"|\b(i|we|she|he)'(?:ve|s)"
    r"(?:\s+(?:also|still|really|already|just|now|recently))?\s+"
    r"(?!(?:called|named|nicknamed|known)\b)(?:got|had|been|\w+ed|\w+en|come|become|caught|gone)\b"
)
"""A person as the subject of "have" (not "have to": an obligation is the requirements' to read), or of a perfect
("she's come out in", "I've had", "he's been"; not "I'd", as often a "would"), wherever the clause puts it: "and
I have quite a lot of astigmatism", "last year he had anaphylaxis" (a time said first); not "he's a very chatty
little guy" or "she's called Biscuit" ("'s" is "is": a name is no having)."""
_UNDERWENT = re.compile(
    r"\b(i|we|she|he)\s+(?:was|were)\s+(?:(?:just|recently|also|only|already|finally)\s+)?"
    r"(?!(?:supposed|excited|interested|called|named|asked|told|born|thinking|wondering)\b)(\w+ed|\w+en)\b"
)
"""A person as the subject of a passive, something done to them ("I was diagnosed with a stress fracture", "he was
bitten last spring"): what happened to the person the question asks about is theirs to have, as a perfect is; not
"I was supposed to", a mood ("I was excited") or a name ("she was called Bella")."""
_SUBJECT_VERB = 3
"""The words of "the", a noun and a verb: the fewest of a clause :func:`_thing_does` reads."""
_HAVING = frozenset({"have", "has", "had"})
_CONJUNCTIONS = frozenset({"and", "but", "so"})
_POINTED_BACK: tuple[tuple[str, ...], ...] = (
    ("they",),
    *((quantity, "of", "them") for quantity in ("one", "both", "each", "some", "all", "two")),
)
"""The subjects by which a clause points back at things the turns named."""
_ELIDED_HAS = re.compile(r"(?:have|has|had)\b(?!\s+to\b)")
"""A sentence opening with "had" or "have", its subject left unsaid as chat leaves the asker ("Had knee surgery six
weeks ago."): the asker's own having."""
_IT_IS = re.compile(
    r"(?:^|\b(?:and|but|though|although|so|as|because|since|plus|also|which)\s+)it(?:'s|\s+is|\s+was)\b"
    r"(?!\s+(?:a|an|the|my|our|his|her|their|your|this|that|one|just|only|for|from)\b)"
)
"""The thing "it" as the subject of a state or a place, opening the clause: "it's on my eyelid", "and it was
leaking"; not what it is or is for ("it's the shed my grandad built", "it's for a school project": asides like
the asker's own)."""
_IT_ACTED_ON = re.compile(
    r"\bit\b(?=\s*(?:[?.!,;:]|$)|\s+(?:on|in|into|to|with|for|from|at|off|out|up|down|over|under|again|safely|myself)\b)"
)
"""A question's "it" as an object, the thing acted on ("... on it?", "can I fix it myself?"); "it" before a verb
is a subject, as often nothing ("if it's windy", "will it take long")."""


_IN_A_STATE = re.compile(
    r"\b(?:it|which|that|everything|the\s+\w+(?:\s+\w+)?)"
    r"(?:(?:'s|\s+is|\s+was|\s+are|\s+were)(?:\s+been)?|\s+(?:has|have|had)\s+been)"
    r"\s+(?:(?:\w+ly|all|also|still|already|now)\s+)?"
    r"(?!(?:been|called|named|nicknamed|based|obsessed|supposed|used|interested|excited)\b)"
    r"(?:\w+ed|\w+en|built|made|sold|kept|set|cut|split|shut|worn|torn|bent|burnt|left|done)\b"
)
"""A thing, not a person, said to be in the state something left it in, a passive ("the battery case is cracked",
"our house, which was built in 1930", "everything was marked final sale"): what has been done to the thing the question
asks about decides what may be done with it (a heat gun on paint from before 1960, a refund on a final sale) as what
a person has decides what is safe for them. What the thing is or is for ("it was a gift from my aunt", "they're called
Biscuit and Pudding", "it's based on ...") stays an aside, and so does a time told ("it's been a long week": "been" is
no state left by anything)."""


def bears_on(span: Sequence[str], question: str, *, opens: str = "") -> str | None:
    """The person whose having a clause one side adds (``span``: its word tokens, casefolded) states, when
    ``question`` asks about that person too, "it" when the clause says what the thing the question acts on is,
    "the" when it is a clause of its own saying what a thing does or has (:func:`_thing_does`), "they" when
    it says what the things the turns named do (:func:`_they_do`), "state" when it tells a thing in the state something
    left it in (:data:`_IN_A_STATE`), else None. A person's having is a have, a perfect or a passive
    (:data:`_UNDERWENT`: "I was diagnosed with ...").
    ``opens``: "." when the span starts a sentence of its turn (where a "had" with no subject is the asker's;
    mid-sentence, "and had it fitted", the subject is the sentence's), "," when it starts a clause after a comma,
    semicolon or dash, else ""."""
    said = " ".join(span)
    found = _HAS.search(said) or _UNDERWENT.search(said)
    if found is not None:
        person = found.group(1) or found.group(2) if found.re is _HAS else found.group(1)
    elif opens == "." and _ELIDED_HAS.match(said):
        person = "i"
    elif opens and _thing_does(span):
        return "the"
    elif _they_do(span, opens):
        return "they"
    elif _IT_IS.search(said) and _IT_ACTED_ON.search(question.casefold()):
        return "it"
    else:
        return "state" if _IN_A_STATE.search(said) else None
    return person if _PERSONS[person] & _asked(question) else None


_ASKS_DOING = re.compile(
    r"\b(?:is|would|will)\s+it\s+(?:be\s+)?"
    r"(?:ok|okay|safe|fine|alright|all right|worth|a good idea|too late|too early|possible|bad|wise)\b"
    r"[\w\s]{0,12}?\bto\b"
)
"""A question about the asker's own doing, the asker unsaid ("Is it OK to put seed out for the blackbirds?")."""


def _asked(question: str) -> set[str]:
    """The words of ``question`` by which it asks about a person; a question about doing something, no person said
    (:data:`_ASKS_DOING`), asks about the asker: the one who would do it."""
    words = set(_WORDS.findall(question.casefold()))
    if _ASKS_DOING.search(question.casefold()) and not words & _FIRST_PERSON:
        return words | {"i", "we"}
    return words


def turn_bears_on(turn: str, question: str) -> str | None:
    """What :func:`bears_on` reads in any sentence of a whole ``turn`` one side says alone, or None: "it's still
    under the manufacturer's warranty" before "can I do it myself?" is a constraint, not chatter, however short and
    free of names it is. Each sentence is a clause's start ("Thanks. It's on my eyelid.")."""
    for sentence in _SENTENCES.split(turn):
        found = bears_on(folded_words(sentence), question)
        if found is not None:
            return found
    return None


_HOLDS = re.compile(
    r"\b(i|we)(?:'m|'re|'ve|\s+am|\s+are|\s+have|\s+had)?"
    r"(?:\s+(?:also|still|currently|now|recently|just|already|both|actually|been))*"
    r"\s+(?:(?:start|started|starting|began|begun)\s+(?=taking|using|on\b))?"
    r"(have|has|had|got|take|takes|taking|took|taken|use|uses|using|used|on)\b(?!\s+to\b)"
)
"""The asker as the subject of a having, a taking, a using or a being on, or of a start of one ("last year I started
taking a flexible drawdown income", "we're on the family plan", "I've been using the free tier"): what the asker
holds, a plan, a product, an account, a medication. Not "have to" or "used to"; a bare "got" is an event ("I got the
job"), not a holding: "got" only after a "have"."""
_ASKING = frozenset({"can", "could", "do", "does", "did", "should", "shall", "will", "would", "may", "might", "must"})
"""A word before the subject that makes the sentence a question ("can we take water bottles"): asked, not told."""
_TALK = re.compile(r"\s+(?:a\s+)?(?:\w+\s+)?(?:question|query)\b")
"""What the asker has to ask ("I have a quick question"): the talk, not the asker's situation."""
_FIRST_PERSON = frozenset().union(_PERSONS["i"], _PERSONS["we"])


def turn_holds(turn: str, question: str) -> str | None:
    """The words by which a sentence of a whole ``turn`` one side says alone tells what the asker holds or is on
    (:data:`_HOLDS`), when ``question`` asks about the asker too, or None: "Last year I started taking a flexible
    drawdown income from an old pension pot." before "How much can I pay into my pension?" is the asker's situation
    the answer depends on, not an aside, though it names no condition and no having of :func:`bears_on`'s. A question
    ("can we take ...?") or what the asker has to ask ("I have a quick question") holds nothing."""
    if not _FIRST_PERSON & _asked(question):
        return None
    for sentence in re.finditer(r"[^.!?;\n]+[.!?;\n]*", turn.casefold().replace("\u2019", "'")):
        said = sentence.group(0)
        if said.rstrip().endswith("?"):
            continue
        for found in _HOLDS.finditer(said):
            before = _WORDS.findall(said[: found.start()])
            verb = found.group(2)
            bare_got = verb == "got" and not re.search(r"'ve|\bhave|\bhad", found.group(0))
            if (before and before[-1] in _ASKING) or bare_got or _TALK.match(said, found.end()):
                continue
            return found.group(0)
    return None


_FLAGGED = re.compile(
    r"\b(?:if|in case)\s+(?:that|it|this)(?:'s|\s+is)?\s+"
    r"(?:matters?|makes?\s+(?:a|any)\s+difference|relevant|helps?|changes?\s+anything|important)\b"
)
"""The asker's own word that what they tell may bear on the answer ("I'm left-handed, if that makes a difference",
"..., in case it matters")."""


def flags_bearing(turn: str) -> bool:
    """Whether the user says a ``turn`` may change the answer (:data:`_FLAGGED`): "I'm left-handed, if that makes a
    difference." is told because it may, however short and free of names; no chatter."""
    return _FLAGGED.search(turn.casefold().replace("\u2019", "'")) is not None


_DEADLINE = re.compile(
    r"\b(?:by|before|until|till|due|within)\s+(?:(?:this|next|the|end\s+of|the\s+end\s+of)\s+)?"
    r"(?:" + "|".join(sorted(WEEKDAYS)) + r"|tomorrow|tonight|weekend|week|month|\d)"
)
"""A limit the asker tells ("I need the cash by this Friday", "it's due within 3 days")."""


def tells_deadline(turn: str) -> bool:
    """Whether a user's ``turn`` tells a limit in time (:data:`_DEADLINE`): a time one side alone adds is no fact
    (it dates the story), but a deadline bounds what may be done ("I need the cash by this Friday for the deposit"
    before "which should I do?"); no chatter."""
    return _DEADLINE.search(turn.casefold()) is not None


_PLAN = re.compile(r"\b(?:i'm|i am|we're|we are) (?:about|hoping|planning) to\b|\b(?:i'd|we'd) like to\b")


def tells_plan(span: str) -> bool:
    """Whether a clause tells what the asker is about, hoping or planning to do, or would like to ("we're hoping to
    buy next spring", "we'd like to serve beer too"): what the asker means to do next changes the advice as a
    condition does, no aside. Where the asker is going, and why, is ("I'm going to my cousin's wedding"): a trip
    dates and explains the story, it does not bind the answer."""
    return _PLAN.search(span.casefold()) is not None


def _thing_does(span: Sequence[str]) -> bool:
    """Whether a clause opens with a thing named with "the" as its subject and a verb that is no copula: "the
    staircase has a turn halfway", "the gutters drain into the tank": what the thing does or has bears on any
    answer about it, where what it is ("the house is the blue one") stays an aside. The word after the noun is
    the verb when it is no function word ("the house at the end": a preposition, the noun phrase goes on), or a
    having."""
    if len(span) < _SUBJECT_VERB or span[0] != "the" or span[1] in STOP_WORDS:
        return False
    return span[2] in _HAVING or span[2] not in STOP_WORDS


def _they_do(span: Sequence[str], opens: str) -> bool:
    """Whether a clause of its own (``opens``, or after "and", "but", "so") has for its subject the things the
    turns named, pointed back at ("they", "one of them", "both of them"), and a verb that is no copula: "... and
    one of them reloads and updates it" changes what the question's "that" must do; what they are ("they're
    both grey") stays an aside."""
    words = list(span[1:]) if span and span[0] in _CONJUNCTIONS else list(span) if opens else []
    for subject in _POINTED_BACK:
        if tuple(words[: len(subject)]) == subject and len(words) > len(subject):
            verb = words[len(subject)]
            return verb in _HAVING or verb not in STOP_WORDS
    return False
