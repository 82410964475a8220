"""A history told again in other words, in the same turns, is the same context under the contexts' threshold;
a turn added, or a detail swapped in the same frame, is not (invented conversations, other words than the
dev sets')."""

from __future__ import annotations

from nearhit.cache import SemanticCache, story
from nearhit.cache.conversation import (
    CONTEXT_THRESHOLD,
    OTHER_TURNS_FLOOR,
    RETOLD_FLOOR,
    REWORDED_FLOOR,
    Context,
    differs,
    retold,
)
from tests.support.lookups import Turns, ask

FAN: Turns = [
    ("user", "My laptop fan gets very loud whenever I join video calls."),
    ("assistant", "Video calls are heavy on the processor."),
]
FAN_RETOLD: Turns = [
    ("user", "During online meetings my notebook's cooling fan gets noisy."),
    ("assistant", "Calls use a lot of CPU, so the fan spins up."),
]
TENT: Turns = [
    ("user", "I'm pitching my tent at a quiet campsite in Wales."),
    ("assistant", "Campsites usually have flat pitches."),
]
TENT_SWAPPED: Turns = [
    ("user", "I'm pitching my tent beside a river during a storm in Wales."),
    ("assistant", "Rivers can rise fast in heavy rain."),
]
BAND = (RETOLD_FLOOR + CONTEXT_THRESHOLD) / 2


def test_a_swap_in_the_same_frame_is_read_though_the_spans_share_a_word() -> None:
    mine, theirs = TENT[0][1], TENT_SWAPPED[0][1]
    assert story.one_slot(mine, theirs) is None  # "a" alike inside both spans: two changes to one_slot
    assert story.framed_swap(mine, theirs) is not None
    assert story.framed_swap(FAN[0][1], FAN_RETOLD[0][1]) is None


def test_a_history_retold_in_the_same_turns_is_the_same_context_under_the_threshold() -> None:
    assert differs("How do I quiet it?", Context(tuple(FAN_RETOLD)), Context(tuple(FAN)), BAND) is None
    assert differs("How do I quiet it?", Context(tuple(FAN_RETOLD)), Context(tuple(FAN)), REWORDED_FLOOR - 0.01)


def test_a_detail_swapped_or_a_turn_added_is_no_history_retold() -> None:
    assert not retold(Context(tuple(TENT_SWAPPED)), Context(tuple(TENT)))
    assert differs("Is it safe?", Context(tuple(TENT_SWAPPED)), Context(tuple(TENT)), BAND) is not None
    added: Turns = [*FAN_RETOLD, ("user", "Oh, and I also run a game in the background."), ("assistant", "I see.")]
    assert not retold(Context(tuple(added)), Context(tuple(FAN)))
    assert differs("How do I quiet it?", Context(tuple(added)), Context(tuple(FAN)), BAND) is not None


async def test_a_retold_history_is_served_through_the_cache(cache: SemanticCache) -> None:
    await cache.store(ask(cache, FAN, "How do I make it quieter?"), "lower the video resolution")
    result = await cache.lookup(ask(cache, FAN_RETOLD, "How do I make it quieter?"))
    assert result.hit and result.answer is not None and result.answer.response == "lower the video resolution"
    assert result.context is not None and RETOLD_FLOOR <= float(str(result.context["similarity"])) < CONTEXT_THRESHOLD


def test_a_turn_with_words_added_is_no_history_retold() -> None:
    """A clause added inside a turn (a condition no word list names) is left to the checks above the threshold."""
    added: Turns = [("user", FAN[0][1].replace("calls.", "calls from my garden shed in winter.")), FAN[1]]
    assert not retold(Context(tuple(added)), Context(tuple(FAN)))
    assert differs("How do I quiet it?", Context(tuple(added)), Context(tuple(FAN)), BAND) is not None


CEILING: Turns = [
    ("user", "I'm repainting our bathroom ceiling because the old paint peels off in flakes after every hot shower."),
    ("assistant", "Steam is hard on ceiling paint."),
]
CEILING_SPLIT: Turns = [
    ("user", "Our bathroom ceiling needs a new coat."),
    ("assistant", "What's happening to the current one?"),
    ("user", "It flakes off after hot showers."),
    ("assistant", "Typical of steam and a non-bathroom paint; mould can start too."),
]
CEILING_KITCHEN: Turns = [("user", "Our kitchen ceiling needs a new coat."), *CEILING_SPLIT[1:]]


def test_a_story_told_in_other_turns_is_retold_unless_a_turn_adds_to_it_or_swaps_a_detail() -> None:
    """The user's turns split otherwise ("Our bathroom ceiling needs a new coat." "It flakes off after hot
    showers.") tell one story; the very turns with a turn added, a turn whose counterpart (the most content words
    shared) is it with a word exchanged in the same frame ("bathroom" / "kitchen"), or a turn with no counterpart
    do not."""
    split, whole = Context(tuple(CEILING_SPLIT)), Context(tuple(CEILING))
    assert retold(split, whole) and retold(whole, split)
    assert differs("What do I do before painting?", split, whole, BAND) is None
    assert differs("What do I do before painting?", split, whole, OTHER_TURNS_FLOOR - 0.01) is not None
    unanswered = Context(tuple(CEILING_SPLIT[:3]))  # another shape: no assistant turn after the last
    assert retold(unanswered, split)
    kitchen = (CEILING_KITCHEN[0], CEILING_KITCHEN[1], ("user", "Every hot shower makes the paint come away."))
    assert retold(Context((CEILING_SPLIT[0], *kitchen[1:])), split)
    assert not retold(Context(kitchen), split)
    added: Turns = [*CEILING, ("user", "It flakes off after hot showers."), ("assistant", "Steam does that.")]
    assert not retold(Context(tuple(added)), whole)
    unmatched: Turns = [*CEILING_SPLIT, ("user", "We rent, by the way."), ("assistant", "Ok.")]
    assert not retold(Context(tuple(unmatched)), whole)


def test_a_story_told_in_other_turns_is_judged_by_the_checks_from_the_other_turns_floor() -> None:
    """Told in another number of turns, a story is judged by the story checks down to :data:`OTHER_TURNS_FLOOR`,
    whether or not the assistant rewords its turns too (rh29: the assistant's very words once kept
    :data:`RETOLD_FLOOR` here, as they still do for a story told in the same turns)."""
    split, whole = Context(tuple(CEILING_SPLIT)), Context(tuple(CEILING))
    between = (REWORDED_FLOOR + RETOLD_FLOOR) / 2
    assert differs("What do I do before painting?", split, whole, between) is None
    same_reply = Context((CEILING_SPLIT[0], CEILING_SPLIT[2], CEILING[1]))
    assert retold(same_reply, whole)
    assert differs("What do I do before painting?", same_reply, whole, between) is None
    assert differs("What do I do before painting?", same_reply, whole, OTHER_TURNS_FLOOR - 0.01) is not None


async def test_a_story_told_in_other_turns_is_served_through_the_cache(cache: SemanticCache) -> None:
    """Served by the retold band. The same split story about another room (0.71 here) is served too since rq25's
    reworded floor for other turns: a word swapped inside a story told in other words is no trap any dev set
    writes (benchmarks/README.md, rq25), and the same turns with it swapped are no history retold (above)."""
    await cache.store(ask(cache, CEILING, "What should I do before I paint it?"), "use a mould-resistant primer")
    result = await cache.lookup(ask(cache, CEILING_SPLIT, "What should I do before I paint it?"))
    assert result.hit, (result.rejected_by, result.rejection_reason)
    assert result.answer is not None and result.answer.response == "use a mould-resistant primer"
    assert result.context is not None and RETOLD_FLOOR <= float(str(result.context["similarity"])) < CONTEXT_THRESHOLD


STOVE: Turns = [
    ("user", "Our wood stove glass turns black within a day, and the logs we buy are a bit wet."),
    ("assistant", "Wet wood burns cool and leaves soot on the glass."),
]
STOVE_ASKED: Turns = [
    ("user", "the glass on our wood stove goes black really fast"),
    ("assistant", "What are you burning in it?"),
    ("user", "just the cheap bags from the garage, they feel damp"),
    ("assistant", "Damp fuel burns cool and soots the glass."),
]


def test_a_turn_sharing_no_word_is_retold_when_it_answers_the_assistants_question() -> None:
    """The story told as a dialogue: the lone turn answers "What are you burning in it?" in other words. The same
    turn told unasked is a turn added; an answer that takes the story back is a correction."""
    asked, whole = Context(tuple(STOVE_ASKED)), Context(tuple(STOVE))
    assert retold(asked, whole) and retold(whole, asked)
    assert differs("How do I keep it clean?", asked, whole, BAND) is None
    unasked = Context((*STOVE_ASKED[:1], ("assistant", "Soot builds up fast."), *STOVE_ASKED[2:]))
    assert not retold(unasked, whole)
    taken_back = ("user", "scratch that, it's a gas fire")
    assert not retold(Context((*STOVE_ASKED[:2], taken_back, *STOVE_ASKED[3:])), whole)


def test_an_opening_turn_that_states_nothing_is_no_turn_added_to_a_story_told_in_other_turns() -> None:
    """ "hey, quick one" opens the talk before the story, as an answer to the assistant's question tells it in pieces:
    the same story in other turns. Said later, unasked, a turn that states nothing is still a turn added."""
    opened = Context((("user", "hey, quick one"), ("assistant", "Sure, go ahead."), *STOVE_ASKED))
    assert retold(opened, Context(tuple(STOVE)))
    later = Context((*STOVE_ASKED, ("user", "hey, quick one")))
    assert not retold(later, Context(tuple(STOVE)))
