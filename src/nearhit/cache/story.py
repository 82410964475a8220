"""Whether two conversations' earlier turns are one story told with a detail changed.

Two histories that share most of their words ("I want to plant tomatoes outside in Minnesota." and the same
in Florida) are the same story; where they then differ, the difference is what the asker changed, and an
answer that depended on the story depends on it: another named thing, another number, a condition only one
side states (a wheelchair), or a word exchanged for another ("sold by Amazon" / "from a third-party
seller"). :mod:`nearhit.cache.conversation` runs :func:`changed_detail` on the turns a follow-up leans on;
:func:`alone_differs` judges a question that stands alone ("Is mid-April a good time?") after such turns,
which the embedding of the question alone cannot tell apart.
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Sequence

from nearhit.cache import constraints
from nearhit.guards.lexicon import STOP_WORDS
from nearhit.guards.numbers import all_dates, quantities, same_measure, unmatched
from nearhit.guards.text import analyse, describe, folded_words, tokens_of

Turn = tuple[str, str]

NEAR_IDENTICAL = 0.7
"""Token similarity (difflib ratio) from which two histories are one history with a detail changed."""
CONTAINED = 0.85
"""The share of the shorter side's user words found in order in the other's from which a difference in the
user's turns is a change, not a rewording."""
FRAME = 3
"""The fewest words two texts must share around the one span they exchange for :func:`one_slot` to read them as
one sentence with a detail swapped ("I'm working in ...": three)."""

_MARKED = re.compile(r"(?<![\w&*])[&*]+\w+")
"""A name in code with a reference or pointer mark ("&name", "*ptr", "&mut"): the word tokens drop the mark, yet
``f(&name)`` and ``f(name)`` ask two things (a borrow, a move)."""
_THINGS = frozenset(
    {
        "name",
        "number",
        "time",
        "times",
        "date",
        "city",
        "country",
        "town",
        "area",
        "location",
        "place",
        "amount",
        "type",
        "category",
        "value",
        "word",
        "term",
        "step",
        "steps",
        "method",
        "process",
        "details",
    }
)
"""Nouns the question guards read as the framing of a question ("what's the name of ...", "how many steps")
(``guards.lexicon.STOP_WORDS``), which in a story name the thing acted on: "change the name on my flight"
is not "change the date of my flight"."""


CHANGED_DETAIL = "a detail of the earlier turns changed"
"""The reason :func:`changed_detail` gives (:mod:`nearhit.cache.turns` compares the turns again after it)."""


def changed_detail(mine: str, theirs: str) -> str | None:
    """In two near-identical texts (``NEAR_IDENTICAL``), a span of content words exchanged for another, or
    None: "Minnesota" / "Florida", "sold by Amazon" / "from a third-party seller"."""
    a, b = tokens_of(mine), tokens_of(theirs)
    matcher = _near_identical(a, b)
    if matcher is None:
        return None
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if (
            tag == "replace"
            and _has_content(a[i1:i2])
            and _has_content(b[j1:j2])
            and not _one_measure(a[i1:i2], b[j1:j2])
        ):
            return f"{CHANGED_DETAIL}: {' '.join(a[i1:i2])!r} vs {' '.join(b[j1:j2])!r}"
    return None


def _one_measure(mine: Sequence[str], theirs: Sequence[str]) -> bool:
    """Whether two exchanged spans are each one measure, and the same one in other words ("a week" / "7 nights",
    "an hour" / "60 minutes"): a unit after an article is read as the guards read it to match a count."""
    a, b = quantities(mine, articles=True), quantities(theirs, articles=True)
    if len(a) != 1 or len(b) != 1 or a[0].span != (0, len(mine)) or b[0].span != (0, len(theirs)):
        return False
    return same_measure(a[0], b[0])


def one_slot(mine: str, theirs: str) -> str | None:
    """The one span two texts exchange in an otherwise identical frame of at least ``FRAME`` words, or None:
    "I'm working in Adobe Premiere Pro." / "I'm working in DaVinci Resolve." is one sentence with its
    object swapped, however many of its words the swapped names are."""
    a, b = tokens_of(mine), tokens_of(theirs)
    if a == b or _shared_start(a, b) + _shared_start(a[::-1], b[::-1]) < FRAME:
        return None  # one change leaves its frame at the start and end alike: at most these, whatever overlaps
    changes = [op for op in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if op[0] != "equal"]
    if len(changes) != 1 or len(a) - (changes[0][2] - changes[0][1]) < FRAME:
        return None
    tag, i1, i2, j1, j2 = changes[0]
    if tag != "replace" or not (_has_content(a[i1:i2]) and _has_content(b[j1:j2])):
        return None
    return f"{' '.join(a[i1:i2])!r} vs {' '.join(b[j1:j2])!r} in the same words"


def framed_swap(mine: str, theirs: str) -> str | None:
    """The middle two texts exchange between the words they begin and end with alike (at least ``FRAME`` of them
    in all), or None: "I'm flying my drone at a public beach in Florida." / "... near the stadium during a
    football game in Florida." is one sentence with its place swapped, though a word of the swapped spans ("a")
    is alike, which :func:`one_slot` reads as two changes."""
    middles = _framed_middles(mine, theirs)
    return None if middles is None else f"{' '.join(middles[0])!r} vs {' '.join(middles[1])!r} in the same words"


def exchanged_in_frame(mine: str, theirs: str) -> str | None:
    """A :func:`framed_swap` whose two middles each bring a content word the other lacks, or None: "I wrote an
    INNER JOIN between orders and customers." / "I wrote a LEFT JOIN from orders to customers." exchanges the
    join, where "learning Go and" / "a nurse switching careers learning Go in the evenings and" only adds to it
    (every content word of one middle said in the other: a detail added, which :func:`alone_differs` leaves)."""
    middles = _framed_middles(mine, theirs)
    if middles is None:
        return None
    a, b = ({token for token in middle if _has_content([token])} for middle in middles)
    return None if not (a - b and b - a) else f"{' '.join(middles[0])!r} vs {' '.join(middles[1])!r} in the same words"


def _framed_middles(mine: str, theirs: str) -> tuple[Sequence[str], Sequence[str]] | None:
    """The tokens two texts say apart between at least ``FRAME`` words they begin and end with alike, each with a
    content word; else None."""
    a, b = tokens_of(mine), tokens_of(theirs)
    start = _shared_start(a, b)
    end = _shared_start(a[start:][::-1], b[start:][::-1])
    middle_a, middle_b = a[start : len(a) - end], b[start : len(b) - end]
    if start + end < FRAME or not (_has_content(middle_a) and _has_content(middle_b)):
        return None
    return middle_a, middle_b


def same_story(mine: Sequence[Turn], theirs: Sequence[Turn]) -> bool:
    """Whether two histories are one story: near-identical words overall, or the user's turns of one side
    (nearly) all found, in order, in the other's (a sentence added)."""
    if _near_identical(tokens_of(_text(mine)), tokens_of(_text(theirs))) is not None:
        return True
    a, b = folded_words(_said_by(mine, "user")), folded_words(_said_by(theirs, "user"))
    least = CONTAINED * min(len(a), len(b))
    if not (a and b) or sum((Counter(a) & Counter(b)).values()) < least:  # the most words the blocks can share
        return False
    users = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return sum(block.size for block in users.get_matching_blocks()) >= least


def _near_identical(a: Sequence[str], b: Sequence[str]) -> difflib.SequenceMatcher[str] | None:
    """The matcher of ``a`` and ``b`` if its ``ratio() >= NEAR_IDENTICAL``, else None. Its exact upper bounds are
    read first, before the matcher indexes ``b``: the sizes (``real_quick_ratio``), then the words shared in any
    order (``quick_ratio``, the same sum and division). Most pairs compared are two stories, refused so."""
    total = len(a) + len(b)
    if not total:
        return difflib.SequenceMatcher(None, a, b, autojunk=False)
    if 2.0 * min(len(a), len(b)) / total < NEAR_IDENTICAL:
        return None
    if 2.0 * sum((Counter(a) & Counter(b)).values()) / total < NEAR_IDENTICAL:
        return None
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    return matcher if matcher.ratio() >= NEAR_IDENTICAL else None


def alone_differs(mine: Sequence[Turn], theirs: Sequence[Turn]) -> str | None:
    """Why a cached question's answer does not serve the same question standing alone after other earlier
    turns, or None. Turns about something else leave a question that stands alone as it is ("Do you deliver
    on Sundays?" after any chat: measured on dev, every such pair is a should-hit); the same story with a
    detail changed does not: a condition one side states, names, numbers or dates exchanged, or content
    words replaced; so is a story told in the same frame with its middle exchanged, each side saying a content
    word the other does not (:func:`exchanged_in_frame`: "an INNER JOIN" / "a LEFT JOIN", however unalike the rest
    reads). A detail only added (a date, "I'm on call this week") is left alone: added colour is
    most of what the dev sets add, and the checks above see the additions that matter, as does one that corrects
    the story or binds the answer (:func:`_amended`)."""
    users = _said_by(mine, "user"), _said_by(theirs, "user")
    slot = one_slot(*users) or exchanged_in_frame(*users)
    if slot is not None:
        return f"the same story with a detail changed: {slot}"
    if not same_story(mine, theirs):
        return None
    why = constraints.differ(*users) or _exchanged_facts(*users) or marked_names(*users)
    why = why or changed_detail(_text(mine), _text(theirs))
    why = why or _amended(*users)
    return None if why is None else f"the same story with a detail changed: {why}"


def swapped_contrast(mine: str, theirs: str) -> str | None:
    """Two content words one side sets against each other ("steady, not flashing", "itchy rather than painful")
    that the other side sets the other way round ("flashing, not steady"), or None: the same words, reordered, yet
    the opposite story, which a comparison of the words each side says cannot see."""
    ours, others = _contrasts(mine), _contrasts(theirs)
    swapped = sorted((x, y) for x, y in ours if (y, x) in others and (x, y) not in others)
    if not swapped:
        return None
    x, y = swapped[0]
    return f"{x!r} set against {y!r} vs {y!r} against {x!r}"


def _contrasts(text: str) -> set[tuple[str, str]]:
    """The content words on either side of "not" or "rather than" ("steady, not flashing": steady against
    flashing), as said, the first the one held."""
    words = folded_words(text)
    found = set()
    for n in range(1, len(words)):
        if words[n] == "not":
            against = words[n + 1 : n + 2]
        elif words[n : n + 2] == ["rather", "than"]:
            against = words[n + 2 : n + 3]
        else:
            continue
        if against and _content_word(words[n - 1]) and _content_word(against[0]):
            found.add((words[n - 1], against[0]))
    return found


def _content_word(word: str) -> bool:
    return word not in STOP_WORDS and "'" not in word


def marked_names(mine: str, theirs: str) -> str | None:
    """The names one side marks as a reference or pointer in its code (:data:`_MARKED`) and the other does not,
    or None: the same code told with ``&v`` for ``v`` reads word for word alike, so the checks that compare words
    see nothing changed."""
    a, b = Counter(_MARKED.findall(mine)), Counter(_MARKED.findall(theirs))
    return None if a == b else f"{describe(a - b)} vs {describe(b - a)} marked in the code"


def _amended(mine: str, theirs: str) -> str | None:
    """What a span only one side's user turns add says that corrects the story or binds the answer
    (:func:`constraints.amends`: "correction: the vet says she's actually a pure French bulldog"), or None."""
    a, b = folded_words(mine), folded_words(theirs)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag != "equal":
            why = constraints.amends(" ".join(a[i1:i2] + b[j1:j2]), " ".join(a[:i1] + a[i2:] + b[:j1] + b[j2:]))
            if why is not None:
                return why
    return None


def _exchanged_facts(mine: str, theirs: str) -> str | None:
    """Numbers, dates or names each side states and the other does not (one for another, not one added)."""
    a, b = analyse(mine), analyse(theirs)
    only_a, only_b = unmatched(quantities(a.tokens), quantities(b.tokens))
    if only_a and only_b:
        return f"{describe(q.surface for q in only_a)} vs {describe(q.surface for q in only_b)}"
    dates_a, dates_b = all_dates(a, mine), all_dates(b, theirs)
    if dates_a - dates_b and dates_b - dates_a:
        return f"{describe(dates_a - dates_b)} vs {describe(dates_b - dates_a)}"
    names_a, names_b = a.entities - b.entities, b.entities - a.entities
    if names_a and names_b:
        return f"{describe(names_a)} vs {describe(names_b)}"
    return None


def _shared_start(a: Sequence[str], b: Sequence[str]) -> int:
    return next((n for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b)))


def _text(turns: Sequence[Turn]) -> str:
    return "\n".join(content for _, content in turns)


def _said_by(turns: Sequence[Turn], role: str) -> str:
    return "\n".join(content for who, content in turns if who == role)


_COORDINATORS = frozenset({"and", "or"})


def another_value(words: Sequence[str], start: int, end: int) -> bool:
    """Whether ``words[start:end]``, words one side adds, coordinate a second value in the frame of the words
    before them: "one in eu-west-1 and one in us-east-1" against "both in eu-west-1" splits one thing in two,
    a changed detail, not an aside. The added words (after "and" or "or") say at least ``FRAME`` of the as many
    words before them in the same places, a content word exchanged ("with my mum and my sister" adds a person,
    no frame). The span is first shifted past words it shares with what follows it (a diff may cut "1 and one
    in us east" where "and one in us east 1" is meant)."""
    while end < len(words) and words[start] == words[end]:
        start, end = start + 1, end + 1
    if end - start <= FRAME or words[start] not in _COORDINATORS:
        return False
    added = words[start + 1 : end]
    before = words[start - len(added) : start] if start >= len(added) else ()
    if len(before) != len(added):
        return False
    same = sum(mine == theirs for mine, theirs in zip(added, before, strict=True))
    exchanged = [mine for mine, theirs in zip(added, before, strict=True) if mine != theirs]
    return same >= FRAME and _has_content(exchanged)


def _has_content(tokens: Sequence[str]) -> bool:
    return any(token not in STOP_WORDS or token in _THINGS for token in tokens)
