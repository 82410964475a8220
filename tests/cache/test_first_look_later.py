"""A conversation's first look judges the turns of the KNN rows it may serve only (issue 14, latency): the farther
ones, under every margin (:func:`context_match.servable_floor`), are judged in :meth:`FirstLook.finish` (beside the
LLM call in the service), or never on a hit (listed ``not_needed``, their turns not compared). Judged later, they are
judged as before: a second chance still serves through one, the candidates list every KNN row with the outcome it
had, ``context_rejections`` counts the same. Invented conversations, the real embedded Redis, the default guards."""

from __future__ import annotations

from typing import Any

import pytest

from nearhit.cache import SemanticCache, context_match
from nearhit.cache.results import LookupResult
from tests.cache.test_conversation_after_answer import REDO, REPLACE, SHOWER, STARTER
from tests.cache.test_conversation_turns import ANSWER, FLOUR, JAR, STORY
from tests.support.lookups import Turns, ask

STORED: list[tuple[Turns, str]] = [
    (STORY, "How often should I feed it?"),
    (STORY, "Can I keep it in the fridge while I'm away?"),
    (FLOUR + STORY, "Should I throw it away and start again?"),
    (JAR, "Does the jar need a loose lid?"),
    (SHOWER, REDO),
    (STARTER, "How do I know it is ready to bake with?"),
    (FLOUR, "Is rye flour better for a starter?"),
]


async def rejections(cache: SemanticCache) -> int:
    """The ``context_rejections`` counter as written (not one of ``cache stats``'s fields)."""
    await cache._flush_counts()
    return int(await cache.redis.hget(cache.keys.stats_key, "context_rejections") or 0)


def shown(result: LookupResult) -> dict[str, Any]:
    """What a lookup reports (the inspector's candidates, the verdict), its timings and its own vector aside."""
    data = result.to_dict()
    for name in ("timings_ms", "embedding", "embedding_dimension", "query"):
        data.pop(name, None)
    return data


async def stored_in_one_scope(cache: SemanticCache) -> None:
    for turns, question in STORED:
        await cache.store(ask(cache, turns, question), f"{ANSWER} ({question})")
    await cache.background.drain()


async def test_a_row_too_far_for_the_first_look_still_gets_its_second_chance(guarded_cache: SemanticCache) -> None:
    """ "What's the way to replace that myself?" reads 0.56 alone against "How do I redo it?" after the same turns:
    under every margin, so its turns are left for later; the second chance that tells both after the answer they
    follow (``after_the_answer``, down to ``AFTER_ANSWER_FLOOR``) still reads it, and serves it."""
    cache = guarded_cache
    key = await cache.store(ask(cache, SHOWER, REDO), "seal answer")
    await cache.background.drain()
    first = await cache.first_look(ask(cache, SHOWER, REPLACE))
    assert first.pending and not first.result.hit
    assert first.result.candidates == [] and "context_later" not in first.result.timings_ms  # its turns not read yet
    result = await first.finish()
    assert result.hit and result.answer is not None and result.answer.doc_id == key, result.candidates
    assert result.similarity is not None and result.similarity < context_match.servable_floor(result.threshold, 0.1)
    assert "context_later" in result.timings_ms and "after_answer" in result.timings_ms


def recording(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """``context_match.split_under`` patched to record how many rows each lookup left for later."""
    split = context_match.split_under
    left: list[int] = []

    def recorded(rows: context_match.Rows, floor: float) -> tuple[context_match.Rows, context_match.Rows]:
        judged, later = split(rows, floor)
        left.append(len(later))
        return judged, later

    monkeypatch.setattr(context_match, "split_under", recorded)
    return left


@pytest.mark.parametrize(
    ("turns", "question"),
    [
        (SHOWER, "Can I fix a leaking shower tray seal on my own?"),  # a miss: the far rows judged in finish()
        (STORY, "Can I use it to make pizza dough?"),  # after the same turns, every question far
    ],
)
async def test_rows_judged_later_are_listed_and_counted_as_before(
    guarded_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch, turns: Turns, question: str
) -> None:
    """The same lookup with every row judged at the first look (as before) and with the far ones judged later:
    the same result, every KNN row listed with the same outcome and reason, the same context rejections counted."""
    cache = guarded_cache
    await stored_in_one_scope(cache)
    left = recording(monkeypatch)
    before = await rejections(cache)
    first = await cache.first_look(ask(cache, turns, question))
    assert not first.result.hit and first.pending
    listed_first = len(first.result.candidates)
    later = await first.finish()
    counted_later = await rejections(cache) - before
    assert left and left[0] > 0 and listed_first < len(later.candidates)  # some rows listed by finish()

    monkeypatch.setattr(context_match, "split_under", lambda rows, floor: (rows, []))  # all judged at once
    before = await rejections(cache)
    at_once = await cache.lookup(ask(cache, turns, question))
    assert shown(later) == shown(at_once)
    assert counted_later == await rejections(cache) - before > 0


async def test_a_hit_lists_the_rows_left_for_later_uncompared(
    guarded_cache: SemanticCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hit at the first look compares no far row's turns: each is listed ``not_needed`` (why: not compared) and
    none is counted in ``context_rejections``; the rows it judged, the answer and the similarity are those of the
    lookup that judges every row at once, which refuses some of the far ones by their turns."""
    cache = guarded_cache
    await stored_in_one_scope(cache)
    left = recording(monkeypatch)
    before = await rejections(cache)
    first = await cache.first_look(ask(cache, STORY, "How often do I need to feed it?"))
    counted = await rejections(cache) - before
    assert first.result.hit and not first.pending and left and left[0] > 0
    near, far = first.result.candidates[: -left[0]], first.result.candidates[-left[0] :]
    assert all(c.outcome == "not_needed" and c.reason == context_match.NOT_COMPARED for c in far), far

    monkeypatch.setattr(context_match, "split_under", lambda rows, floor: (rows, []))  # all judged at once
    before = await rejections(cache)
    at_once = await cache.lookup(ask(cache, STORY, "How often do I need to feed it?"))
    counted_at_once = await rejections(cache) - before
    assert at_once.candidates[: len(near)] == near
    assert [c.doc_id for c in at_once.candidates[len(near) :]] == [c.doc_id for c in far]
    refused_far = sum(c.outcome == "rejected_by_guard" for c in at_once.candidates[len(near) :])
    assert refused_far > 0 and counted == counted_at_once - refused_far
    assert {**shown(first.result), "candidates": None} == {**shown(at_once), "candidates": None}
