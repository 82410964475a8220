"""``benchmarks/latency_ab.py``: the figure a latency branch is judged by, read from ``conversation_latency.py``'s
first table (conversation − single, "first look less the embed" p50); and the marks of the latency scripts whose
figures depend on which lookups pass: the same in every run, every embedding paid."""

from __future__ import annotations

import contextlib
import inspect
import uuid
from collections.abc import AsyncIterator
from types import SimpleNamespace

import pytest

from nearhit.cache import SemanticCache
from nearhit.cache.lookup import Lookup
from nearhit.config import Settings
from nearhit.evaluation import Pair, Side, dataset, scratch_cache
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest
from tests.support.benchmarks import load_script

LETTERS = str.maketrans("0123456789", "ghijklmnop")

TABLE = """| lookup | p50 ms | p90 ms | embed p50 ms | context p50 ms | told as one p50 ms (lookups) | learned add p50 ms (lookups) | first look less the embed p50 / p90 ms |
|---|---|---|---|---|---|---|---|
| single question | 8.70 | 10.45 | 6.17 | 0.02 | – | – | 1.00 / 2.02 |
| conversation | 39.61 | 124.08 | 20.51 | 0.95 | 1.97 (73) | 0.01 (129) | 3.06 / 8.52 |
| identical history | 0.19 | 0.45 | 0.00 | 0.00 | – | – | 0.17 / 0.44 |
"""  # noqa: E501 (the benchmark's own table, as it prints it)


def test_the_figure_is_the_conversation_less_the_single_question() -> None:
    assert load_script("latency_ab").figure(TABLE) == 2.06


def test_an_output_without_both_rows_is_refused() -> None:
    single_only = "\n".join(line for line in TABLE.splitlines() if not line.startswith("| conversation"))
    with pytest.raises(ValueError, match="first look less the embed"):
        load_script("latency_ab").figure(single_only)


def test_the_first_look_with_its_embedding_is_read_beside_it() -> None:
    """A branch that moves work into the embedding's time lowers the figure above, not this one (lt49)."""
    line = "The first look with its embedding, p50 ms: single question 9.12, conversation 40.05 (work moved ...)"
    script = load_script("latency_ab")
    assert script.with_embed(f"{TABLE}\n{line}\n") == 30.93
    assert script.with_embed(TABLE) is None  # an older benchmark's output: no such line


def test_the_cache_tables_ask_the_same_text_every_run_and_pay_every_embedding() -> None:
    """Which stages a lookup runs depends on its text: one mark in every run (two trees timed on the same work), and
    no vector read back from the store an earlier run filled (each lookup pays its embedding)."""
    script = load_script("conversation_latency")
    assert script.RUN_MARK == load_script("conversation_latency").RUN_MARK and script.RUN_MARK.isalpha()
    marks = [script.run_mark(n) for n in range(12)]
    assert marks[0] == script.RUN_MARK and len(set(marks)) == 12 and all(mark.isalpha() for mark in marks)
    assert marks == [load_script("conversation_latency").run_mark(n) for n in range(12)]
    assert "fresh_mark" not in inspect.getsource(script._through_the_service)  # the service's passes: run_mark too

    class Store:
        def from_stored(self, raw: object) -> object:
            return raw

    cache = SimpleNamespace(embeddings=Store())
    script.embed_every_time(cache)
    assert cache.embeddings.from_stored(b"\0" * 1536) is None


def test_a_timed_conversation_is_looked_up_with_its_pairs_turns_and_question() -> None:
    """The mark that keeps a conversation new to the store is no turn of its own (lt62: after the question, the
    lookup split it off as a last user turn nobody sent) and leaves the question as the pair asks it."""
    script = load_script("conversation_latency")
    assert "marked(p.b, run)" in inspect.getsource(script.main)
    assert "marked(pair.b, run)" in inspect.getsource(script._through_the_service)
    pairs = [pair.b for pair in dataset.load("conversations", "dev") if pair.a.history]
    for side in pairs:
        prompt, history = script.marked(side, script.RUN_MARK)
        timed, own = _as_looked_up(prompt, history), _as_looked_up(side.prompt, side.history)
        assert timed.prompt == own.prompt
        assert (timed.context is None) == (own.context is None)
        if own.context is not None:
            assert timed.context is not None and len(timed.context.turns) == len(own.context.turns)


def _as_looked_up(prompt: str, history: tuple[tuple[str, str], ...]) -> Lookup:
    messages = tuple(ChatMessage(role, content) for role, content in history)  # type: ignore[arg-type]
    looked = AskRequest(prompt, history=messages).checked("default", 100_000).query
    assert looked is not None
    return looked


@pytest.mark.parametrize(
    "name",
    ["chance_cpu", "context_replay", "conversation_profile", "conversation_round_trips", "miss_embeds", "miss_proof"],
)
def test_a_script_counting_a_conversations_stages_asks_it_as_the_latency_figure_does(name: str) -> None:
    """These scripts ask each conversation as ``conversation_latency.py`` does (lt63): its question not marked, so no
    user turn nobody sent is split off it (on -v61 the first look served 6 of 100 with that turn, 14 without)."""
    source = inspect.getsource(load_script(name))
    assert "marked(pair.b, run)" in source and "pair.b.prompt} (" not in source


MARKED = (
    "chance_cpu",
    "context_replay",
    "conversation_profile",
    "conversation_round_trips",
    "miss_embeds",
    "miss_proof",
)
"""The scripts whose figure depends on which lookups pass (by outcome, by stage, by embedder call): marked alike in
every run (``run_mark``), not with ``fresh_mark``'s random letters (``knn_payload.py`` and ``stored_side_reading.py``
time every lookup's KNN alike, whatever passes, and keep them)."""


@pytest.mark.parametrize("name", MARKED)
def test_a_script_whose_figure_depends_on_which_lookups_pass_marks_alike_every_run(name: str) -> None:
    script = load_script(name)
    assert not hasattr(script, "fresh_mark")
    assert {"run_mark", "RUN_MARK"} & set(vars(script))
    assert {"embed_every_time", "only_this_runs_vectors"} & set(vars(script))


async def _looked_up(cache: SemanticCache, text: str) -> int:
    """How many texts the store computed for one lookup of ``text``, its fill written after."""
    before = cache.embeddings.misses
    await cache.lookup(AskRequest(text, tenant="t").checked("default", 32_000).query)  # type: ignore[arg-type]
    await cache.background.drain()
    return cache.embeddings.misses - before


async def test_a_vector_stored_before_is_embedded_again_every_time(cache: SemanticCache) -> None:
    """On the real store: a text an earlier lookup wrote is read back, and embedded again once every stored vector
    reads as absent (``embed_every_time``), however often it is asked."""
    text = f"How do I renew a passport by mail? ({uuid.uuid4().hex[:6].translate(LETTERS)})"
    assert await _looked_up(cache, text) == 1
    assert await _looked_up(cache, text) == 0  # as a fixed mark's second run found it
    load_script("conversation_latency").embed_every_time(cache)
    assert await _looked_up(cache, text) == 1
    assert await _looked_up(cache, text) == 1


async def test_only_the_vectors_this_run_wrote_are_read_back(cache: SemanticCache) -> None:
    """On the real store (``miss_embeds.py``'s computed texts): a vector an earlier run wrote is embedded again, one
    this run wrote is read back, as on a root nothing ran on before."""
    mark = uuid.uuid4().hex[:6].translate(LETTERS)
    earlier, later = f"Can I bring a cat on a train? ({mark})", f"Is a dog allowed on the bus? ({mark})"
    assert await _looked_up(cache, earlier) == 1  # an earlier run's
    load_script("conversation_latency").only_this_runs_vectors(cache)
    assert await _looked_up(cache, earlier) == 1
    assert await _looked_up(cache, earlier) == 0
    assert await _looked_up(cache, later) == 1
    assert await _looked_up(cache, later) == 0


async def test_two_profile_runs_look_up_the_same_texts_and_pay_the_same_embeddings(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``conversation_profile.py`` run twice (two sets, the same pairs, on the real store): the same texts in the
    same scopes, a scope and a mark for each set, and each run computing every vector it embeds (none of the first
    run's read back by the second)."""
    script = load_script("conversation_profile")
    pairs = [
        Pair(
            "p1",
            "chatter",
            Side("Which plan fits me?", (("user", "I run a small bakery with six staff."), ("assistant", "Noted."))),
            Side("What plan suits me?", (("user", "I own a little bakery, six people."), ("assistant", "OK."))),
            True,
        )
    ]
    asked: list[tuple[str, str, tuple[tuple[str, str], ...]]] = []
    computed: list[int] = []
    ask = script.request

    def request(cache: SemanticCache, tenant: str, side: Side) -> object:
        asked.append((tenant, side.prompt, side.history))
        return ask(cache, tenant, side)

    @contextlib.asynccontextmanager
    async def scratch(_: Settings) -> AsyncIterator[SemanticCache]:
        async with scratch_cache(settings.model_copy(update={"index_name": f"t_{uuid.uuid4().hex[:12]}"})) as cache:
            yield cache
            computed.append(cache.embeddings.misses)

    monkeypatch.setattr(script.dataset, "load", lambda name, split: pairs)
    monkeypatch.setattr(script, "request", request)
    monkeypatch.setattr(script, "scratch_cache", scratch)
    runs = []
    for _ in range(2):
        asked.clear()
        _, stages, _, looked = await script.profile(["x", "y"], on=False)
        runs.append((list(asked), {stage: len(times) for stage, times in stages.items()}, looked))
    assert runs[0] == runs[1] and runs[0][2] == 2
    assert len({tenant for tenant, *_ in runs[0][0]}) == 2  # a scope for each set
    assert computed[0] == computed[1] > 0
