"""A guard's veto of a conversation whose turns matched, read again with what the turns supply: small talk around
the question aside, the words the other question names that its own turns say filled in. Invented conversations
(other words than the dev sets'), the real embedded Redis and the local embedder."""

from __future__ import annotations

from nearhit.cache import SemanticCache
from nearhit.cache import conversation as cv
from nearhit.cache.asides import without_asides
from nearhit.cache.turn_reading import filled
from tests.support.lookups import Turns, refused_after_the_same_turns, served_after_the_same_turns

LINKER: Turns = [
    ("user", "my rust build fails with a linker error on windows"),
    ("assistant", "That usually means the MSVC build tools are missing."),
]
MUSIC: Turns = [
    ("user", "I pay for Spotify every month but I barely listen any more"),
    ("assistant", "You can cancel at any time; you keep access until the end of the billing period."),
]


def test_small_talk_around_the_question_is_set_aside_unless_the_other_says_it_too() -> None:
    asked = "gotcha, appreciate it 🙏 how do I install them?"
    assert without_asides(asked, "how do I install them?") == "how do I install them?"
    assert without_asides(asked, asked) == asked  # both say it: nothing one side says alone
    # A span that states a fact or binds the answer is no aside, whatever closes it.
    assert without_asides("on windows 11 🙏 how do I install them?", "x") == "on windows 11 🙏 how do I install them?"
    assert without_asides("for my kids 🙏 how do I install them?", "x") == "for my kids 🙏 how do I install them?"


def test_a_question_is_filled_in_with_what_its_turns_say_of_the_other_question() -> None:
    context = cv.Context(tuple(MUSIC))
    assert filled(context, "how do I cancel my plan?", "how do I cancel my Spotify plan?") == (
        "how do I cancel my plan Spotify?"
    )
    # A word its turns never say, or a question naming a thing of its own, is not filled in.
    assert filled(context, "how do I cancel my plan?", "how do I cancel my Tidal plan?") == "how do I cancel my plan?"
    two = cv.Context((("user", "I have a petrol car and a diesel van"), ("assistant", "OK.")))
    assert filled(two, "does the petrol one pay the charge?", "does the diesel one pay the charge?") == (
        "does the petrol one pay the charge?"
    )


async def test_small_talk_before_the_question_does_not_veto_it(guarded_cache: SemanticCache) -> None:
    stored, asked = "how do I install them?", "gotcha, appreciate it 🙏 how do I install them?"
    await served_after_the_same_turns(guarded_cache, LINKER, stored, asked, "build tools answer")


async def test_a_name_its_turns_say_does_not_veto_it(guarded_cache: SemanticCache) -> None:
    await served_after_the_same_turns(
        guarded_cache, MUSIC, "how do I cancel my plan?", "how do I cancel my Spotify plan?", "cancel answer"
    )


async def test_a_name_its_turns_do_not_say_still_vetoes(guarded_cache: SemanticCache) -> None:
    streaming: Turns = [
        ("user", "I pay for a music streaming service every month but I barely listen any more"),
        ("assistant", "You can cancel at any time; you keep access until the end of the billing period."),
    ]
    await refused_after_the_same_turns(
        guarded_cache, streaming, "how do I cancel my plan?", "how do I cancel my Spotify plan?", answer="cancel answer"
    )


async def test_another_thing_the_turns_named_still_vetoes(guarded_cache: SemanticCache) -> None:
    vehicles: Turns = [("user", "I have a petrol car and a diesel van, both from 2014"), ("assistant", "OK.")]
    stored = "does the diesel one need to pay the clean air charge?"
    asked = "does the petrol one need to pay the clean air charge?"
    await refused_after_the_same_turns(guarded_cache, vehicles, stored, asked, answer="diesel answer")


async def test_a_single_question_after_the_same_turns_is_read_with_them_too(guarded_cache: SemanticCache) -> None:
    """A question that stands alone after the turns is stored as a single question with its turns beside it; the
    follow-up asked after the same turns meets it in the single-question paths, read there with its turns too."""
    await served_after_the_same_turns(
        guarded_cache, MUSIC, "How do you cancel a Spotify plan?", "how do I cancel the plan?", "cancel answer"
    )


BREAD: Turns = [
    ("user", "My sourdough loaves keep coming out dense and gummy in the middle."),
    ("assistant", "That usually means the dough is underproofed, or the loaf was sliced while still warm."),
]


async def test_a_should_a_question_word_opens_asks_what_a_how_to_asks_after_the_same_turns(
    guarded_cache: SemanticCache,
) -> None:
    stored, asked = "how do I fix the crumb?", "what should I change to get a more open crumb?"
    await served_after_the_same_turns(guarded_cache, BREAD, stored, asked, "proofing answer")


async def test_should_i_still_asks_whether_after_the_same_turns(guarded_cache: SemanticCache) -> None:
    await refused_after_the_same_turns(
        guarded_cache, BREAD, "how do I proof it for longer?", "should I proof it for longer?", answer="proofing answer"
    )


PASSPORT: Turns = [
    ("user", "My passport runs out in four months and I'm flying to Vietnam next week."),
    ("assistant", "Many countries want six months of validity left on arrival, so it's worth checking."),
]
SHOP: Turns = [
    ("user", "I'm opening a small bakery in Leeds, selling bread and pastries."),
    ("assistant", "You'll need to register it as a food business with the council."),
]


async def test_a_whether_asked_as_a_choice_of_two_asks_what_one_of_them_asks_after_the_same_turns(
    guarded_cache: SemanticCache,
) -> None:
    stored, asked = "do I have to renew it before I go?", "can I travel on it as it is, or must I renew it first?"
    await served_after_the_same_turns(guarded_cache, PASSPORT, stored, asked, "renew answer")


async def test_a_must_after_a_phrase_asking_a_time_asks_when_after_the_same_turns(guarded_cache: SemanticCache) -> None:
    stored, asked = "when do I have to register by?", "how far in advance do I need to register?"
    await served_after_the_same_turns(guarded_cache, SHOP, stored, asked, "registration answer")


async def test_can_i_against_must_i_still_asks_another_thing_after_the_same_turns(guarded_cache: SemanticCache) -> None:
    await refused_after_the_same_turns(
        guarded_cache, PASSPORT, "must I renew it before I go?", "can I renew it before I go?", answer="renew answer"
    )


BOOKS: Turns = [
    ("user", "I run a tiny sole trader bookkeeping business from home, turnover about 40k."),
    ("assistant", "At that turnover you're under the VAT registration threshold."),
]


def test_an_actually_that_stresses_the_asking_and_a_closing_or_not_state_nothing() -> None:
    assert cv.asked_plainly("can I actually trust it?") == "can I trust it?"
    assert cv.asked_plainly("do we have to register or not?") == "do we have to register?"
    assert cv.states_more("when do repayments actually start?", "when do I start repaying?") is None
    # An "actually" that corrects the story still does.
    assert cv.states_more("actually it's a diesel. how often should I service it?", "how often should I service it?")


def test_a_story_told_as_one_question_reads_its_questions_plainly_and_its_statements_as_told() -> None:
    """Told as one question (``told``), an "actually" inside a question that opens with a question word or an
    auxiliary stresses the asking, however many words stand before it; one in a statement still amends the story."""
    story = "I fix up old road bikes and sell them on.\nwhich insurance do I actually need?"
    assert cv.states_more(story, "which insurance do I need for selling old road bikes?", told=True) is None
    violin = "my daughter started the violin.\nhow often should a beginner actually practise?"
    assert cv.states_more(violin, "how often should a beginner practise the violin?", told=True) is None
    amended = "I fix up old road bikes. actually they are e-bikes.\nwhich insurance do I need?"
    assert cv.states_more(amended, "which insurance do I need for selling old road bikes?", told=True) is not None
    assert cv.states_more("wait, it's actually a diesel, what oil?", "what oil does it take?", told=True) is not None


async def test_a_question_closed_by_or_not_asks_what_it_asks_without_it_after_the_same_turns(
    guarded_cache: SemanticCache,
) -> None:
    stored, asked = "do I still need to register for VAT?", "so do I have to register for VAT or not?"
    await served_after_the_same_turns(guarded_cache, BOOKS, stored, asked, "vat answer")
