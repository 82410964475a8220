"""A conversation's first look reads only what can change its verdict, and each reading of one text once (issue 14,
latency): the retold floor of two contexts is read only where their cosine lies between the two values it can take
(:func:`conversation._under_retold_floor`), a context short enough is not counted word by word
(:func:`conversation.comparable`), a text with no month's letters is not searched for calendar days, quantities are
read from the words they can start at, and the question's readings for :func:`conversation.other_referent` are kept
per text. None of it changes a verdict: the tests compare each shortcut with the reading it stands for."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, conversation
from nearhit.cache.conversation import Context
from nearhit.guards.calendar_days import calendar_dates
from nearhit.guards.quantities import quantities
from nearhit.guards.text import tokens_of
from tests.cache.test_conversation_turns import ANSWER, FLOUR, JAR, STORY
from tests.support.lookups import Turns, ask

CAR: Turns = [
    ("user", "My car makes a grinding noise when I brake on the motorway."),
    ("assistant", "Grinding under braking usually means the pads are worn down to the metal."),
]


async def test_another_story_is_refused_without_reading_the_retold_floor(
    guarded_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same question after another story: the row is near enough to be judged at the first look, its turns'
    cosine far under both floors the retold check may read them at, so it is refused as about something else with no
    reading of the turns for the floor (which reads each user turn's stems); the verdict and the reason as before."""
    cache = guarded_cache
    for turns, question in ((JAR, "Does it need a loose lid?"), (FLOUR + STORY, "Does it need a loose lid?")):
        await cache.store(ask(cache, turns, question), f"{ANSWER} ({question})")
    await cache.background.drain()
    floors: list[float] = []
    read = conversation._retold_floor

    def reading(query: Context, cached: Context, whole: bool) -> float:
        floors.append(read(query, cached, whole))
        return floors[-1]

    monkeypatch.setattr(conversation, "_retold_floor", reading)
    first = await cache.first_look(ask(cache, CAR, "Does it need a loose lid?"))
    assert not first.result.hit
    refused = [c for c in first.result.candidates if c.guard == "context"]
    assert refused and all(c.reason and c.reason.startswith(conversation.ABOUT_ELSE) for c in refused), refused
    cosines = [float(c.reason.rsplit("similarity ", 1)[1].split(" ")[0]) for c in refused if c.reason]
    assert all(cosine < conversation.REWORDED_FLOOR for cosine in cosines), cosines
    assert floors == []


@pytest.mark.parametrize("similarity", [0.0, 0.3, 0.5, 0.59, 0.6, 0.65, 0.71, 0.72, 0.75, 0.79])
@pytest.mark.parametrize("whole", [True, False])
def test_the_retold_floor_read_or_not_says_the_same(similarity: float, whole: bool) -> None:
    """:func:`conversation._under_retold_floor` is ``similarity < _retold_floor(...)`` at every cosine, both where it
    reads the floor and where it does not, for contexts whose floor is either value."""
    pairs = [
        (Context(tuple(STORY)), Context((*STORY[:1], ("assistant", "It is hungry: feed it.")))),  # reworded
        (Context(tuple(STORY)), Context(tuple(JAR))),  # a turn swapped: the retold floor
        (Context(tuple(FLOUR + STORY)), Context(tuple(STORY))),  # another shape
    ]
    floors = {conversation._retold_floor(query, cached, whole) for query, cached in pairs}
    both = {conversation.REWORDED_FLOOR, conversation.RETOLD_FLOOR}
    assert floors == (both if whole else {conversation.RETOLD_FLOOR})
    for query, cached in pairs:
        expected = similarity < conversation._retold_floor(query, cached, whole)
        assert conversation._under_retold_floor(query, cached, similarity, whole) is expected


@pytest.mark.parametrize("words", [999, 1000, 1001])
@pytest.mark.parametrize("width", [1, 2])
def test_a_context_is_comparable_as_its_words_count(words: int, width: int) -> None:
    """Short texts are not counted (at most ``(n + 1) // 2`` words in ``n`` characters), at the bound and past it
    the words are: one word a character or two, the tightest a text can be."""
    text = " ".join(["x" * width] * words)
    context = Context((("user", text),))
    assert conversation.comparable(context) is (words <= conversation.MAX_COMPARED_WORDS)


@pytest.mark.parametrize(
    "text",
    [
        "I fly out on 3 May 2025 and back May 21st.",
        "Surgery is booked for the 1st of MARCH, 9am.",
        "It's 12 degrees and I run 5k every day.",
        "Since 4 ſeptember the rent is 900 a month.",
        "Ordered 3 things in DEC 2023, one arrived.",
    ],
)
def test_calendar_days_found_as_before(text: str) -> None:
    """A text with a digit but no month's three letters names no calendar day; one with them is read as before."""
    expected = calendar_dates.__wrapped__(text)
    assert calendar_dates(text) == expected
    assert ("may 3" in expected) is ("3 May" in text)


def test_quantities_are_read_from_their_starts_alone() -> None:
    """Every kind of quantity is found among words that start none, with the spans it had."""
    text = (
        "We were told the trip lasts half an hour, twice a week, for a couple of people and the second stop is "
        "at 5pm; it costs $1,200 or twenty two pounds per cent of nothing, plus an hour and a half of waiting."
    )
    found = [(q.surface, q.value, q.span) for q in quantities(tokens_of(text), articles=True)]
    assert found == [  # as read from every word (main, 398afb32)
        ("half an hour", 0.5, (6, 9)),
        ("twice", 2.0, (9, 10)),
        ("a week", 1.0, (10, 12)),
        ("couple of", 2.0, (14, 16)),
        ("second", 2.0, (19, 20)),
        ("5pm", 5.0, (23, 25)),
        ("$1,200", 1200.0, (28, 29)),
        ("twenty two pounds", 22.0, (30, 33)),
        ("an hour and a half", 1.5, (38, 43)),
    ]
    tokens = tokens_of(text)
    assert all(tokens[start][:1].isdigit() or tokens[start] in _starts() for _, _, (start, _) in found)


def _starts() -> frozenset[str]:
    from nearhit.guards import quantities as module

    return frozenset(module._OPENERS)
