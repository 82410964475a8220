"""How many round trips a lookup makes to Redis, counted on the client's socket writes (real Redis).

A semantic lookup reads the exact tier (the entry and the stored embedding), then sends its KNN query and a probe
for labels in one pipeline; an embedding computed fresh is written in the background once the lookup is done, the
clear counts read after it in the same round trip (never before its KNN, where it would delay it, nor while a miss
waits on its KNN among the twins). Observations are read only when the index has labels (``labels_*`` counters).
An exact hit kept by the near cache makes none.
"""

from __future__ import annotations

import asyncio

import pytest

from nearhit.cache import Scope, SemanticCache, conversation_lookup
from nearhit.cache.feedback import LABEL_COUNTERS
from nearhit.cache.keys import normalise
from tests.support import wire
from tests.support.lookups import ask

SCOPE = Scope.build(model="gpt-4o", tenant="trips")
QUESTION = "What is the capital of France?"
PARAPHRASE = "Which city is France's capital?"
EXACT_READ = ("HMGET", "GET", "GET")
"""The entry, and the clear counts a miss's store compares (every tenant's, the tenant's): one round trip."""
FILL = ["SET", "GET", "GET"]
"""The embedding store's fill: the vector, then the clear counts read after it (a clear since the lookup read them
deletes it): one round trip."""
_NOT_THE_LOOKUPS = {"HINCRBY", "CLIENT", "HELLO", "AUTH", "SELECT", "PING"}


@pytest.fixture
def sends(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Every write to a Redis socket, as the command names it carried (one list per round trip)."""
    return wire.record(monkeypatch, wire.command_names)


async def _lookup_trips(cache: SemanticCache, sends: list[list[str]], prompt: str) -> list[list[str]]:
    """The round trips of one lookup, its background writes included. Left out: the once-a-second counter
    flush (HINCRBY only, shared by every lookup of that second) and a new connection's handshake."""
    await cache.background.drain()  # the writes of what came before
    sends.clear()
    await cache.lookup(prompt, SCOPE, threshold=0.75)
    await cache.background.drain()
    return [names for names in sends if not set(names) <= _NOT_THE_LOOKUPS]


async def test_a_semantic_hit_makes_two_round_trips_and_writes_a_fresh_embedding_after(
    cache: SemanticCache, sends: list[list[str]]
) -> None:
    await cache.store(QUESTION, "Paris.", SCOPE)
    await cache.redis.delete(
        cache.embeddings.key_for(normalise(PARAPHRASE), SCOPE.tenant)
    )  # another test may have stored it
    trips = await _lookup_trips(cache, sends, PARAPHRASE)
    assert trips == [[*EXACT_READ, "GET", "EXISTS"], ["HMGET", "FT.SEARCH"], FILL]
    again = await _lookup_trips(cache, sends, PARAPHRASE)  # the embedding is stored now: no SET
    assert again == [[*EXACT_READ, "GET", "EXISTS"], ["HMGET", "FT.SEARCH"]]


async def test_a_miss_writes_its_fresh_embedding_once_the_lookup_is_done(
    cache: SemanticCache, sends: list[list[str]]
) -> None:
    """A miss's last round trip (the KNN among the twins) is not followed, while it waits, by the write."""
    await cache.store(QUESTION, "Paris.", SCOPE)
    other = "How long should bread dough rise before baking?"
    await cache.redis.delete(cache.embeddings.key_for(normalise(other), SCOPE.tenant))
    mark = conversation_lookup.twins_mark(cache.keys, cache.prepare(other, SCOPE))
    assert mark is not None
    await cache.redis.set(mark, 1)  # the scope has conversations told as one question: the miss searches them
    await cache.background.drain()
    sends.clear()
    missed = await cache.lookup(other, SCOPE, threshold=0.75)
    assert missed.match is None
    assert [names for names in sends if not set(names) <= _NOT_THE_LOOKUPS] == [
        [*EXACT_READ, "GET", "EXISTS"],
        ["HMGET", "FT.SEARCH"],
        ["FT.SEARCH"],
    ]
    await cache.background.drain()
    assert [names for names in sends if not set(names) <= _NOT_THE_LOOKUPS][3:] == [FILL]


async def test_observations_are_read_once_the_index_has_labels(cache: SemanticCache, sends: list[list[str]]) -> None:
    doc_id = await cache.store(QUESTION, "Paris.", SCOPE)
    hit = await cache.lookup(PARAPHRASE, SCOPE, threshold=0.75)
    assert hit.match == "semantic" and hit.embedding is not None and hit.similarity is not None
    await cache.label(doc_id, hit.embedding, hit.similarity, right=False, source="feedback")
    trips = await _lookup_trips(cache, sends, PARAPHRASE)
    # refused, a miss: no KNN among conversations told as one question, the scope has none (its mark, EXISTS)
    assert trips == [[*EXACT_READ, "GET", "EXISTS"], ["HMGET", "FT.SEARCH"], ["LRANGE"]]
    refused = await cache.lookup(PARAPHRASE, SCOPE, threshold=0.75)
    assert refused.match is None and refused.rejected_by == "feedback"


async def test_an_exact_hit_read_once_is_then_served_without_a_round_trip(
    cache: SemanticCache, sends: list[list[str]]
) -> None:
    await cache.store(QUESTION, "Paris.", SCOPE)
    await _wait_tracking(cache)
    assert await _lookup_trips(cache, sends, QUESTION) == [[*EXACT_READ, "GET", "EXISTS"]]
    assert await _lookup_trips(cache, sends, QUESTION) == []
    await cache.store(QUESTION, "Paris.", SCOPE, ttl=60)  # an entry that expires: its PTTL read after the hit
    assert await _lookup_trips(cache, sends, QUESTION) == [[*EXACT_READ, "GET", "EXISTS"], ["PTTL"]]
    assert await _lookup_trips(cache, sends, QUESTION) == []


async def _wait_tracking(cache: SemanticCache) -> None:
    for _ in range(500):
        if cache.near.active:
            return
        await asyncio.sleep(0.01)
    raise AssertionError("the near cache's tracking connection did not start")


async def test_label_counters_are_the_probe(cache: SemanticCache) -> None:
    """What the probe reads is what ``observe`` counts, for every label source."""
    doc_id = await cache.store(QUESTION, "Paris.", SCOPE)
    vector = [1.0] + [0.0] * (cache.embedder.dimension - 1)
    for source in ("feedback", "judge", "answer", "oracle"):
        await cache.label(doc_id, vector, 0.9, right=True, source=source)  # type: ignore[arg-type]
    values = await cache.redis.hmget(cache.keys.stats_key, list(LABEL_COUNTERS))
    assert [int(v) for v in values] == [1, 1, 1, 1]


async def _vector_of(cache: SemanticCache, prompt: str) -> list[float]:
    (vector,) = await cache.embeddings.embed([normalise(prompt)], SCOPE.tenant)
    return [float(value) for value in vector]


async def _given_trips(
    cache: SemanticCache, sends: list[list[str]], prompt: str, vector: list[float]
) -> list[list[str]]:
    await cache.background.drain()
    sends.clear()
    await cache.lookup(prompt, SCOPE, threshold=0.75, vector=vector)
    await cache.background.drain()
    return [names for names in sends if not set(names) <= _NOT_THE_LOOKUPS]


async def test_a_given_vector_sends_its_knn_in_the_exact_reads_round_trip(
    cache: SemanticCache, sends: list[list[str]]
) -> None:
    """Issue 18: with the vector given, a semantic lookup makes one round trip, as a raw FT.SEARCH does; and it
    finds what the lookup that reads (or computes) the vector finds."""
    await cache.store(QUESTION, "Paris.", SCOPE)
    vector = await _vector_of(cache, PARAPHRASE)
    assert await _given_trips(cache, sends, PARAPHRASE, vector) == [[*EXACT_READ, "EXISTS", "HMGET", "FT.SEARCH"]]
    given = await cache.lookup(PARAPHRASE, SCOPE, threshold=0.75, vector=vector)
    read = await cache.lookup(PARAPHRASE, SCOPE, threshold=0.75)
    assert given.match == read.match == "semantic"
    assert given.answer is not None and read.answer is not None and given.answer.doc_id == read.answer.doc_id
    assert given.similarity == pytest.approx(read.similarity, abs=1e-6)
    assert given.embedding == pytest.approx(read.embedding, abs=1e-6)
    assert given.query is not None and given.query == read.query  # worked out with no KNN left to wait on


async def test_a_lookup_looked_up_again_reads_no_vector(cache: SemanticCache, sends: list[list[str]]) -> None:
    """A Lookup whose vector an earlier lookup computed (a request retried, a single-flight follower) is looked
    up as one whose vector was given: one round trip."""
    await cache.store(QUESTION, "Paris.", SCOPE)
    query = cache.prepare(PARAPHRASE, SCOPE)
    first = await cache.lookup(query, threshold=0.75)
    assert first.match == "semantic" and query.vector is not None
    await cache.background.drain()
    sends.clear()
    again = await cache.lookup(query, threshold=0.75)
    assert [names for names in sends if not set(names) <= _NOT_THE_LOOKUPS] == [
        [*EXACT_READ, "EXISTS", "HMGET", "FT.SEARCH"]
    ]
    assert again.answer is not None and first.answer is not None and again.answer.doc_id == first.answer.doc_id


async def test_an_exact_hit_wins_over_the_knn_sent_with_it(cache: SemanticCache, sends: list[list[str]]) -> None:
    """The KNN sent beside the exact read finds another entry at similarity ~1 (the vector given is that entry's):
    the exact entry is still what is served. Kept near afterwards, it costs no round trip at all."""
    bread = "How long should bread dough rise before baking?"
    await cache.store(QUESTION, "Paris.", SCOPE)
    await cache.store(bread, "About an hour.", SCOPE)
    await _wait_tracking(cache)
    vector = await _vector_of(cache, bread)
    assert await _given_trips(cache, sends, QUESTION, vector) == [[*EXACT_READ, "EXISTS", "HMGET", "FT.SEARCH"]]
    assert await _given_trips(cache, sends, QUESTION, vector) == []  # the near cache: no round trip
    cache.near.clear()
    hit = await cache.lookup(QUESTION, SCOPE, threshold=0.75, vector=vector)
    assert hit.match == "exact" and hit.answer is not None and hit.answer.response == "Paris."
    assert hit.similarity == 1.0


async def test_a_failed_knn_fails_only_the_lookup_that_needed_it(cache: SemanticCache) -> None:
    """The index dropped: an exact hit with a vector given is still served (its KNN's error is not its own);
    a semantic lookup reports the error, as it does without a vector."""
    from redis.exceptions import ResponseError

    from nearhit.cache.index import drop_index

    await cache.store(QUESTION, "Paris.", SCOPE)
    vector = await _vector_of(cache, PARAPHRASE)
    await drop_index(cache.redis, cache.spec.name, delete_entries=False)
    cache.near.clear()
    hit = await cache.lookup(QUESTION, SCOPE, threshold=0.75, vector=vector)
    assert hit.match == "exact" and hit.answer is not None and hit.answer.response == "Paris."
    with pytest.raises(ResponseError, match=r"(?i)no such index|not found"):
        await cache.lookup(PARAPHRASE, SCOPE, threshold=0.75, vector=vector)
    await cache.setup()  # the fixture drops it again


async def test_a_conversation_is_not_given_half_its_vectors(cache: SemanticCache) -> None:
    from tests.support.lookups import ask

    query = ask(cache, [("user", "I'm driving from Paris to Lyon."), ("assistant", "Lovely.")], "How long?", "trips")
    assert query.context is not None
    with pytest.raises(TypeError, match="single question"):
        await cache.lookup(query, vector=[1.0] * cache.embedder.dimension)


async def test_a_question_standing_alone_after_turns_searches_the_conversations_in_the_twins_round_trip(
    cache: SemanticCache, sends: list[list[str]]
) -> None:
    """Its miss in a scope with conversations: the KNN among them and the read of its turns' stored embedding
    ride in the round trip of the KNN among the twins; no round trip is added."""
    turns = [("user", "I keep a sourdough starter in the fridge."), ("assistant", "Good way to slow it down.")]
    await cache.store(ask(cache, turns, "how often do I need to feed it?", tenant="trips"), "Weekly.")
    other = [("user", "My kitchen is cold in winter, about 15 C."), ("assistant", "That slows fermentation.")]
    query = ask(cache, other, "How long should bread dough rise before baking?", tenant="trips")
    assert query.context is None and query.conversations is not None  # standing alone after turns that tell
    await cache.background.drain()
    sends.clear()
    missed = await cache.lookup(query)
    assert missed.match is None and "after_turns" in missed.timings_ms
    assert [names for names in sends if not set(names) <= _NOT_THE_LOOKUPS][:4] == [
        [*EXACT_READ, "GET", "EXISTS"],
        ["HMGET", "FT.SEARCH"],
        ["FT.SEARCH", "FT.SEARCH", "GET"],
        ["HMGET", "HMGET"],  # the entries of its two twins (the story told as one, and with the answer)
    ]
