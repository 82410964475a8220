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
