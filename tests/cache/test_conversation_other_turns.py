"""Two contexts told in another number of turns, no user turn the other's with words added, are judged by the story
checks alone from ``OTHER_TURNS_FLOOR``: the whole turns' cosine reads a greeting exchange or the assistant's words
more than the story (invented conversations, none of the dev sets' words)."""

from __future__ import annotations

from nearhit.cache.conversation import CONTEXT_THRESHOLD, OTHER_TURNS_FLOOR, Context, differs

STORY = "My sourdough starter smells like nail polish remover and has a grey liquid on top."
TOLD = Context((("user", STORY), ("assistant", "That liquid is hooch; the starter is hungry.")))
GREETED = Context(
    (
        ("user", "morning!! first coffee of the day ☕"),
        ("assistant", "Morning! What can I help with?"),
        ("user", "my sourdough starter has a grey liquid sitting on top, smells of nail varnish remover"),
        ("assistant", "That liquid is hooch; the starter is hungry."),
    )
)
BETWEEN = (OTHER_TURNS_FLOOR + CONTEXT_THRESHOLD) / 2
QUESTION = "Is it ruined?"


def test_a_greeting_exchange_before_the_story_told_again_leaves_the_story_to_the_checks() -> None:
    assert differs(QUESTION, GREETED, TOLD, BETWEEN) is None
    assert differs(QUESTION, TOLD, GREETED, BETWEEN) is None
    told_whole = Context((("user", f"hey! {STORY}"), TOLD.turns[1]))
    assert differs(QUESTION, told_whole, TOLD, BETWEEN) is not None  # the same turns: judged as before


def test_under_the_floor_or_with_a_turn_left_out_the_turns_cosine_still_refuses() -> None:
    assert differs(QUESTION, GREETED, TOLD, OTHER_TURNS_FLOOR - 0.01) is not None
    assert differs(QUESTION, GREETED, TOLD, BETWEEN, whole=False) is not None


def test_a_turn_the_user_adds_to_the_same_story_is_no_other_telling() -> None:
    """A topic shift or a constraint told in a turn of its own: the user's turns are the other's with words added."""
    shifted = Context(
        (
            *TOLD.turns,
            ("user", "Also switching to rye flour for the next feed, a different bag entirely."),
            ("assistant", "Rye ferments faster."),
        )
    )
    assert differs(QUESTION, shifted, TOLD, BETWEEN) is not None


def test_a_story_swapped_in_the_same_turns_is_judged_as_before() -> None:
    swapped = Context((("user", "My kombucha smells like vinegar and has a white film on top."), TOLD.turns[1]))
    assert differs(QUESTION, swapped, TOLD, BETWEEN) is not None
