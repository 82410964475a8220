"""A history told again in other words, in the same turns, is the same context under the contexts' threshold;
a turn added, or a detail swapped in the same frame, is not (invented conversations, other words than the
dev sets')."""

from __future__ import annotations

from nearhit.cache import SemanticCache, story
from nearhit.cache.conversation import CONTEXT_THRESHOLD, RETOLD_FLOOR, Context, differs, retold
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
    assert differs("How do I quiet it?", Context(tuple(FAN_RETOLD)), Context(tuple(FAN)), RETOLD_FLOOR - 0.01)


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
    ("user", "Doing up the bathroom this weekend."),
    ("assistant", "Nice, what needs doing?"),
    ("user", "The ceiling. Its paint keeps flaking away whenever someone has a hot shower, so I'm redoing it."),
    ("assistant", "That's usually moisture."),
]
CEILING_SWAPPED: Turns = [
    ("user", "Doing up the bathroom this weekend."),
    ("assistant", "Nice, what needs doing?"),
    ("user", "The ceiling. Its paint keeps flaking away whenever someone has a hot shower, so I'm tiling it."),
    ("assistant", "That's usually moisture."),
]
CEILING_MORE: Turns = [
    *CEILING,
    ("user", "Oh and the landlord says I can only use the paint he supplies."),
    ("assistant", "Worth checking what it is."),
]


def test_a_story_told_in_other_turns_is_retold_unless_a_turn_adds_to_it_or_swaps_a_detail() -> None:
    """The user's turns split otherwise ("Doing up the bathroom." "The ceiling. ...") tell one story; a turn added
    to the very turns, or a turn whose counterpart is it with a span exchanged ("redoing" / "tiling"), does not."""
    assert retold(Context(tuple(CEILING_SPLIT)), Context(tuple(CEILING)))
    assert differs("What do I do before painting?", Context(tuple(CEILING_SPLIT)), Context(tuple(CEILING)), BAND) is None
    assert not retold(Context(tuple(CEILING_SWAPPED)), Context(tuple(CEILING_SPLIT)))
    assert not retold(Context(tuple(CEILING_MORE)), Context(tuple(CEILING)))
    assert differs("What do I do before painting?", Context(tuple(CEILING_MORE)), Context(tuple(CEILING)), BAND)


async def test_a_story_told_in_other_turns_is_served_through_the_cache(cache: SemanticCache) -> None:
    await cache.store(ask(cache, CEILING, "What should I do before I paint it?"), "use a mould-resistant primer")
    result = await cache.lookup(ask(cache, CEILING_SPLIT, "What should I do before I paint it?"))
    assert result.hit, (result.rejected_by, result.rejection_reason)
    assert result.answer is not None and result.answer.response == "use a mould-resistant primer"
    assert result.context is not None and RETOLD_FLOOR <= float(str(result.context["similarity"])) < CONTEXT_THRESHOLD
