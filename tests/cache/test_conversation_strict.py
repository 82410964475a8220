"""The strict setting (``NEARHIT_CONVERSATION_STRICT``, :mod:`nearhit.cache.strict`): a conversation's hit is refused
whenever one side's user turns say something the other side's do not, whichever stage served it and whichever side
is a single question; the very same history, or one reworded with nothing added, still hits. The beech box is the fit
trap nhc104-constraint_added-010, shortened, which the default settings serve. The real embedded Redis and the local
embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, conversation, strict
from nearhit.cache.conversation import Context
from nearhit.cache.results import LookupResult
from nearhit.cache.strict import REFUSED_BY
from nearhit.config import Settings, load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap
from tests.support.cleanup import close_and_forget
from tests.support.lookups import Turns, ask, assert_refused, assert_served

AFTER = ("assistant", "Good luck with it, most people are fine within a few days.")
EXTRACTION = "I've got a tooth extraction booked for next Tuesday."
PREPARE = "anything I should do to prepare?"
BOX = "I've made a small beech box with a sliding lid as a gift"
FINISH = "What finish should I use on it?"
NEPHEW = " for my nephew, who's 1"


async def _looked_up(
    cache: SemanticCache, strict: bool, stored: Turns, stored_question: str, asked: Turns, question: str
) -> tuple[str, LookupResult]:
    cache.conversation_strict = strict
    key = await cache.store(ask(cache, stored, stored_question), "an answer")
    return key, await cache.lookup(ask(cache, asked, question))


def _refused_strictly(result: LookupResult, span: str) -> None:
    assert not result.hit and result.rejected_by == REFUSED_BY, (result.rejected_by, result.candidates)
    assert result.rejection_reason is not None and span in result.rejection_reason
    refused = [c for c in result.candidates if c.guard == REFUSED_BY]
    assert (
        len(refused) == 1 and refused[0].outcome == "rejected_by_guard" and refused[0].reason == result.rejection_reason
    )


@pytest.mark.parametrize("strict", [False, True])
async def test_warfarin_added_is_refused_either_way(guarded_cache: SemanticCache, strict: bool) -> None:
    # The default settings refuse this already (a medicine is a condition: constraints.json); strict changes nothing.
    warfarin: Turns = [("user", f"{EXTRACTION} I'm on warfarin."), AFTER]
    _, result = await _looked_up(guarded_cache, strict, [("user", EXTRACTION), AFTER], PREPARE, warfarin, PREPARE)
    assert_refused(result, "one side mentions 'heart and blood pressure'")
    assert result.rejected_by == "context"


@pytest.mark.parametrize(
    ("stored", "stored_question", "asked", "question", "span"),
    [
        # a follow-up after turns that add a condition, and the other way round
        ([("user", f"{BOX}."), AFTER], FINISH, [("user", f"{BOX}{NEPHEW}."), AFTER], FINISH, "this conversation says"),
        ([("user", f"{BOX}{NEPHEW}."), AFTER], FINISH, [("user", f"{BOX}."), AFTER], FINISH, "the stored one says"),
        # a conversation served a single question's answer (as one question), and a single question served a
        # conversation's (from its story): the single question stands for its side's user turns
        ([], f"{BOX}. {FINISH}", [("user", f"{BOX}{NEPHEW}."), AFTER], FINISH, "this conversation says"),
        ([("user", f"{BOX}{NEPHEW}."), AFTER], FINISH, [], f"{BOX}. {FINISH}", "the stored one says"),
    ],
    ids=["added", "left-out", "conversation-asked-single-stored", "single-asked-conversation-stored"],
)
async def test_a_side_saying_more_is_refused_only_when_strict(
    guarded_cache: SemanticCache, stored: Turns, stored_question: str, asked: Turns, question: str, span: str
) -> None:
    key, served = await _looked_up(guarded_cache, False, stored, stored_question, asked, question)
    assert_served(served, key)  # the default: served, as the base serves the fit trap
    _, result = await _looked_up(guarded_cache, True, stored, stored_question, asked, question)
    _refused_strictly(result, f'{span} "for my nephew who\'s 1"')
    assert result.context is None and result.similarity is not None


@pytest.mark.parametrize(
    ("asked", "question", "match"),
    [
        ([("user", EXTRACTION), AFTER], PREPARE, "exact"),  # the byte-identical history
        ([("user", EXTRACTION), AFTER], "how should I get ready for it?", "semantic"),  # the same turns
        ([("user", "I have a tooth extraction booked for next Tuesday."), AFTER], PREPARE, "semantic"),  # reworded
        ([("user", "Next Tuesday the dentist is pulling one of my teeth out."), AFTER], PREPARE, "semantic"),
    ],
    ids=["identical", "same-turns", "reworded-in-place", "reworded"],
)
async def test_nothing_said_more_still_hits(
    guarded_cache: SemanticCache, asked: Turns, question: str, match: str
) -> None:
    key, result = await _looked_up(guarded_cache, True, [("user", EXTRACTION), AFTER], PREPARE, asked, question)
    assert_served(result, key)
    assert result.match == match


async def test_the_setting_reaches_the_cache(
    settings: Settings, local_embedder: LocalEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.conversation_strict is False
    monkeypatch.setenv("NEARHIT_CONVERSATION_STRICT", "true")
    strict = load_settings(redis_url=settings.redis_url, data_dir=settings.data_dir, index_name=settings.index_name)
    assert strict.conversation_strict is True
    cache = await bootstrap.open_cache(strict, local_embedder)
    try:
        assert cache.conversation_strict is True
    finally:
        await close_and_forget(cache)


def test_turns_too_long_to_compare_are_refused_without_comparing_them() -> None:
    """Turns over ``MAX_COMPARED_WORDS`` on either side are never compared word by word (difflib's time is quadratic
    in the words: 100,000 characters against 5,000 held the event loop ~0.2 s, against themselves ~5 s): refused as
    too long, as no stage serves such a conversation more than its exact repeat."""
    story = "I keep my sourdough starter on the counter and feed it rye flour twice a day, but it smells off. "
    long = Context(tuple(turn for n in range(120) for turn in (("user", f"{story}({n})"), AFTER)))
    short = Context((("user", EXTRACTION), AFTER))
    assert not conversation.comparable(long) and conversation.comparable(short)
    for turns, stored in ((short, long), (long, short), (long, None), (None, long)):
        why = strict.refuses(PREPARE, turns, PREPARE, stored)
        assert why is not None and "too long to compare" in why and strict.too_long(turns, stored), why
    assert strict.refuses(PREPARE, short, PREPARE, short) is None and not strict.too_long(short, short)
