"""A time said in a mood around a follow-up ("on-call this week 😩") after the very same turns states no other fact,
and the asker with one other ("me and my partner") is two of them. Invented conversations
(``data/conversation_asides_couples.jsonl``), each ``a`` stored and its ``b`` looked up through the engine on the
real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.asides import without_asides
from nearhit.evaluation.dataset import Pair, load_jsonl
from tests.support.lookups import stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_asides_couples.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_a_mood_states_no_time_and_a_couple_is_two(cache: SemanticCache, pair: Pair) -> None:
    await stored_then_asked(cache, pair)


def test_a_time_told_with_what_the_asker_does_is_kept() -> None:
    """ "I fly tomorrow 😬" may be what "can I take this on the plane?" turns on: only a mood is set aside."""
    other = "can I take this on the plane?"
    assert without_asides(f"I fly tomorrow 😬 {other}", other, moods=True) == f"I fly tomorrow 😬 {other}"
    assert without_asides(f"on-call this week 😩 {other}", other, moods=True) == other
