"""One named thing exchanged in the same words of a long story (:func:`nearhit.cache.exchanged.swapped_thing`):
the rest of the user's turns agree word for word, the assistant's replies speak of each thing, so the whole turns
are not near-identical (and the error each names differs): still another story. Invented conversations, other
words than the dev sets'. Real Redis."""

from __future__ import annotations

from nearhit.cache import SemanticCache, conversation, exchanged
from tests.support.lookups import Turns, ask

QUESTION = "how do I stop it?"
ANSWER = "Retry the write on a lock error, or queue the writes through one worker."
MYSQL: Turns = [
    ("user", "my flask app using mysql throws errors when two requests write at once"),
    ("assistant", "MySQL locks the rows each write touches."),
]
MONGO: Turns = [
    ("user", "my flask app using mongodb throws errors if there are two of the requests writing at the same time"),
    ("assistant", "Concurrent writers conflict on the same documents."),
]


async def test_one_thing_exchanged_in_a_long_story_is_another_story(cache: SemanticCache) -> None:
    """The user turns share 0.73 of their content words (past ``USER_WORDS_SHARE``) and too few words in order for
    the user's-turns check; the whole turns are not near-identical. Served without ``swapped_thing``."""
    await cache.store(ask(cache, MYSQL, QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, MONGO, QUESTION))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    users = [conversation.users_said(conversation.Context(tuple(turns))) for turns in (MONGO, MYSQL)]
    assert exchanged.swapped_thing(*users) == "'mongodb' where the other names 'mysql' in the same words"


async def test_the_same_story_in_the_same_words_is_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, MYSQL, QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, MYSQL, QUESTION))
    assert result.hit, result.rejection_reason


def test_a_form_synonym_or_reworded_start_is_not_a_swap() -> None:
    told = "my flask app using sqlite keeps throwing errors"
    assert exchanged.swapped_thing(told, told.replace("sqlite", "postgres")) is not None
    assert exchanged.swapped_thing(told, told.replace("errors", "error")) is None  # a form
    assert exchanged.swapped_thing(told, told.replace("app", "application")) is None  # shortened
    assert exchanged.swapped_thing(told, told.replace("my flask", "our")) is None  # before the frame
    assert exchanged.swapped_thing(told, told.replace("sqlite", "sqlite 3")) is None  # words added
    assert exchanged.swapped_thing("the app has 3 users now", "the app has 4 users now") is None  # numbers


QUESTION_OWED = "Am I personally on the hook if it can't pay its bills?"
ANSWER_OWED = "The business itself, from its own assets; the owners lose only what they put in."
COMMUNITY_INTEREST: Turns = [
    ("user", "My cousin and I run a small pottery studio as a community interest company."),
    ("assistant", "That's a popular setup for small studios."),
]
PARTNERSHIP: Turns = [
    ("user", "My cousin and I run a small pottery studio as a plain partnership."),
    ("assistant", "That's an easy setup to get going."),
]


async def test_a_longer_name_exchanged_where_nothing_else_differs_is_another_story(cache: SemanticCache) -> None:
    """Every other word of the user's turn agrees, so the whole turns read alike (0.88) though the assistant's
    replies differ (too much for the near-identical texts' detail check); the one stretch exchanged names another
    legal form (:func:`exchanged.swapped_stretch`). Served without it."""
    await cache.store(ask(cache, COMMUNITY_INTEREST, QUESTION_OWED), ANSWER_OWED)
    result = await cache.lookup(ask(cache, PARTNERSHIP, QUESTION_OWED))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    assert "name another thing" in (result.rejection_reason or "")


def test_a_stretch_is_a_swap_only_where_nothing_else_changes() -> None:
    told = "we run a little bike repair shop in town as a registered cooperative."
    assert exchanged.swapped_stretch(told, told.replace("registered cooperative", "family trust")) is not None
    assert exchanged.swapped_stretch(told, told.replace("a registered", "the registered")) is None  # stop words
    assert exchanged.swapped_stretch(told, told.replace("cooperative", "cooperatives")) is None  # a form
    assert exchanged.swapped_stretch(told, told.replace("bike", "cycle").replace("cooperative", "trust")) is None
    assert exchanged.swapped_stretch(told, told.replace("we run", "i own")) is None  # before the frame
    assert exchanged.swapped_stretch(told, told.replace("little bike", "scooter")) is not None
    assert exchanged.swapped_stretch(told, told.replace("in town", "in 2 towns")) is None  # a number


def test_things_exchanged_in_two_places_of_one_frame_are_a_swap() -> None:
    """Invented, not a dev set's: the thing and what goes with it exchanged in one story (two places, each of which
    :func:`exchanged.swapped_stretch` reads alone); a thing added, a number, a synonym or a retelling in other
    words, initials or one thing renamed is no swap of this kind (:func:`exchanged.swapped_slots`)."""
    told = "I'm painting the spare bedroom with a water-based emulsion and a foam roller."
    swapped = told.replace("spare bedroom", "garden fence").replace("foam roller", "spray gun")
    assert exchanged.swapped_slots(told, swapped) == (
        "'spare bedroom' where the other names 'garden fence'; 'foam roller' where the other names 'spray gun'"
    )
    assert exchanged.swapped_slots(told, told.replace("foam roller", "foam roller and a tray")) is None  # added
    assert exchanged.swapped_slots(told, told.replace("a foam", "2 foam")) is None  # a number
    assert exchanged.swapped_slots(told, told.replace("foam roller", "roller").replace("spare", "guest")) is None
    assert exchanged.swapped_slots(told, told.replace("bedroom", "bedrooms")) is None  # a form
    assert exchanged.swapped_slots(told, "doing up the box room, water based paint, rolling it on") is None  # retold
    one_for_one = told.replace("spare", "guest").replace("emulsion", "paint")
    assert exchanged.swapped_slots(told, one_for_one) is None  # a synonym the table lacks, not a thing exchanged
    renamed = told.replace("foam roller", "sponge applicator").replace("painting", "coating")
    assert exchanged.swapped_slots(told, renamed) is None  # one thing renamed, the rest reworded word for word
    initials = "we run a cafe in new mexico and want to hire a barista"
    assert exchanged.swapped_slots(initials, "we operate a cafe in nm and want to take on a barista") is None


def test_a_stop_word_written_as_a_name_names_a_thing() -> None:
    """Invented, not a dev set's: "Go" (a language), "May" (a month) and "Will" (a person) fold to a stop word, so a
    story exchanging one for another name read as nothing exchanged; written capitalised inside a sentence they are
    names (:func:`exchanged.story_words`). At a sentence's start, as "I", or lower-case they stay stop words."""
    told = "I'm porting our little image resizing service to Go."
    assert exchanged.swapped_thing(told, told.replace("Go", "Kotlin")) == (
        "'Go' where the other names 'kotlin' in the same words"
    )
    dated = "we're getting married at a castle in Ayrshire in May, about sixty guests"
    assert exchanged.swapped_stretch(dated, dated.replace("May", "October")) == (
        "'May' where the other names 'october' in the same words"
    )
    named = "I share a flat with Will and he keeps borrowing my bike without asking"
    assert exchanged.swapped_stretch(named, named.replace("Will", "Priya")) is not None
    assert exchanged.swapped_thing(told, told.replace("Go", "go")) is None  # one name, written otherwise
    assert exchanged.story_words("Go on. May I ask? I've got a cat") == [
        "go",
        "on",
        "may",
        "i",
        "ask",
        "i've",
        "got",
        "a",
        "cat",
    ]
    assert exchanged.story_words("the IT desk, then A and Go") == ["the", "it", "desk", "then", "A", "and", "Go"]


def test_an_article_opening_a_stretch_is_not_counted() -> None:
    """Invented: a name of three words exchanged for one the other side says after "a" is a stretch of three words
    (:func:`exchanged._span`); four words after the article are still a rewording."""
    told = "the vet prescribed Metacam oral suspension for my dog's sore hip"
    assert exchanged.swapped_stretch(told, told.replace("Metacam oral suspension", "a gabapentin capsule course"))
    assert (
        exchanged.swapped_stretch(told, told.replace("Metacam oral suspension", "a daily gabapentin capsule course"))
        is None
    )


QUESTION_TESTS = "how do I run just one test?"
ANSWER_TESTS = "Pass the test's name as a filter to the test runner."
IN_GO: Turns = [
    ("user", "I'm adding unit tests to a small web scraper written in Go."),
    ("assistant", "Good call, Go makes testing simple."),
]
IN_KOTLIN: Turns = [
    ("user", "I'm adding unit tests to a small web scraper written in Kotlin."),
    ("assistant", "Good call, Kotlin makes testing simple."),
]


async def test_a_language_named_by_a_stop_word_exchanged_is_another_story(cache: SemanticCache) -> None:
    """Invented: "Go" exchanged for "Kotlin", every other word the same. The whole turns read under the threshold
    (0.71), the user's turns alone alike enough to be compared again (``user_turns``), where the exchange refuses it.
    Served when "Go" folds to the verb."""
    await cache.store(ask(cache, IN_GO, QUESTION_TESTS), ANSWER_TESTS)
    result = await cache.lookup(ask(cache, IN_KOTLIN, QUESTION_TESTS))
    assert not result.hit, result.context
    users = [conversation.users_said(conversation.Context(tuple(turns))) for turns in (IN_GO, IN_KOTLIN)]
    assert exchanged.swapped_thing(*users) == "'Go' where the other names 'kotlin' in the same words"
