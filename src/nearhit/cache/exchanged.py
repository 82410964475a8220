"""Two follow-ups that are one another with one word exchanged, or with their words reordered so that a relation
word takes another object: after the same turns, another question.

A reworded follow-up rewords it whole ("how long is it valid for?" / "when does my theory pass run out?"); a
follow-up that keeps every word of the other but one, and exchanges that one for another thing ("round them up" /
"round them down", "reassign a" / "reassign b", "flat 2" / "flat 1", "for mine" / "for hers", "at night" /
"during the day"), asks about that other thing. The earlier turns, alike on both sides, make the two read alike
however far apart the two things are, and the question-side guards judge no conversation's turns, so the
exchange is read here, from the words' order alone. So is a follow-up that says the same words in another order
around a relation word ("wait after taking it before breakfast" / "wait after breakfast before taking it", "what is
super effective against Dragon" / "what is Dragon super effective against"): the words swap roles. So do the asker
and another person ("does my policy cover me driving his car?" / "... him driving my car?", "how much notice do I
have to give?" / "how much notice do they have to give me?"): the same words, who does what to whom exchanged.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Sequence

from nearhit.guards.content import content_stems
from nearhit.guards.lexicon import (
    ABBREVIATIONS,
    ANTONYMS,
    BARE_NEGATIONS,
    NEGATORS,
    STOP_WORDS,
    SYNONYMS,
    by_language,
    groups,
    pairs,
)
from nearhit.guards.stemming import stem
from nearhit.guards.text import FOLDED_WORD, folded_words

MAX_SPAN = 3
"""How many words each side's exchanged stretch may hold ("at night" / "during the day"): a longer one is a
rewording, read by the embeddings and the other checks."""
SAME_START = 4
"""Two words of which one starts the other, the shorter at least this long, are one word shortened ("temp" /
"temperature")."""
_PERSONS = (
    frozenset({"i", "me", "my", "mine", "myself"}),
    frozenset({"he", "him", "his", "himself"}),
    frozenset({"she", "her", "hers", "herself"}),
    frozenset({"you", "your", "yours", "yourself"}),
)
"""Whom a pronoun names: one exchanged for a pronoun of another ("for mine" / "for hers") names another person."""
_NOT_CONTENT = STOP_WORDS | NEGATORS
"""Words that name no thing: a negation exchanged ("no" / "not yet") is the negation guard's to read."""
_RELATIONS = by_language("prepositions.txt")["en"] | frozenset({"after", "before", "against", "onto", "than"})
"""Words that relate the word after them to the rest of the question: English prepositions, and those of time
and opposition. The same words around one, with another word after it, set the words in other roles."""
_PARTICLES = (frozenset({"up", "down"}), frozenset({"in", "out"}), frozenset({"on", "off"}))
"""Particles of opposite direction that stop words hide ("round up" / "round down", "check in" / "check out")."""
_BE, _IRREGULAR = next(
    (frozenset(be), frozenset(parts)) for (code, *be), parts in pairs("passive.txt") if code == "en:"
)
"""A form of "be" and the irregular participles (``passive.txt``, the direction guard's): a verb said in the passive
("how often should he be fed?") is the verb said in the active ("how often should I feed him?")."""
_POINTERS = (frozenset({"that", "those"}), frozenset({"this", "these"}))
"""Words that point back to what the turns said: a thing pointed at the same way on both sides ("in that window" /
"during those hours") is the one thing the turns named, however it is called."""
_VERBS = (frozenset({"avoid", "prevent", "stop"}), frozenset({"bring", "pack", "take"}))
"""Verbs a follow-up swaps for one another that the guards' synonym table lacks ("how do I avoid that?" / "how do
i stop it doing that", "what should I bring?" / "what should i pack?")."""


def exchanged(question: str, other: str) -> str | None:
    """What ``question`` names where ``other`` names another thing, with every other word the same (see the
    module), or None: the two differ in one stretch of at most ``MAX_SPAN`` words on each side, and that stretch
    exchanges a content word for another that is not its form, shortening or synonym ("cache" / "caching",
    "lib" / "library"), a label for a label ("a" / "b", "2" / "1"), a pronoun for one of another person, or a
    particle or word for its opposite. An exchange of stop words or negations ("does" / "will", "that" / "it",
    "no" / "not yet") rewords."""
    mine, theirs = folded_words(question), folded_words(other)
    changes = [op for op in difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(changes) != 1 or changes[0][0] != "replace":
        return None
    _, start, end, other_start, other_end = changes[0]
    ours, others = mine[start:end], theirs[other_start:other_end]
    if len(ours) > MAX_SPAN or len(others) > MAX_SPAN or "".join(ours) == "".join(others):
        return None  # a longer stretch reworded, or one word written apart ("e bike" / "ebike")
    if _one_exchange(ours, others):
        return f"the question names {' '.join(ours)!r} where the other names {' '.join(others)!r}"
    return None


def _one_exchange(ours: list[str], others: list[str]) -> bool:
    content = [word for word in ours if word not in _NOT_CONTENT], [word for word in others if word not in _NOT_CONTENT]
    if _pointed_alike(ours, others):
        return False
    if len(content[0]) == 1 and len(content[1]) == 1:
        mine, theirs = content[0][0], content[1][0]
        return not (
            _same_word(mine, theirs) or _voice(ours, others, mine, theirs) or _voice(others, ours, theirs, mine)
        )
    if len(ours) != 1 or len(others) != 1:
        return False
    word, another = ours[0], others[0]
    return _labels(word, another) or _opposite(word, another) or _other_person(word, another)


def _same_word(word: str, another: str) -> bool:
    """Whether two words are one: forms of one stem, one shortened, a synonym or an abbreviation of the other."""
    stems = stem(word), stem(another)
    if stems[0] == stems[1] or SYNONYMS.get(stems[0], stems[0]) == SYNONYMS.get(stems[1], stems[1]):
        return True
    if any(word in group and another in group for group in _VERBS):
        return True
    if min(len(word), len(another)) >= SAME_START and (word.startswith(another) or another.startswith(word)):
        return True
    return another in ABBREVIATIONS.get(word, ()) or word in ABBREVIATIONS.get(another, ())


def _pointed_alike(ours: list[str], others: list[str]) -> bool:
    """Whether both stretches point back the same way ("that" / "those"): at the one thing the turns named."""
    return any(group.intersection(ours) and group.intersection(others) for group in _POINTERS)


def _voice(active: list[str], passive: list[str], verb: str, participle: str) -> bool:
    """Whether ``passive`` says ``active``'s verb in the passive voice, the one acted on its subject: "I feed him" /
    "he be fed" (a form of "be", then the participle; the object's person now before it)."""
    if not _BE.intersection(passive) or _BE.intersection(active):
        return False
    acted_on = [group for group in _PERSONS if group.intersection(active[active.index(verb) + 1 :])]
    subject = [group for group in _PERSONS if group.intersection(passive[: passive.index(participle)])]
    if not acted_on or acted_on != subject:
        return False
    if participle in _IRREGULAR:
        return participle[0] == verb[0]  # "fed" / "feed", "brought" / "bring": the table gives no stem
    return participle.endswith("ed") and _same_word(verb, participle.removesuffix("d").removesuffix("e"))


def _labels(word: str, another: str) -> bool:
    """A label for another: one letter for another letter ("column a" / "column b"), a number for another."""
    if word.isdigit() and another.isdigit():
        return True
    return len(word) == len(another) == 1 and word.isalpha() and another.isalpha()


def _opposite(word: str, another: str) -> bool:
    if any(word in pair and another in pair for pair in _PARTICLES):
        return True
    return stem(another) in ANTONYMS.get(stem(word), frozenset())


def _other_person(word: str, another: str) -> bool:
    persons = [next((i for i, group in enumerate(_PERSONS) if w in group), None) for w in (word, another)]
    return None not in persons and persons[0] != persons[1]


def reordered(question: str, other: str) -> str | None:
    """The relation word after which ``question`` and ``other``, saying the same content words (stems) in another
    order, name another word (or nothing), or None. A reordering that keeps each relation word's object ("an
    eyepiece magnification for Saturn" / "a magnification eyepiece for Saturn") or shares no relation word
    ("tax-free lump sum" / "lump sum tax-free") rewords."""
    mine, theirs = folded_words(question), folded_words(other)
    said = [content_stems(words) for words in (mine, theirs)]
    if sorted(said[0]) != sorted(said[1]) or said[0] == said[1]:
        return None
    for relation in sorted(_RELATIONS.intersection(mine, theirs)):
        ours, others = _object(mine, relation), _object(theirs, relation)
        if ours != others:
            return f"the same words in other roles: {relation!r} {ours or 'nothing'!r} vs {others or 'nothing'!r}"
    return None


def _object(words: list[str], relation: str) -> str | None:
    """The first content word after ``relation``'s first place in ``words`` (its stem), or None at the end."""
    after = words[words.index(relation) + 1 :]
    return next(iter(content_stems(after)), None)


_ENDS = frozenset(".!?:;\n")
"""What ends a sentence (or a line): the word after it, past spaces, quotes and brackets, opens the next."""


def story_words(text: str) -> list[str]:
    """``text``'s words as the turn checks read them (:func:`folded_words`), but a stop word written capitalised
    inside a sentence, not "I", kept as written: it names a thing ("in Go" / "in Rust", "an A clarinet" / "a B♭
    clarinet", "in May" / "in August"). Folded, "go", "a" and "may" are a verb, an article and a modal, and a story
    that exchanges one for another name reads as no thing exchanged (or "A" as the article it is aligned with)."""
    words = folded_words(text)
    written = list(FOLDED_WORD.finditer(text))
    if len(written) != len(words):
        return words  # a letter that folds to two: read folded throughout
    return [found[0] if _named(word, found, text) else word for word, found in zip(words, written, strict=True)]


def _named(word: str, found: re.Match[str], text: str) -> bool:
    """Whether a stop word is written as a name: a capital then no capital ("Go", "May", "A"; not "IT" shouted or an
    acronym), not "I" or its contractions, not at a sentence's start."""
    said = found[0]
    return (
        word in STOP_WORDS
        and said[0].isupper()
        and not said[1:].isupper()
        and word != "i"
        and not word.startswith("i'")
        and not _opens(text, found.start())
    )


def _opens(text: str, at: int) -> bool:
    """Whether the word at ``at`` opens a sentence: nothing before it, or an end of one (:data:`_ENDS`) with only
    spaces, quotes or brackets between. Read back from the word, so a long turn costs no scan from its start."""
    n = at - 1
    while n >= 0 and text[n] not in _ENDS and not (text[n].isalnum() or text[n] == "_"):
        n -= 1
    return n < 0 or text[n] in _ENDS


FRAME = 3
"""The fewest words two stories must say alike before the word they exchange ("my house has" PEX / copper "water
pipes") for the exchange to be read as one thing swapped in one frame, not a rewording that starts alike."""


def swapped_thing(story: str, other: str) -> str | None:
    """The content word ``story`` names where ``other``, after the same ``FRAME`` or more words, names another that
    is not its form, shortening, synonym or abbreviation ("my flask app using sqlite ..." / "... using postgres
    ..."), or None. The first place the two differ decides, whatever follows: one named thing (a product, a
    material, a database, a place) exchanged in the same slot of the same story is another story, though the rest
    of the turns agree word for word and share so many words that their vectors and word shares read them alike."""
    mine, theirs = story_words(story), story_words(other)
    changes = difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes()
    first = next((op for op in changes if op[0] != "equal"), None)
    if first is None or first[0] != "replace" or first[1] < FRAME:
        return None
    _, start, end, other_start, other_end = first
    ours = [word for word in mine[start:end] if word not in _NOT_CONTENT]
    others = [word for word in theirs[other_start:other_end] if word not in _NOT_CONTENT]
    if end - start != 1 or other_end - other_start != 1 or len(ours) != 1 or len(others) != 1:
        return None
    if ours[0].isdigit() or others[0].isdigit() or _same_word(ours[0], others[0]):
        return None  # numbers are the facts checks'
    return f"{ours[0]!r} where the other names {others[0]!r} in the same words"


def swapped_stretch(story: str, other: str) -> str | None:
    """The words ``story`` names where ``other`` names another thing in the one place the two differ, or None: a
    stretch of at most ``MAX_SPAN`` words on each side, an article that opens it not counted (:func:`_span`; "as a
    private limited company" / "as a general partnership", "shortbread" / "a sandwich loaf"), after the same
    ``FRAME`` or more words (an article or other stop word added or left out on the way is no difference), up to the
    end or the same words again, no word of one a form, shortening, synonym or abbreviation of a word of the other,
    no number; a stop word written as a name is a name (:func:`story_words`). Every other word agrees, so the
    turns read 0.80-0.85 alike whole, however far apart the two things are; :func:`swapped_thing` reads one word
    swapped where more differ after it, this a longer name swapped where nothing else does."""
    mine, theirs = story_words(story), story_words(other)
    changes = difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes()
    named = [
        n
        for n, (tag, start, end, other_start, other_end) in enumerate(changes)
        if tag != "equal" and not _NOT_CONTENT.issuperset(mine[start:end] + theirs[other_start:other_end])
    ]
    if len(named) != 1 or changes[named[0]][0] != "replace":
        return None
    at = named[0]
    _, start, end, other_start, other_end = changes[at]
    if _span(mine[start:end]) > MAX_SPAN or _span(theirs[other_start:other_end]) > MAX_SPAN:
        return None
    if _framed(changes[:at]) < FRAME or (at + 1 < len(changes) and changes[at + 1][0] != "equal"):
        return None
    ours = [word for word in mine[start:end] if word not in _NOT_CONTENT]
    others = [word for word in theirs[other_start:other_end] if word not in _NOT_CONTENT]
    if not ours or not others or any(word.isdigit() for word in ours + others):
        return None  # numbers are the facts checks'
    if any(_same_word(word, another) for word in ours for another in others):
        return None
    return f"{' '.join(ours)!r} where the other names {' '.join(others)!r} in the same words"


_ARTICLES = frozenset({"a", "an", "the"})


def _span(stretch: Sequence[str]) -> int:
    """How many words a stretch holds, an article that opens it not counted: "a fluticasone nasal spray" is as long
    as "Piriton chlorphenamine tablets", the article only the way the name is said."""
    return len(stretch) - (bool(stretch) and stretch[0] in _ARTICLES)


MAX_SLOTS = 3
"""The most places two stories may exchange things in and still be read as one frame (:func:`swapped_slots`)."""
FRAME_SHARE = 0.4
"""The least share of the shorter story's words the two must say alike, in order, to be one frame with things
exchanged in it rather than a rewording that shares a few words (:func:`swapped_slots`)."""
NAMED_SLOTS = 2
"""How many of the places exchanged must hold more than one word on a side (:func:`swapped_slots`): a thing and
what goes with it exchanged, each named in words of its own; one name said otherwise with the rest reworded word
for word ("the rudder cable ... has snapped" / "the steering wire ... broke") is a retelling."""


def swapped_slots(story: str, other: str) -> str | None:
    """The stretches ``story`` names where ``other`` names other things, in one frame, or None: every place the two
    differ in words that name things is a stretch exchanged for another (nothing named added or left out), at most
    ``MAX_SLOTS`` such places, ``NAMED_SLOTS`` of them of more than one word on a side (words exchanged one for one
    are a synonym the table lacks, "operate" / "run", or :func:`swapped_thing`'s), no word of one a form, shortening,
    synonym or abbreviation of a word of the other (initials, "nm" / "new mexico", are the name), no number, and at
    least ``FRAME_SHARE`` of the shorter side's words said alike in order. A context swap exchanges
    the thing and what goes with it ("making gluten-free shortbread with rice flour and cornflour" / "making a
    gluten-free sandwich loaf with rice flour and tapioca starch"): two places, each of which
    :func:`swapped_stretch` would read alone; a retelling says the story in other words, not in the same frame
    (cs30: on the conversation dev splits up to -v61 and fow-cache's, it refuses 1 served trap for 1 served
    should-hit; on -v62 .. -v67, 1 for none)."""
    mine, theirs = story_words(story), story_words(other)
    changes = difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes()
    if _framed(changes) < FRAME_SHARE * min(len(mine), len(theirs)):
        return None
    slots: list[tuple[list[str], list[str]]] = []
    for tag, start, end, other_start, other_end in changes:
        ours, others = _naming(mine[start:end]), _naming(theirs[other_start:other_end])
        if tag == "equal" or not (ours or others):
            continue
        if not ours or not others or any(char.isdigit() for word in ours + others for char in word):
            return None  # a thing added or left out, or a number: the other checks'
        if _initials(ours, others) or _initials(others, ours):
            continue  # "nm" / "new mexico": one name, written short
        if any(_same_word(word, another) for word in ours for another in others):
            return None
        slots.append((ours, others))
    if not 0 < len(slots) <= MAX_SLOTS or sum(max(len(ours), len(others)) > 1 for ours, others in slots) < NAMED_SLOTS:
        return None  # a thing renamed where the rest is reworded word for word: a retelling ("rudder cable" / ...)
    return "; ".join(f"{' '.join(ours)!r} where the other names {' '.join(others)!r}" for ours, others in slots)


def _initials(short: list[str], named: list[str]) -> bool:
    """Whether ``short`` is one word made of the initials of the words ``named``."""
    return len(short) == 1 and len(named) > 1 and short[0] == "".join(word[0] for word in named)


def _naming(stretch: Sequence[str]) -> list[str]:
    """The words of a stretch that name a thing: no stop word, negation or contraction ("i've", "don't")."""
    return [word for word in stretch if word not in _NOT_CONTENT and "'" not in word]


def _framed(before: Sequence[tuple[str, int, int, int, int]]) -> int:
    """How many words two stories say alike before their one change of content words (``before``: the changes
    before it, none of which changes a content word: stretches of stop words added, left out or exchanged on the
    way, "making gluten-free" / "making a gluten-free", are passed over)."""
    return sum(end - start for tag, start, end, _, _ in before if tag == "equal")


_ROLES = {
    **dict.fromkeys(("i", "we"), "the asker, doing"),
    **dict.fromkeys(("me", "myself", "us"), "the asker, done to"),
    **dict.fromkeys(("my", "mine", "our", "ours"), "the asker's"),
    **dict.fromkeys(("he", "she", "they"), "another, doing"),
    **dict.fromkeys(("him", "himself", "her", "herself", "them"), "another, done to"),
    **dict.fromkeys(("his", "hers", "their", "theirs"), "another's"),
}
"""The role a pronoun gives the asker or another person: doing, done to, or owning ("her" read as done to)."""


def roles_swapped(question: str, other: str) -> str | None:
    """How the asker and others take other roles in ``question`` than in ``other``, or None: both name the asker,
    say the same content words (stems), and neither's pronouns in order are the other's with some left out (a
    person added, "how often should I put it on?" / "... put it on her?", is no swap)."""
    mine, theirs = folded_words(question), folded_words(other)
    said = [sorted(content_stems(words, besides=_ROLES.keys())) for words in (mine, theirs)]
    roles = [[_ROLES[word] for word in words if word in _ROLES] for words in (mine, theirs)]
    if said[0] != said[1] or not all(any(role.startswith("the asker") for role in side) for side in roles):
        return None
    if _within(roles[0], roles[1]) or _within(roles[1], roles[0]):
        return None
    return f"the persons in other roles: {', '.join(roles[0])} vs {', '.join(roles[1])}"


def _within(fewer: list[str], more: list[str]) -> bool:
    """Whether ``fewer`` is ``more`` with some left out, in the same order."""
    rest = iter(more)
    return all(role in rest for role in fewer)


_NEGATIONS = NEGATORS | BARE_NEGATIONS
_QUANTITIES = {
    **{word: kind.rstrip(":") for kind, *said in groups("quantifiers.txt") for word in said if kind != "first:"},
    **dict.fromkeys(("no", "none", "neither", "nothing", "nobody"), "none"),
}
"""How much of a thing a quantifier says (``quantifiers.txt``'s classes, "first" / "top" left out, and "no" /
"none"): all, any, some, one, only, most, both, either or none of it."""


def flipped(story: str, other: str) -> str | None:
    """The words ``story`` says where ``other``, in the same frame, says the opposite or another quantity of it, or
    None: the two differ in a stretch of at most ``MAX_SPAN`` function words a side (stop words, negations,
    quantifiers; no content word, which the other checks read), after the same ``FRAME`` or more words and before
    the same word again, and one side negates where the other does not ("I haven't pushed" / "I already pushed")
    or quantifies otherwise ("some of the tiles" / "none of the tiles"). A "not" said in another sentence, a
    negation said both ways ("it's not" / "it isn't"), or a "no" that answers ("and no, we've never" / "and we've
    never") is a rewording."""
    mine, theirs = story_words(_unanswered(story)), story_words(_unanswered(other))
    changes = difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes()
    for n, (tag, start, end, other_start, other_end) in enumerate(changes):
        ours, others = mine[start:end], theirs[other_start:other_end]
        if tag == "equal" or len(ours) > MAX_SPAN or len(others) > MAX_SPAN or not _in_frame(changes, n):
            continue
        if not all(word in STOP_WORDS or _negates(word) or word in _QUANTITIES for word in ours + others):
            continue
        negations = sum(map(_negates, ours)), sum(map(_negates, others))
        if negations[0] % 2 != negations[1] % 2:
            return f"{' '.join(ours) or 'nothing'!r} where the other says {' '.join(others) or 'nothing'!r}: a negation"
        kinds = (
            {_QUANTITIES[word] for word in ours if word in _QUANTITIES},
            {_QUANTITIES[word] for word in others if word in _QUANTITIES},
        )
        if kinds[0] and kinds[1] and kinds[0] != kinds[1]:
            return f"{' '.join(ours)!r} where the other says {' '.join(others)!r}: another quantity"
    return None


_NUMBERED = re.compile(r"\bno\b\.?(?=\s*\d)", re.IGNORECASE)
"""A "no" before a number is one ("op. 36 no. 1", "No 5"), not a negation."""
_ANSWER = re.compile(r"\b(?:no|nope|nah)\b(?=\s*[,.!?;:\u2014-])", re.IGNORECASE)
"""A "no" that answers the assistant (punctuation after it): it negates nothing the turn goes on to say."""


def _unanswered(text: str) -> str:
    """``text`` with its numbering "no" said as "number" and its answering "no" left out: what it negates."""
    return _ANSWER.sub(" ", _NUMBERED.sub("number", text))


def _negates(word: str) -> bool:
    return word in _NEGATIONS or word.endswith("n't")


def _in_frame(changes: Sequence[tuple[str, int, int, int, int]], at: int) -> bool:
    """Whether the change at ``at`` is said between the same ``FRAME`` or more words before and the same word after."""
    before = at > 0 and changes[at - 1][0] == "equal" and changes[at - 1][2] - changes[at - 1][1] >= FRAME
    return before and at + 1 < len(changes) and changes[at + 1][0] == "equal"


def roles_exchanged(story: str, other: str) -> str | None:
    """How ``story`` and ``other``, said in one frame (``FRAME_SHARE`` of the shorter's words alike, in order), give
    the asker and another person each other's parts, or None: in one place a stretch of at most ``MAX_SPAN`` words
    naming the asker stands where the other names another person ("I" / "the other driver"), and in another place
    the reverse ("their fault" / "my fault"). One person renamed alone ("my" / "the") is a rewording."""
    mine, theirs = story_words(story), story_words(other)
    changes = difflib.SequenceMatcher(a=mine, b=theirs, autojunk=False).get_opcodes()
    if _framed(changes) < FRAME_SHARE * min(len(mine), len(theirs)):
        return None
    exchanges = {
        (_person(mine[start:end]), _person(theirs[other_start:other_end]))
        for tag, start, end, other_start, other_end in changes
        if tag == "replace" and max(end - start, other_end - other_start) <= MAX_SPAN
    }
    if {("the asker", "another"), ("another", "the asker")} <= exchanges:
        return "the asker and another person in each other's parts"
    return None


_OTHERS = frozenset({"other", "another"})


def _person(stretch: Sequence[str]) -> str | None:
    """Who a stretch names: the asker (a first-person pronoun), another person (a third-person pronoun, "the other
    driver"), or None (neither, or both)."""
    named = {_ROLES[word].split(",")[0].removesuffix("'s") for word in stretch if word in _ROLES}
    named |= {"another" for word in stretch if word in _OTHERS}
    return next(iter(named)) if len(named) == 1 else None
