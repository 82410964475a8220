"""A single question served by a conversation that, told as one question, asks what it asks (the other direction
of ``as_one_question``): the conversation's entry has a twin indexed by its story, searched only when a single
question misses. Invented conversations, the real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import SemanticCache, context_match, conversation, conversation_lookup, entry, referent
from nearhit.cache.results import LookupResult
from nearhit.guards import GuardSet
from tests.support.lookups import Turns, ask

KAYAK: Turns = [
    ("user", "I'm paddling a sit-on-top kayak across Loch Tay on Saturday."),
    ("assistant", "Sounds lovely! How can I help?"),
    ("user", "The forecast says gusts of 25 mph."),
    ("assistant", "Noted."),
]
FOLLOW_UP = "Is it safe to go out?"
SAYS_IT_ALL = (
    "I'm paddling a sit-on-top kayak across Loch Tay on Saturday and the forecast says gusts of 25 mph. "
    "Is it safe to go out?"
)


async def keys_of(cache: SemanticCache) -> set[str]:
    return {key async for batch in cache._scan_entries() for key in batch}


async def served_both_ways(cache: SemanticCache, turns: Turns, followup: str, single: str) -> LookupResult:
    """The conversation stored, ``single`` asked alone is served its entry; ``single`` stored (another tenant), the
    conversation asked is served that one. The first lookup's result, for what a test reads of its context."""
    key = await cache.store(ask(cache, turns, followup), "the conversation's answer")
    first = await cache.lookup(ask(cache, [], single))
    assert first.hit and first.answer is not None and first.answer.doc_id == key, first.candidates
    stored = await cache.store(ask(cache, [], single, "u"), "the single question's answer")
    result = await cache.lookup(ask(cache, turns, followup, "u"))
    assert result.hit and result.answer is not None and result.answer.doc_id == stored, result.candidates
    return first


async def refused_both_ways(cache: SemanticCache, turns: Turns, followup: str, single: str) -> None:
    """The conversation stored, ``single`` asked alone is not served; ``single`` stored (another tenant), the
    conversation asked is not served either."""
    await cache.store(ask(cache, turns, followup), "the conversation's answer")
    result = await cache.lookup(ask(cache, [], single))
    assert not result.hit, result.candidates
    await cache.store(ask(cache, [], single, "u"), "another answer")
    result = await cache.lookup(ask(cache, turns, followup, "u"))
    assert not result.hit, result.candidates


async def stored_story(cache: SemanticCache, tenant: str = "t") -> str:
    return await cache.store(ask(cache, KAYAK, FOLLOW_UP, tenant), "the conversation's answer")


async def test_a_single_question_that_says_it_all_is_served_by_the_conversation(cache: SemanticCache) -> None:
    key = await stored_story(cache)
    result = await cache.lookup(ask(cache, [], SAYS_IT_ALL))
    assert result.match == "semantic", result.candidates
    assert result.answer is not None and result.answer.doc_id == key  # the conversation's own entry, not its twin
    assert result.context is not None and str(result.context["told_as_one"]).endswith(FOLLOW_UP)
    assert "from_story" in result.timings_ms


@pytest.mark.parametrize(
    "asked",
    [
        SAYS_IT_ALL.replace("25 mph", "45 mph"),  # another fact
        SAYS_IT_ALL.replace("Loch Tay", "Loch Ness"),  # another place
        SAYS_IT_ALL.replace("Is it safe", "I'm six months pregnant. Is it safe"),  # a condition of the asker's
    ],
)
async def test_a_single_question_with_another_fact_or_constraint_is_not_served(
    cache: SemanticCache, asked: str
) -> None:
    await stored_story(cache)
    result = await cache.lookup(ask(cache, [], asked))
    assert not result.hit, result.candidates


KNOT: Turns = [
    ("user", "My climbing rope needs a stopper at the end before I rappel."),
    ("assistant", "A double fisherman's stopper knot will keep the end from slipping through your belay device."),
]


async def test_a_bare_follow_up_is_found_told_with_the_assistants_last_turn(cache: SemanticCache) -> None:
    """ "How do I tie it?" names nothing: the knot is in the assistant's turn, and so in the twin told with it."""
    key = await cache.store(ask(cache, KNOT, "How do I tie it?"), "the knot's answer")
    result = await cache.lookup(
        ask(cache, [], "How do I tie a double fisherman's stopper knot at the end of my climbing rope before I rappel?")
    )
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
    assert result.context is not None and "belay device" in str(result.context["told_as_one"])


async def test_another_tenant_is_never_served_a_conversation(cache: SemanticCache) -> None:
    await stored_story(cache, tenant="a")
    assert (await cache.lookup(ask(cache, [], SAYS_IT_ALL, tenant="a"))).hit
    assert not (await cache.lookup(ask(cache, [], SAYS_IT_ALL, tenant="b"))).hit


async def test_a_single_question_hit_does_not_search_stories(cache: SemanticCache) -> None:
    await cache.store(ask(cache, [], SAYS_IT_ALL), "the single question's answer")
    await stored_story(cache)
    result = await cache.lookup(ask(cache, [], SAYS_IT_ALL.replace("Is it safe", "Would it be safe")))
    assert result.hit and result.answer is not None and result.answer.response == "the single question's answer"
    assert "from_story" not in result.timings_ms


async def test_deleting_or_clearing_a_conversation_removes_its_twin(cache: SemanticCache) -> None:
    key = await stored_story(cache)
    twins = await keys_of(cache) - {key}
    assert len(twins) == 2  # "Is it safe to go out?" names nothing of its own: told with the assistant's turn too
    assert set((await cache.redis.hget(key, entry.TWIN)).decode().split()) == twins
    assert [await cache.redis.hget(twin, entry.TWIN) for twin in twins] == [key.encode()] * 2
    assert [hit.doc_id for hit in await cache.search(text=SAYS_IT_ALL, tenant="t")] == [key]  # twins are not listed
    assert await cache.delete(key)
    assert await keys_of(cache) == set()
    assert not (await cache.lookup(ask(cache, [], SAYS_IT_ALL))).hit

    conversation = ask(cache, KAYAK, FOLLOW_UP)
    await cache.store(conversation, "again")
    await cache.clear(scope=conversation.scope)  # the twin is in another scope: it goes with its entry
    assert await keys_of(cache) == set()

    await stored_story(cache)
    await cache.clear(tenant="t")
    assert await keys_of(cache) == set()


async def test_a_twin_points_at_its_entry_and_copies_nothing(cache: SemanticCache) -> None:
    """A twin holds what its KNN needs and its entry's key; the answer, prompt and context are read from the entry."""
    key = await stored_story(cache)
    twins = await keys_of(cache) - {key}
    for twin in twins:
        fields = {name.decode() for name in await cache.redis.hkeys(twin)}
        assert fields == {"scope", entry.TENANT_ID, entry.VECTOR, entry.TOLD, entry.TWIN}
        assert await cache.redis.ttl(twin) == await cache.redis.ttl(key)  # it lives as long as its entry
    stats = await cache.stats()
    assert (stats.entries, stats.twins) == (1, 2)


async def test_a_twin_whose_entry_is_gone_is_no_candidate_and_is_unlinked(cache: SemanticCache) -> None:
    key = await stored_story(cache)
    await cache.redis.unlink(key)  # as if it expired, its twins not yet
    result = await cache.lookup(ask(cache, [], SAYS_IT_ALL))
    assert not result.hit and result.candidates == []
    assert await keys_of(cache) == set()


async def test_clearing_by_prompt_pattern_removes_the_twins(cache: SemanticCache) -> None:
    await stored_story(cache)
    assert await cache.clear(prompt_pattern="*safe to go out*") == 1
    assert await keys_of(cache) == set()


async def test_a_single_questions_miss_searches_stories_only_in_a_scope_that_has_them(cache: SemanticCache) -> None:
    """The twins' mark, read in the exact path's round trip: no KNN among twins where no conversation is told."""
    missed = await cache.lookup(ask(cache, [], SAYS_IT_ALL))
    assert not missed.hit and "from_story" not in missed.timings_ms
    await stored_story(cache, tenant="other")  # another tenant's conversation marks its own scope only
    assert "from_story" not in (await cache.lookup(ask(cache, [], SAYS_IT_ALL))).timings_ms
    await stored_story(cache)
    assert "from_story" in (await cache.lookup(ask(cache, [], "How do I wax a snowboard at home?"))).timings_ms


async def test_the_mark_lives_as_long_as_the_longest_lived_twin(cache: SemanticCache) -> None:
    mark = conversation_lookup.twins_mark(cache.keys, ask(cache, [], SAYS_IT_ALL))
    assert mark is not None
    await cache.store(ask(cache, KAYAK, FOLLOW_UP), "answer", ttl=60)
    assert 0 < await cache.redis.ttl(mark) <= 60
    await cache.store(ask(cache, KAYAK, "What should I wear?"), "answer", ttl=600)  # a longer TTL lengthens it
    assert await cache.redis.ttl(mark) > 60
    await cache.store(ask(cache, KAYAK, "Do I need a whistle?"), "answer", ttl=60)  # a shorter one does not shorten
    assert await cache.redis.ttl(mark) > 60
    await cache.store(ask(cache, KAYAK, "Should I bring a spare paddle?"), "answer")  # no TTL: kept
    await cache.store(ask(cache, KAYAK, "Should I tell someone my route?"), "answer", ttl=60)
    assert await cache.redis.ttl(mark) == -1


async def marks_of(cache: SemanticCache) -> set[bytes]:
    return {key async for key in cache.redis.scan_iter(match=cache.keys.twins_marks_pattern())}


async def test_clearing_a_tenant_removes_its_twins_mark_and_no_other(cache: SemanticCache) -> None:
    await stored_story(cache, tenant="t")
    await stored_story(cache, tenant="other")
    assert len(await marks_of(cache)) == 2
    await cache.clear(tenant="t")
    assert len(await marks_of(cache)) == 1
    assert "from_story" in (await cache.lookup(ask(cache, [], "Anything else?", "other"))).timings_ms
    await cache.clear()
    assert await marks_of(cache) == set()


SKUS: Turns = [
    ("user", "I have a products table in PostgreSQL 15 with a sku column."),
    ("assistant", "OK."),
    ("user", "There were some duplicate skus."),
    ("assistant", "Remove them first."),
]
MAKE_IT_UNIQUE = "I've deleted them, now how do I make it unique?"
ADD_UNIQUE = (
    "How do I add a unique constraint on the sku column of an existing products table in PostgreSQL 15? "
    "I've already deleted the duplicates."
)


async def test_a_story_told_under_the_floor_that_asks_what_the_single_question_asks(cache: SemanticCache) -> None:
    """Told as one question the story reads under ``ONE_QUESTION_THRESHOLD`` (0.85): served both ways, by the story
    asked in pieces or by "... how do I make it unique?" read with "it" filled in from the turns."""
    await served_both_ways(cache, SKUS, MAKE_IT_UNIQUE, ADD_UNIQUE)


async def test_a_follow_up_whose_referent_the_single_question_does_not_name_is_not_served(
    cache: SemanticCache,
) -> None:
    await cache.store(ask(cache, SKUS, MAKE_IT_UNIQUE), "the sku answer")
    result = await cache.lookup(
        ask(cache, [], ADD_UNIQUE.replace("sku column of an existing products", "email column of an existing users"))
    )
    assert not result.hit, result.candidates


@pytest.mark.parametrize(("similarity", "served"), [(0.80, True), (0.74, False)])
def test_a_resolved_follow_up_judges_the_story_at_the_threshold(similarity: float, served: bool) -> None:
    """``serves_resolved``: the story checks as before, the floor the lookup's threshold, not 0.88."""
    result = LookupResult(match=None, threshold=0.76, scope_id="s")
    fields = {"prompt": ADD_UNIQUE, entry.DISTANCE: str(1 - similarity)}
    story = conversation.Context(tuple(SKUS))
    told = conversation.told_as_one(story, MAKE_IT_UNIQUE)
    matched = context_match.serves_resolved(result, story, told, ADD_UNIQUE, "k", fields, GuardSet.default())
    assert (matched is not None) is served, result.candidates
    assert matched is None or matched["resolved"] is True


FIREPLACE: Turns = [
    (
        "user",
        "We've just moved into an old Victorian terrace in Leeds, and the back bedroom has a lovely "
        "cast iron fireplace that somebody painted over in magnolia years ago.",
    ),
    ("assistant", "Lovely feature to restore! What would you like to do with the room?"),
    (
        "user",
        "turn it into a study for my partner, she works from home most of the week and needs somewhere quiet and "
        "bright for her video calls with clients, so we are also thinking about a desk under the window and some "
        "shelves",
    ),
]
PAINT_OFF = "how do I get the paint off it?"
STRIP_FIREPLACE = "How do I get old paint off a cast iron fireplace?"


async def test_a_story_told_under_the_threshold_whose_follow_up_read_standalone_asks_it(
    guarded_cache: SemanticCache,
) -> None:
    """Told as one question the long story reads 0.72 against the single question, under the threshold; its
    follow-up read standalone ("how do I get the paint off old cast iron fireplace?") reads 0.93: served both ways,
    the story checks judging the story at ``referent.STANDALONE_STORY_FLOOR``."""
    result = await served_both_ways(guarded_cache, FIREPLACE, PAINT_OFF, STRIP_FIREPLACE)
    assert result.context is not None and result.context.get("resolved") is True, result.context
    assert float(str(result.context["similarity"])) < result.threshold


async def test_a_follow_up_read_standalone_that_leaves_out_what_only_the_single_question_names(
    guarded_cache: SemanticCache,
) -> None:
    """The follow-up filled in with the single question's own words ("how do I get the paint off old cast iron
    fireplace?") names nothing the single question does not; what only the single question names (a "surround": the
    entity guard's "nothing vs 'surround'", ``GuardSignal.candidate_more``) is the story's to judge, told as one
    question at ``referent.STANDALONE_STORY_FLOOR``: served both ways."""
    asked = "How do I get old paint off a cast iron fireplace surround?"
    result = await served_both_ways(guarded_cache, FIREPLACE, PAINT_OFF, asked)
    assert result.context is not None and result.context.get("resolved") is True, result.context


@pytest.mark.parametrize(
    "asked",
    [
        "How do I get old paint off a cast iron fireplace in a Georgian house?",  # the story: a Victorian terrace
        "How do I get old paint off a cast iron fireplace in Glasgow?",  # the story: Leeds
        "How do I get old paint off a cast iron radiator?",  # another thing, the turns' words filled in
        "How do I get old paint off a cast iron fireplace without chemicals?",  # a condition the story does not say
        "How do I get old paint off a marble fireplace?",  # a detail exchanged
    ],
)
async def test_a_story_told_under_the_threshold_is_not_served_another_question_read_standalone(
    guarded_cache: SemanticCache, asked: str
) -> None:
    await refused_both_ways(guarded_cache, FIREPLACE, PAINT_OFF, asked)


@pytest.mark.parametrize(
    ("single", "itself"),
    [
        ("We painted the front room's marble fireplace years ago, how do I get the paint off it?", True),
        ("How do I get old paint off a cast iron fireplace?", False),
        ("What is a P60 and do I need to keep it?", False),
    ],
)
def test_a_single_message_asking_the_follow_ups_very_words_points_back_itself(single: str, itself: bool) -> None:
    """Such a message tells its own story at once: no standalone question to read the follow-up against."""
    assert referent.points_back_itself(PAINT_OFF, single) is itself


@pytest.mark.parametrize(
    ("single", "exchanged"),
    [
        ("How do I get old paint off a marble fireplace?", True),  # "marble" where the story says "iron"
        ("How do I get old paint off a cast iron radiator?", True),  # "radiator" where it says "fireplace"
        ("How do I get old paint off a cast iron fireplace surround?", False),  # the story: "fireplace that ..."
        ("How do I get old paint off a cast iron fireplace?", False),
    ],
)
def test_a_word_only_the_single_question_says_exchanged_beside_the_same_word(single: str, exchanged: bool) -> None:
    told = conversation.told_as_one(conversation.Context(tuple(FIREPLACE)), PAINT_OFF)
    assert referent.exchanged_beside(told, single) is exchanged


def test_a_word_filled_in_is_said_by_the_turns_as_itself() -> None:
    """ "CronJob" is no word of turns that say "off cron" and "a systemd timer": their "it" may be the timer."""
    timer = conversation.Context(
        (
            ("user", "we're moving our nightly batch jobs off cron on a single VM"),
            ("assistant", "A systemd timer would keep them on the machine you already run."),
        )
    )
    asked = "can it retry a run that failed?"
    assert not referent.said_itself(timer, asked, "Can a Kubernetes CronJob retry a failed run?")
    assert referent.said_itself(conversation.Context(tuple(FIREPLACE)), PAINT_OFF, STRIP_FIREPLACE)


POOLISH: Turns = [
    ("user", "My bread book keeps telling me to make a poolish or a biga the night before."),
    ("assistant", "Pre-ferments are a great way to get more flavour into a loaf."),
]
DIFFERENCE = "what's the difference?"
LANDLORD: Turns = [
    ("user", "I'm meeting my landlord tomorrow morning to ask him to finally fix the boiler in our flat."),
    ("assistant", "It's good to raise it face to face."),
]


async def test_a_follow_up_that_points_at_nothing_read_standalone_asks_it(guarded_cache: SemanticCache) -> None:
    """ "what's the difference?" points at nothing ("it", "that"); read standalone, the single question's words the
    turns say put before its question mark ("what's the difference poolish biga?", ``referent._appended``), it asks
    what "What's the difference between a poolish and a biga?" asks, though the story told as one reads 0.68 against
    it: served both ways, the story checks judging the story at ``referent.STANDALONE_STORY_FLOOR`` (rq47)."""
    result = await served_both_ways(
        guarded_cache, POOLISH, DIFFERENCE, "What's the difference between a poolish and a biga?"
    )
    assert result.context is not None and result.context.get("resolved") is True, result.context
    assert float(str(result.context["similarity"])) < result.threshold


async def test_a_single_message_that_ends_with_a_follow_up_pointing_at_nothing_tells_its_own_story(
    guarded_cache: SemanticCache,
) -> None:
    """A message that tells another story and then asks the follow-up's very words is no standalone question: read
    so, the follow-up filled with the words both stories share ("what should I say meeting landlord tomorrow morning
    flat?") asks what it asks, 0.75 told as one; moving out is not the boiler (``referent.points_back_itself``)."""
    moving = "I'm meeting my landlord tomorrow morning to tell him we're moving out of the flat, what should I say?"
    await refused_both_ways(guarded_cache, LANDLORD, "what should I say?", moving)


@pytest.mark.parametrize(
    ("single", "itself"),
    [
        ("I'm meeting my landlord tomorrow to tell him we're moving out, what should I say?", True),
        ("What should I say to my landlord to get the boiler fixed?", False),  # its words first, then what they ask
        ("what should I say?", False),  # no story of its own
    ],
)
def test_a_single_message_ending_with_a_follow_up_that_points_at_nothing(single: str, itself: bool) -> None:
    assert referent.points_back_itself("what should I say?", single) is itself


EXITED: Turns = [
    ("user", "docker ps -a lists about 60 exited containers left over from my test runs"),
    ("assistant", "Those stopped containers still hold a little disk space."),
    ("user", "they pile up every time a test job fails halfway through"),
    ("assistant", "That happens a lot."),
]
CLEAR_OUT = "how do I get rid of them all in one go?"
REMOVE_STOPPED = "How do I remove all stopped Docker containers at once?"


async def test_a_number_only_the_earlier_turns_tell_is_backstory_when_the_follow_up_asks_it(
    guarded_cache: SemanticCache,
) -> None:
    """ "about 60 exited containers" is what the story tells of itself; the follow-up read standalone ("how do I get
    rid of stopped Docker containers all in one go?") asks what the single question asks (the story told as one
    reads about 0.74), so the number only the story states is no other fact (``differs_from_one(...,
    backstory=True)``): served both ways. Without it, "'60' vs nothing" refused both (sv54)."""
    result = await served_both_ways(guarded_cache, EXITED, CLEAR_OUT, REMOVE_STOPPED)
    assert result.context is not None and result.context.get("resolved") is True, result.context


@pytest.mark.parametrize(
    ("turns", "followup", "single"),
    [
        # the number said in the message that asks: said with the question, no backstory
        (
            [("user", "docker ps -a lists a pile of exited containers left over from my test runs"), *EXITED[1:]],
            "there are about 60 of them. " + CLEAR_OUT,
            REMOVE_STOPPED,
        ),
        # a number on each side: a detail swapped, as before
        (EXITED, CLEAR_OUT, "How do I remove all 12 stopped Docker containers at once?"),
    ],
)
async def test_a_number_said_with_the_question_or_on_each_side_still_refuses(
    guarded_cache: SemanticCache, turns: Turns, followup: str, single: str
) -> None:
    await refused_both_ways(guarded_cache, turns, followup, single)


def test_a_number_the_asking_message_states_is_said_with_the_question() -> None:
    story = conversation.Context((*EXITED, ("user", "there are 60 of them.")))
    assert conversation.states_with_question(story, REMOVE_STOPPED)
    assert not conversation.states_with_question(conversation.Context(tuple(EXITED)), REMOVE_STOPPED)
    assert not conversation.states_with_question(story, "How do I remove all 60 stopped containers?")
