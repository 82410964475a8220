"""Whether a question leaves part of what it asks (the standard it judges by, a place) to the turns before it.

"Would a mesh system help?" names its subject but not the problem it would help with; "Is mid-April a good
time?" does not say for what, "Is a heat pump more expensive?" than what, "What else could it be?" besides
what. No word points back, yet the answer depends on the story told before the question: asked after another
story, the same words ask another question. The reading is structural: a word that judges or grades (a
verb of effect, an adjective of judgement, a comparative or superlative) with no complement after it that
names the standard (a preposition, "than", a clause: "help with dead zones", "a good time to visit Kyoto",
"cheaper than gas"), or "else", which is relative to what was said, or a place only the story names ("How
long is the ferry there?", "Is tipping expected here?": "there" with no verb beside it that makes it say
that something exists, as "is there a fee?" does). A question that names its whole subject
("Do you deliver on Sundays?", "How long does a mesh system take to set up?") judges nothing unstated.

A question may also name no subject of its own (:func:`names_no_subject`): "Are there any fees?", "What are the
requirements?", "Is there a waiting list?" ask about a thing ("fees", "requirements") that is always of something
(of a card, of a shelter), and the question says not of what: no "of", "for", "to" after it, no other content word,
no name. Asked after a story about a trip, it asks about the trip's fees; after a kitten's adoption, about the
shelter's.
"""

from __future__ import annotations

import re

from nearhit.guards.lexicon import STOP_WORDS, words
from nearhit.guards.text import analyse

_JUDGING = re.compile(
    r"helps?|helpful|fix(?:es)?|solves?|cures?|causes?|explains?|matters?|"
    r"worth|worthwhile|enough|sufficient|normal|okay|ok|fine|serious|safe|harmful|dangerous|risky|"
    r"necessary|needed|advisable|recommended|wise|sensible|reasonable|appropriate|suitable|effective|useful|"
    r"good|bad|idea|culprit|reason|fault|difference|problem|issue|risk|concern|mistake|solution|answer|"
    r"improvement|more|less|most|least|better|worse|best|worst|too|\w+i(?:er|est)|\w{3,}est"
)
"""Words that judge or grade something against a standard the question may leave unsaid: a verb of effect
("help", "fix", "matter"), an adjective of judgement or fitness ("normal", "safe", "worth", "effective"), a
noun that names an effect, a cause or a judgement ("a good idea", "the culprit", "a difference", "a
problem"), and the comparatives and superlatives ("more", "better", "easiest", "cheapest")."""
_ACTING = re.compile(r"helps?|fix(?:es)?|solves?|cures?|causes?|explains?|matters?")
"""The verbs among them: their object says what they act on ("help toddlers sleep", "cause acne")."""
_COMPLEMENT = re.compile(
    r"with|for|by|via|using|from|to|into|in|on|at|of|about|over|under|through|without|within|per|than|against|"
    r"between|among|around|near|across|towards?|like|as|"
    r"if|when|whenever|while|during|before|after|because|since|unless|vs|versus|compared|given|where"
)
"""Words that open the standard a judging word is measured by: a preposition, "than", a clause."""
_VOCABULARY = words("english_vocabulary.txt")
_ER = re.compile(r"(\w{3,}?)(\w?)er")
"""A word ending in "-er" whose base is an English word ("cheaper", "safer", "bigger"): a comparative when
it ends the question ("Is a heat pump cheaper?") and no determiner comes before it ("with an adapter", "the
owner" are nouns); inside a question it is as often a noun ("a printer cable")."""
_DETERMINERS = frozenset({"a", "an", "the", "my", "your", "our", "their", "his", "her", "its", "this", "that", "no"})
_RELATIVE = frozenset({"else"})
"""Words relative to what was said before ("what else", "anything else")."""
_PLACE = re.compile(r"\b(there|here)\b", re.IGNORECASE)
_VERB_BESIDE = re.compile(
    r"is|are|was|were|be|been|will|would|could|should|might|may|must|can|shall|isn't|aren't|wasn't|weren't|"
    r"won't|wouldn't|couldn't|shouldn't|can't|seems?|appears?|used|has|have|had|tends?|'s|'re|'ll|'d",
    re.IGNORECASE,
)
"""A verb beside "there" that makes it say that something exists ("is there a fee?", "there will be snow"),
not where: a place only the story names ("How long is the ferry there?")."""
_WORD = re.compile(r"'?[\w']+")
_REFERRING = frozenset({"the", "any"})
"""Determiners that name a thing as known or ask whether any exists ("the requirements", "any fees")."""
_INDEFINITE = frozenset({"a", "an"})
"""Determiners that ask whether a thing exists after "there" ("is there a waiting list?")."""
_COPULA = re.compile(r"\b(?:is|are|was|were)\b|\w['’](?:s|re)\b", re.IGNORECASE)
"""A form of "be" ("what's", "are there"): the question asks what or whether a thing is, not what it does ("How long
will the refund take?" has a verb of its own after the noun)."""
SUBJECT_WORDS = 2
"""The most content words of a noun phrase :func:`names_no_subject` reads as a thing with its owner unsaid ("side
effects", "waiting list"): a longer one names its subject ("the annual card membership fee")."""


def leaves_unsaid(question: str) -> str | None:
    """The word by which ``question`` leaves to the earlier turns the standard it judges by (no complement
    after it), what it is relative to ("else") or the place it asks about ("there"), or None when the
    question says all it asks."""
    tokens = analyse(question).tokens
    relative = _RELATIVE.intersection(tokens)
    if relative:
        return min(relative)
    place = _place(question)
    if place is not None:
        return place
    for n, token in enumerate(tokens):
        if _JUDGING.fullmatch(token) and not any(_says_standard(token, after) for after in tokens[n + 1 :]):
            return token
    last, before = (tokens[-1], tokens[-2]) if len(tokens) > 1 else ("", "")
    return last if before not in _DETERMINERS and _comparative(last) else None


def names_no_subject(question: str) -> str | None:
    """The noun that ``question`` asks about without saying of what, or None: every word before its last noun
    phrase a function word with a form of "be" ("are there", "what's"), that phrase opened by "the" or "any" (or
    "a" after "there") and holding at most ``SUBJECT_WORDS`` content words, among stop words if any ("the time
    limit", "the deadline usually"), no complement, no name ("Are there any fees?", "What's the deadline?", "Is
    there a waiting list?"). "What is photosynthesis?" (no determiner), "What
    causes the tides?" (a verb of its own) and "What is the capital of France?" (a complement) name their subject."""
    text = analyse(question)
    tokens = text.tokens
    if text.entities or not _COPULA.search(question):
        return None
    for n, token in enumerate(tokens):
        if token in _REFERRING or (token in _INDEFINITE and "there" in tokens[:n]):
            before, phrase = tokens[:n], tokens[n + 1 :]
            named = [word for word in phrase if word not in STOP_WORDS]
            if (
                0 < len(named) <= SUBJECT_WORDS
                and all(word in STOP_WORDS for word in before)
                and not any(_COMPLEMENT.fullmatch(word) for word in phrase)
            ):
                return named[-1]
    return None


def _place(question: str) -> str | None:
    """ "there" or "here" naming a place (no verb beside it that makes it existential), or None."""
    for found in _PLACE.finditer(question):
        before = _WORD.findall(question[: found.start()])[-1:]
        after = _WORD.findall(question[found.end() :])[:1]
        if not any(_VERB_BESIDE.fullmatch(word) for word in [*before, *after]):
            return found.group(1).casefold()
    return None


def _says_standard(judging: str, after: str) -> bool:
    """Whether ``after``, a word after ``judging``, opens what it is judged by: a preposition, "than" or a
    clause, or, after a verb of effect, any content word (its object)."""
    return bool(_COMPLEMENT.fullmatch(after)) or (bool(_ACTING.fullmatch(judging)) and after not in STOP_WORDS)


def _comparative(word: str) -> bool:
    found = _ER.fullmatch(word)
    if found is None:
        return False
    base, double = found.groups()
    bases = {base + double, base + double + "e"} | ({base} if double and base.endswith(double) else set())
    return bool(bases & _VOCABULARY)
