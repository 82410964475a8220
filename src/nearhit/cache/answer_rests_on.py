"""A stored answer that takes up what its conversation said and the asking one does not.

"I'm 28 weeks pregnant" added to one side's turns reads, from the turns alone, like "my name is Sam" added: both are
a span one side says and the other does not (:func:`conversation.said_more_spans`). The stored answer tells them
apart where the stored side is the one that says more: an answer written for a pregnant asker mentions the pregnancy
("in the third trimester, ..."), an answer for Sam does not mention Sam. So a candidate whose stored answer names a
content word (its stem or synonym class) or a number of such a span, one the asking conversation (its turns and its
question) says nowhere, is refused: the answer rests on what this conversation does not say. An empty stored answer or
a tool call (:func:`stored_answer.decode`) gives no signal. Read at no round trip: a KNN row carries the answer.
"""

from __future__ import annotations

import re

from nearhit.cache import conversation, stored_answer
from nearhit.guards.content import content_words, same_word
from nearhit.guards.text import analyse

__all__ = ["read", "refuses"]

_NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")
"""A number as written, not the digits ending a name ("v2", "nhc93")."""
TAKEN_SHARE = 1 / 3
"""The least share of a span's content words and numbers the answer must take up: a pregnancy the answer is about
("I'm 20 weeks pregnant": "at 20 weeks pregnant, ...") against one word of a passing sentence an answer says anyway
("it's my first 'proper' watch and I'm a bit obsessed with timing it": "... for your watch"). Chosen on the fit
sets' answers (v86..v93 dev; benchmarks/README.md, an40)."""
_TALK = frozenset(content_words(analyse("ask answer reply correction typo")))
"""Words that name the talk's own turns, which an answer says of any talk ("Good question!", "to answer that"), not
what it rests on: a closed class (the lexicon already reads "question", "thanks", "sorry" as no content word)."""


def refuses(
    question: str, asking: conversation.Context, cached: conversation.Context, asked: str, response: str
) -> str | None:
    """Why the stored answer ``response`` (to ``asked`` after ``cached``) does not serve ``question`` asked after
    ``asking``, read both ways (:func:`read`), or None. The reason quotes the spans as the user turns say them."""
    found = read(question, asking, cached, asked, response)
    if found.get("rests_on"):
        spans = "; ".join(span for span, _ in found["rests_on"])
        return f"the stored answer rests on {spans!r}, which this conversation does not say"
    if found.get("names_added"):
        spans = "; ".join(span for span, _ in found["names_added"])
        return f"the stored answer names {spans!r}, which only this conversation says, as another case"
    return None


def read(
    question: str, asking: conversation.Context, cached: conversation.Context, asked: str, response: str
) -> dict[str, list[tuple[str, list[str]]]]:
    """Each direction's spans the stored answer takes up, with the words it takes up (none: an empty or tool-call
    answer). ``rests_on``: what ``cached``'s user turns say more, which the answer says and ``asking`` (its turns and
    ``question``) never does. ``names_added``: what ``asking``'s user turns say more, which the answer names as a case
    of its own ("If your mum has a Blue Badge, different rules ...") and its own conversation (``cached``, then
    ``asked``) never says."""
    text, calls = stored_answer.decode(response)
    if calls or not text.strip():
        return {}
    mine, theirs = conversation.users_said(asking), conversation.users_said(cached)
    sides = {
        "rests_on": (
            conversation.said_more_spans(mine, theirs, afterthoughts=True),
            f"{asking.text}\n{question}",
            f"{theirs}\n{asked}",
        ),
        "names_added": (
            conversation.said_more_spans(theirs, mine, afterthoughts=True),
            f"{cached.text}\n{asked}",
            None,
        ),
    }
    found = {
        way: [(span, _taken_up(span, said, text, story)) for span in spans]
        for way, (spans, said, story) in sides.items()
    }
    return {way: [(span, taken) for span, taken in spans if taken] for way, spans in found.items()}


def _taken_up(span: str, said: str, answer: str, story: str | None = None) -> list[str]:
    """The content words (by stem or synonym class) and numbers of ``span`` that ``answer`` says and ``said`` does
    not; none unless they are at least :data:`TAKEN_SHARE` of the span's, or (``story``: the stored side's own user
    turns and question, for a span the stored side says more) a larger share of the span's than the answer takes up
    of the rest of that story, of which it takes up something (:func:`_more_than_the_story`)."""
    words, told, answered = (content_words(analyse(text)) for text in (span, said, answer))
    kinds = {kind: stem for kind, stem in words.items() if kind not in _TALK}
    taken = [
        stem for kind, stem in kinds.items() if not same_word(kind, stem, told) and same_word(kind, stem, answered)
    ]
    numbers = list(dict.fromkeys(_NUMBER.findall(span)))
    said_numbers, answered_numbers = set(_NUMBER.findall(said)), set(_NUMBER.findall(answer))
    taken += [n for n in numbers if n not in said_numbers and n in answered_numbers]
    share = len(taken) / max(len(kinds) + len(numbers), 1)
    if taken and (share >= TAKEN_SHARE or (story is not None and _more_than_the_story(share, kinds, story, answered))):
        return taken
    return []


def _more_than_the_story(share: float, span: dict[str, str], story: str, answered: dict[str, str]) -> bool:
    """Whether the answer takes up ``share`` of a span, more than the share of the rest of the stored story's content
    words it says (at least one): an answer that says one word of "she dropped her tail yesterday when the cat spooked
    her" ("until the tail stump has healed") and hardly a word of the rest rests on the span; one that says "watch"
    of "it's my first 'proper' watch" and most of the rest ("lying dial up", "position", "gains 8 s/day") does not."""
    rest = {
        kind: stem for kind, stem in content_words(analyse(story)).items() if kind not in _TALK and kind not in span
    }
    said = sum(1 for kind, stem in rest.items() if same_word(kind, stem, answered))
    return said > 0 and share > said / len(rest)
