"""A history told again by someone else rewords the assistant's turns too; a context swap keeps the assistant's
words and swaps the user's story. Under ``RETOLD_FLOOR``, down to ``REWORDED_FLOOR``, only the first is judged by
:func:`conversation.retold`; a reply that keeps its opening words in its place ("Great, ..." / "Great, ...") is the
assistant's words kept (invented conversations, ``data/conversation_reworded_floor.jsonl``, none of the dev
sets' words; each ``a`` stored and its ``b`` looked up through the engine on the real embedded Redis)."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.conversation import RETOLD_FLOOR, REWORDED_FLOOR, Context, differs
from nearhit.evaluation.dataset import Pair, load_jsonl
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_reworded_floor.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_history_reworded_on_both_sides_is_served_and_a_swap_under_the_same_reply_is_not(
    cache: SemanticCache, pair: Pair
) -> None:
    await stored_then_asked(cache, pair)


def test_the_floor_is_lower_only_when_the_assistant_said_other_words() -> None:
    told = Context(
        (("user", "My kettle switches itself off before it boils."), ("assistant", "The thermostat may be worn."))
    )
    again = Context(
        (("user", "The kettle cuts out early, never reaching a boil."), ("assistant", "Sounds like its cut-off."))
    )
    between = (REWORDED_FLOOR + RETOLD_FLOOR) / 2
    assert differs("Can I fix it?", again, told, between) is None
    assert differs("Can I fix it?", again, told, REWORDED_FLOOR - 0.01) is not None
    same_reply = Context((again.turns[0], told.turns[1]))
    assert differs("Can I fix it?", same_reply, told, between) is not None
    assert differs("Can I fix it?", same_reply, told, RETOLD_FLOOR + 0.01) is None


def test_a_reply_that_keeps_its_opening_in_its_place_is_the_assistant_s_words_kept() -> None:
    told = Context(
        (("user", "My kettle switches itself off before it boils."), ("assistant", "Right, the thermostat is worn."))
    )
    swapped = Context(
        (("user", "My toaster switches itself off before the bread browns."), ("assistant", "Right, check the lever."))
    )
    reworded = Context((swapped.turns[0], ("assistant", "Check the lever catches.")))
    between = (REWORDED_FLOOR + RETOLD_FLOOR) / 2
    assert differs("Can I fix it?", swapped, told, between) is not None
    assert differs("Can I fix it?", swapped, told, RETOLD_FLOOR + 0.01) is None
    assert differs("Can I fix it?", reworded, told, between) is None
