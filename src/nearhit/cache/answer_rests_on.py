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

__all__ = ["names_added", "refuses", "rests_on"]

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
    ``asking``, read both ways (:func:`rests_on`, :func:`names_added`), or None."""
    return rests_on(question, asking, cached, response) or names_added(question, asking, cached, asked, response)


def rests_on(question: str, asking: conversation.Context, cached: conversation.Context, response: str) -> str | None:
    """Why the stored answer ``response`` (of the turns ``cached``) does not serve ``question`` asked after ``asking``,
    or None: the words of what ``cached``'s user turns say more that the answer takes up and ``asking`` never says."""
    text, calls = stored_answer.decode(response)
    if calls or not text.strip():
        return None
    spans = conversation.said_more_spans(conversation.users_said(asking), conversation.users_said(cached))
    if not spans:
        return None
    said = f"{asking.text}\n{question}"
    taken = [word for span in spans for word in _taken_up(span, said, text)]
    if not taken:
        return None
    return f"the stored answer rests on {', '.join(taken)!r}, which this conversation does not say"


def names_added(
    question: str, asking: conversation.Context, cached: conversation.Context, asked: str, response: str
) -> str | None:
    """The other direction: what ``asking``'s user turns say more that the stored answer names as a case of its own
    ("If your mum has a Blue Badge, different rules ..."), its stored conversation (``cached``, then ``asked``) never
    saying it: the answer tells that case apart from the one it answered. None otherwise."""
    text, calls = stored_answer.decode(response)
    if calls or not text.strip():
        return None
    spans = conversation.said_more_spans(conversation.users_said(cached), conversation.users_said(asking))
    said = f"{cached.text}\n{asked}"
    taken = [word for span in spans for word in _taken_up(span, said, text)]
    if not taken:
        return None
    return f"the stored answer names {', '.join(taken)!r}, which only this conversation says, as another case"


def _taken_up(span: str, said: str, answer: str) -> list[str]:
    """The content words (by stem or synonym class) and numbers of ``span`` that ``answer`` says and ``said`` does
    not, as the span writes them; none unless they are at least :data:`TAKEN_SHARE` of the span's."""
    words, told, answered = (content_words(analyse(text)) for text in (span, said, answer))
    kinds = {kind: stem for kind, stem in words.items() if kind not in _TALK}
    taken = [
        stem for kind, stem in kinds.items() if not same_word(kind, stem, told) and same_word(kind, stem, answered)
    ]
    numbers = list(dict.fromkeys(_NUMBER.findall(span)))
    said_numbers, answered_numbers = set(_NUMBER.findall(said)), set(_NUMBER.findall(answer))
    taken += [n for n in numbers if n not in said_numbers and n in answered_numbers]
    return taken if len(taken) >= TAKEN_SHARE * (len(kinds) + len(numbers)) else []
