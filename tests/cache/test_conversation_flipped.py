"""The same frame of the user's turns said with a negation or a quantity changed, or with the asker and another
person in each other's parts (:func:`nearhit.cache.exchanged.flipped`, :func:`~exchanged.roles_exchanged`): every
other word agrees, so the turns read alike however opposite the stories. Invented conversations, other words than
the dev sets'. Real Redis."""

from __future__ import annotations

from nearhit.cache import SemanticCache, conversation, exchanged
from tests.support.lookups import Turns, ask

QUESTION = "what should I do now?"
ANSWER = "Run a test restore into a scratch database before you rely on the backups."
UNTESTED: Turns = [
    ("user", "I set up a nightly cron job on the box that dumps our Postgres db to S3, haven't tested a restore yet"),
    ("assistant", "Nightly dumps to S3 are a good start."),
]
TESTED: Turns = [
    ("user", "I set up a nightly cron job that dumps our Postgres db to S3, already tested a restore and it worked"),
    ("assistant", "Nightly dumps to S3 are a good start."),
]


async def test_a_negation_changed_in_the_same_frame_is_another_story(cache: SemanticCache) -> None:
    """The whole turns read near-identical and no other check reads the negation in the turns: served without
    :func:`exchanged.flipped`."""
    await cache.store(ask(cache, UNTESTED, QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, TESTED, QUESTION))
    assert not result.hit and result.rejected_by == "context", result.rejection_reason
    assert "a negation" in (result.rejection_reason or "")
    users = [conversation.users_said(conversation.Context(tuple(turns))) for turns in (TESTED, UNTESTED)]
    assert exchanged.flipped(*users) == "'already' where the other says \"haven't\": a negation"


async def test_the_same_negation_said_again_is_served(cache: SemanticCache) -> None:
    await cache.store(ask(cache, UNTESTED, QUESTION), ANSWER)
    result = await cache.lookup(ask(cache, UNTESTED, QUESTION))
    assert result.hit, result.rejection_reason


def test_a_negation_or_quantity_flips_only_in_the_same_frame() -> None:
    told = "the landlord fixed the boiler last week but the radiators are not warming up"
    assert exchanged.flipped(told, told.replace("are not", "are")) is not None
    assert exchanged.flipped(told, told.replace("are not", "aren't")) is None  # said both ways
    assert exchanged.flipped(told, told.replace("not warming", "still not warming")) is None  # the same negation
    assert exchanged.flipped(told, told.replace("boiler", "heater").replace("are not", "are")) is not None
    assert exchanged.flipped(told, told.replace("radiators are not", "pipes are")) is None  # content words: others'
    assert exchanged.flipped("no not the boiler", "the boiler") is None  # before the frame
    tiles = "I'm regrouting the bathroom and some of the tiles are loose"
    quantity = "'some' where the other says 'all': another quantity"
    assert exchanged.flipped(tiles, tiles.replace("some", "all")) == quantity
    assert exchanged.flipped(tiles, tiles.replace("some", "none")) == "'some' where the other says 'none': a negation"
    assert exchanged.flipped(tiles, tiles.replace("some of", "most of")) is not None
    assert exchanged.flipped(tiles, tiles.replace("some of", "several of")) is None  # one class
    assert exchanged.flipped(tiles, tiles.replace("some of the", "the")) is None  # a quantity left out


def test_a_no_that_answers_or_numbers_negates_nothing() -> None:
    told = "the backups run nightly, and we've never restored one"
    assert exchanged.flipped(told, told.replace("and we've", "and no, we've")) is None
    played = "I'm learning the Nocturne in E flat, op 9 no 2, and my left hand keeps rushing"
    assert exchanged.flipped(played, played.replace("no 2", "No. 2")) is None


def test_the_asker_and_another_in_each_others_parts() -> None:
    told = "a cyclist clipped my mirror while I was parked, and he says it was my fault"
    swapped = "a cyclist clipped my mirror while he was parked, and I say it was his fault"
    assert exchanged.roles_exchanged(told, swapped) == "the asker and another person in each other's parts"
    assert exchanged.roles_exchanged(told, told.replace("my fault", "their fault")) is None  # one way only
    assert exchanged.roles_exchanged(told, told) is None
    assert exchanged.roles_exchanged(told, "my mirror got hit, whose fault is it") is None  # another frame
    ridden = "on the towpath the other rider went into me, it was their fault"
    assert exchanged.roles_exchanged(ridden, "on the towpath I went into another rider, it was my fault") is not None
