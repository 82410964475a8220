"""A greeting in another language or drawn out, a British "ta" and an interjection of feeling ("hola!", "heyyy",
"eek", "brrr") mark small talk as "hi" and "wow" do (:data:`nearhit.cache.conversation._SMALL_TALK`); "can't wait"
said of something the asker looks forward to is no negation of the story, "can't wait that long" is
(:data:`nearhit.cache.conversation._EAGER`). Invented conversations (none of the datasets' words), on the rule itself
(the contexts' similarity given) and through the cache on the real embedded Redis, the guards on."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, conversation
from nearhit.cache.conversation import Context, differs, fact_free
from nearhit.cache.results import LookupResult
from tests.support.lookups import Turns, ask

TOLD = "my rubber plant is dropping its lower leaves since I moved it by the radiator"
REPLY = ("assistant", "Dry heat from a radiator often makes rubber plants shed their older leaves.")
QUESTION = "how often should I water it now?"


@pytest.mark.parametrize(
    "added",
    [
        "eek, it was a housewarming gift",
        "brrr it's been a cold week for everyone",
        "omg my flatmate keeps calling it Gerald",
        "ta for this, can't wait to see it perk up",
    ],
)
def test_an_interjection_marks_an_aside_inside_a_turn(added: str) -> None:
    plain = Context((("user", TOLD), REPLY))
    aside = Context((("user", f"{TOLD}. {added}"), REPLY))
    assert differs(QUESTION, aside, plain, 0.9) is None
    assert differs(QUESTION, plain, aside, 0.9) is None  # either side may add it


@pytest.mark.parametrize(
    "added",
    [
        "eek, sorry, I meant the one in the bedroom",  # a correction the interjection does not take back
        "I can't wait that long for it to recover",  # how long the asker can wait, not a looking forward
        "oh and I can't wait until next month to repot it",
    ],
)
def test_what_binds_the_story_is_said_more_whatever_the_interjection(added: str) -> None:
    plain = Context((("user", TOLD), REPLY))
    bound = Context((("user", f"{TOLD}. {added}"), REPLY))
    assert differs(QUESTION, bound, plain, 0.9) is not None


def test_a_looking_forward_is_fact_free_a_deadline_is_not() -> None:
    assert fact_free("can't wait 🤩")
    assert fact_free("can't wait for the weekend!")
    assert not fact_free("can't wait for weeks")
    assert not fact_free("I can't wait 2 days")


STORY: Turns = [
    ("user", "The grout between my shower tiles has gone black in the corners."),
    ("assistant", "That is usually mould growing in the grout's pores where water sits."),
]
ANSWER = "Scrub with a diluted bleach solution, rinse, let it dry fully, then seal the grout."
ASKED = "how do I get rid of it?"


async def looked_up(cache: SemanticCache, told: Turns, question: str = ASKED) -> LookupResult:
    """``told`` and ``question`` looked up after :data:`STORY` and :data:`ASKED` were stored with :data:`ANSWER`."""
    await cache.store(ask(cache, STORY, ASKED), ANSWER)
    return await cache.lookup(ask(cache, told, question))


def _greeted_in_spanish(clause: str) -> Turns:
    """The story after a greeting turn in Spanish, ``clause`` added to its first user turn."""
    return [
        ("user", "hola!! 🛁"),
        ("assistant", "Hola! What can I help with?"),
        ("user", f"{STORY[0][1]} {clause}"),
        STORY[1],
    ]


def served(result: LookupResult) -> bool:
    return result.hit and result.answer is not None and result.answer.response == ANSWER


async def test_a_greeting_turn_in_another_language_and_a_looking_forward_are_left_out(
    guarded_cache: SemanticCache,
) -> None:
    result = await looked_up(guarded_cache, _greeted_in_spanish("I can't wait to have a clean bathroom again"))
    assert served(result), result.rejection_reason


async def test_a_question_after_a_looking_forward_is_no_other_question(guarded_cache: SemanticCache) -> None:
    """The negation guard reads the question past an aside closed by emoji ("can't wait 🤩"), which now states
    nothing it compares."""
    result = await looked_up(guarded_cache, STORY, f"can't wait 🤩 {ASKED}")
    assert served(result), result.rejection_reason


async def test_the_trap_nearest_in_shape_still_misses(guarded_cache: SemanticCache) -> None:
    """The same turns with a clause saying how long the asker can wait: a bound on the answer, not small talk."""
    result = await looked_up(guarded_cache, _greeted_in_spanish("eek, I can't wait that long for it to dry out"))
    assert not result.hit, result


def test_a_span_closed_by_emoji_is_marked_as_small_talk() -> None:
    """A span one side adds, no mark of small talk in its words, closed by emoji (:func:`_closed_by_emoji`)."""
    plain = Context((("user", TOLD), REPLY))
    mood = Context((("user", f"{TOLD}. it used to be so glossy 😢"), REPLY))
    assert differs(QUESTION, mood, plain, 0.9) is None
    assert differs(QUESTION, plain, mood, 0.9) is None
    told = Context((("user", f"{TOLD}. it used to be so glossy."), REPLY))  # a sentence about the plant, no mood
    assert differs(QUESTION, told, plain, 0.9) is not None


def test_a_span_closed_by_emoji_that_binds_the_story_is_still_said_more() -> None:
    plain = Context((("user", TOLD), REPLY))
    for added in ("sorry, I meant the fiddle leaf fig 😅", "it's not near the radiator any more 😬"):
        bound = Context((("user", f"{TOLD}. {added}"), REPLY))
        assert differs(QUESTION, bound, plain, 0.9) is not None, added


async def test_an_aside_closed_by_emoji_inside_a_turn_is_served(guarded_cache: SemanticCache) -> None:
    told: Turns = [("user", f"{STORY[0][1]} the grout used to be spotless white 😭"), STORY[1]]
    result = await looked_up(guarded_cache, told)
    assert served(result), result.rejection_reason


async def test_the_same_span_without_its_emoji_still_misses(guarded_cache: SemanticCache) -> None:
    """The trap nearest in shape: the same words, no emoji closing them, a sentence telling of the grout."""
    told: Turns = [("user", f"{STORY[0][1]} the grout used to be spotless white."), STORY[1]]
    result = await looked_up(guarded_cache, told)
    assert not result.hit, result


def test_an_emoji_closing_a_span_is_found_after_letters_casefold_lengthens() -> None:
    # "ß" casefolds to "ss": the word offsets and the emoji's search must read the same string.
    assert conversation._closed_by_emoji("Grüße aus der Straße, she's my baby ❤️ ok", 7)
    assert not conversation._closed_by_emoji("Grüße aus der Straße, she's my baby ok ❤️", 7)


@pytest.mark.parametrize(
    "said",
    [
        "ta",
        "Ta!",
        "ok ta.",
        "cheers, ta",
        "thanks ta x",
        "ta very much",
        "ta for this, can't wait",
        "... for 2024? ta!",
    ],
)
def test_a_british_ta_as_thanks_is_small_talk(said: str) -> None:
    assert conversation.small_talk(said), said


@pytest.mark.parametrize(
    "said",
    ["TA", "T.A.", "my TA said the deadline moved", "I asked my ta about it", "my ta.", "ta-da", "Krallık'ta"],
)
def test_a_teaching_assistant_or_a_ta_inside_a_sentence_is_no_thanks(said: str) -> None:
    assert not conversation.small_talk(said), said


@pytest.mark.parametrize("added", ["TA said so", "it's in the TA office"])
def test_a_span_naming_a_ta_is_said_more_not_small_talk(added: str) -> None:
    """Before, "TA" read as the thanks "ta" marked the span as small talk, and it was let through."""
    plain = Context((("user", TOLD), REPLY))
    told = Context((("user", f"{TOLD}. {added}"), REPLY))
    assert differs(QUESTION, told, plain, 0.9) is not None
    assert differs(QUESTION, plain, told, 0.9) is not None
    thanked = Context((("user", f"{TOLD}. ok ta"), REPLY))
    assert differs(QUESTION, thanked, plain, 0.9) is None  # the thanks still is


async def test_a_ta_is_served_a_teaching_assistant_is_not(guarded_cache: SemanticCache) -> None:
    """Through the cache: the story with a thanks added is served, with a teaching assistant's word added is not."""
    thanked: Turns = [("user", f"{STORY[0][1]} ta!"), STORY[1]]
    assert served(await looked_up(guarded_cache, thanked))
    told: Turns = [("user", f"{STORY[0][1]} TA said so."), STORY[1]]
    result = await guarded_cache.lookup(ask(guarded_cache, told, ASKED))
    assert not result.hit, result
