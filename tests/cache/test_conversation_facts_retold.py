"""A history told again states its facts in other places and other forms: a name as its capitals ("NJ" for
"New Jersey", "NM" for "New Mexico", never "UK" for "Ukraine"), a date the assistant repeated back instead of the
user, a duration rounded in another unit ("12 weeks" / "3 months"), a place by another name ("the States"),
"zero" against a negation. Those are the same facts; another short form, another place, an age added, or a fact
both assistants gave as background that one user then states as theirs are not. Invented conversations
(``data/conversation_facts_retold.jsonl``, none of the dev sets' words), each ``a`` stored and its ``b`` looked
up through the engine on the real embedded Redis."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.context_match import _asks_alike
from nearhit.cache.conversation import Context, differs, other_referent
from nearhit.evaluation.dataset import Pair, load_jsonl
from tests.support.lookups import Turns, ask, stored_then_asked

PAIRS = load_jsonl(Path(__file__).parent / "data" / "conversation_facts_retold.jsonl")


@pytest.mark.parametrize("pair", PAIRS, ids=[pair.id for pair in PAIRS])
async def test_facts_told_again_are_the_same_and_other_facts_are_not(cache: SemanticCache, pair: Pair) -> None:
    await stored_then_asked(cache, pair)


def test_a_short_form_stands_only_for_the_name_it_spells() -> None:
    long = Context((("user", "I teach at a school in North Carolina."), ("assistant", "Okay.")))
    assert (
        differs("Is the pay good?", Context((("user", "NC school teacher here."), ("assistant", "Ok."))), long, 0.9)
        is None
    )
    other = Context((("user", "NY school teacher here."), ("assistant", "Ok.")))
    assert "other facts" in (differs("Is the pay good?", other, long, 0.9) or "")
    # Letters in order are no short form: "UK" is in "Ukraine" as "CA" is in "Canada" and "California".
    country = Context((("user", "I sell soap online from Ukraine."), ("assistant", "Ok.")))
    short = Context((("user", "I make soap and sell it online. I'm in the UK."), ("assistant", "Ok.")))
    assert "other facts" in (differs("Which form do I file first?", short, country, 0.9) or "")


def test_a_fact_both_assistants_give_is_background_not_the_other_users_telling() -> None:
    packs = ("assistant", "Most e-bike packs are 36 V or 48 V.")
    mine = Context((("user", "Need a charger for my 48 V e-bike pack."), packs))
    theirs = Context((("user", "Shopping for an e-bike charger."), packs))
    assert "other facts" in (differs("Which charger should I get?", mine, theirs, 0.9) or "")
    repeated = Context((("user", "Shopping for an e-bike charger."), ("assistant", "A 48 V one, you said?")))
    told = Context((mine.turns[0], ("assistant", "Got it.")))
    assert differs("Which charger should I get?", told, repeated, 0.9) is None


def test_a_statement_moved_out_of_the_question_must_say_nothing_more_than_it() -> None:
    hiring = (("user", "I'm hiring a van from a local depot for the weekend."), ("assistant", "Sure, go ahead."))
    asked = "Do I need to buy the depot's collision damage waiver if my home insurance covers hired vans?"
    question = "Do I need to buy the depot's collision damage waiver then?"
    moved = Context((*hiring, ("user", "My home insurance covers hired vans.")))
    assert differs(question, moved, Context(hiring), 0.9, asked) is None
    more = Context((*hiring, ("user", "My home insurance covers hired vans when I drive them myself.")))
    assert "say something" in (differs(question, more, Context(hiring), 0.9, asked) or "")
    assert "say something" in (differs(question, moved, Context(hiring), 0.9) or "")  # without the other's question


def test_a_moved_statement_earns_the_same_turns_margin_only_stating_nothing_more(cache: SemanticCache) -> None:
    hiring: Turns = [("user", "I'm hiring a van from a local depot for the weekend."), ("assistant", "Sure.")]
    asked = "Do I need the depot's extra cover if my home insurance covers hired vans?"
    stored = Context(tuple(hiring))
    moved = ask(cache, hiring, "My home insurance covers hired vans. Do I need the depot's extra cover?")
    assert _asks_alike(moved, stored, asked)
    more = ask(cache, hiring, "My home insurance covers hired vans. Do I need the depot's extra cover for 3 drivers?")
    assert not _asks_alike(more, stored, asked)
    other = ask(cache, hiring, "My home insurance covers hired cars. Do I need the depot's extra cover?")
    assert not _asks_alike(other, stored, asked)


@pytest.mark.parametrize(
    ("mine", "theirs", "other"),
    [
        ("Which tools do I need to do it without help?", "Which tools do I need to clean them without help?", False),
        ("Should we be doing it every spring?", "Should we wash them every spring?", False),
        ("Does it need cleaning every year?", "Do they need cleaning every year?", True),  # "does it": its subject
        ("Can we do it for her?", "Can we do it for him?", True),
    ],
)
def test_do_it_stands_for_the_act_not_for_a_thing_named(mine: str, theirs: str, other: bool) -> None:
    assert (other_referent(mine, theirs) is not None) is other


def _told(text: str) -> Context:
    return Context((("user", text), ("assistant", "Okay.")))


def test_a_duration_told_in_other_units_is_the_same_fact_only_rounded() -> None:
    months = _told("3-month-old kitten here, she claws at our couch constantly.")
    assert (
        differs("How do I stop it?", _told("Our kitten is 12 weeks old and keeps scratching the sofa."), months, 0.9)
        is None
    )
    older = _told("Our kitten is 9 weeks old and keeps scratching the sofa.")  # 63 days against 91
    assert "other facts" in (differs("How do I stop it?", older, months, 0.9) or "")
    weeks = _told("3-week-old kitten here, she claws at our couch constantly.")  # a count in one unit is a count
    assert "other facts" in (
        differs("How do I stop it?", _told("Our kitten is 4 weeks old and keeps scratching the sofa."), weeks, 0.9)
        or ""
    )


def test_a_place_named_otherwise_is_the_same_place() -> None:
    states = _told("Candle maker here, selling online from the States.")
    assert (
        differs("Do I charge sales tax?", _told("I sell my candles on Etsy and live in the US."), states, 0.9) is None
    )
    texas = _told("Candle maker here, selling online from Texas.")
    assert differs("Do I charge sales tax?", _told("I sell my candles on Etsy and live in TX."), texas, 0.9) is None
    assert "other facts" in (
        differs("Do I charge sales tax?", _told("I sell my candles on Etsy and live in Ohio."), texas, 0.9) or ""
    )
    assert "other facts" in (
        differs("Do I charge sales tax?", _told("I sell my candles on Etsy and live in Canada."), states, 0.9) or ""
    )


def test_a_country_against_a_place_named_without_one_is_the_story_at_another_grain() -> None:
    asked = "Do I need a licence to sell my pots?"
    country = _told("Pottery teacher here, I rent a studio in Portugal.")
    assert differs(asked, _told("I teach pottery and rent a studio in Braga."), country, 0.9) is None
    zealand = _told("Pottery teacher here, I rent a studio in New Zealand.")
    assert differs(asked, _told("I teach pottery and rent a studio in Auckland."), zealand, 0.9) is None
    # Two countries, a country against a people, two places, or a country beside a place against another place are
    # other facts.
    for other, stored in (
        ("I teach pottery and rent a studio in Spain.", country),
        ("I'm Swedish, I teach pottery and rent a studio.", country),
        ("I teach pottery and rent a studio in Braga.", _told("Pottery teacher here, I rent a studio in Porto.")),
        ("I teach pottery and rent a studio in Braga.", _told("Pottery teacher in Faro, Portugal.")),
    ):
        assert "other facts" in (differs(asked, _told(other), stored, 0.9) or ""), other


def test_zero_as_a_word_against_a_negation_is_none_said_again() -> None:
    zero = _told("Seedlings on my windowsill got zero sunlight this week.")
    assert differs("Will they recover?", _told("My seedlings haven't seen any sun for a week."), zero, 0.9) is None
    assert "other facts" in (differs("Will they recover?", _told("My seedlings had sun for a week."), zero, 0.9) or "")
    digits = _told("Seedlings on my windowsill got 0 hours of sunlight, no grow light.")  # a 0 in digits is a number
    assert "other facts" in (
        differs("Will they recover?", _told("My seedlings haven't seen any sun for a week."), digits, 0.9) or ""
    )


def test_a_count_of_the_things_listed_after_it_is_the_list_the_other_side_names() -> None:
    def told(story: str) -> Context:
        return Context((("user", f"Our flat has {story}. The council skipped us."), ("assistant", "Ok.")))

    named = Context((("user", "The council skipped our paper and glass bins."), ("assistant", "Ok.")))
    assert differs("Who do I call?", told("two bins: paper and glass"), named, 0.9) is None
    # A count of more things than listed, or of things the other side never names, is a fact of its own.
    for story in ("three bins: paper and glass", "two bins: food and garden"):
        assert "other facts" in (differs("Who do I call?", told(story), named, 0.9) or ""), story
