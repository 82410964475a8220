"""A prompt at the size limit, one sentence said again and again: the guards' work on it grows with its words, not
with their square (a word-by-word-pair loop in the entity guard held the event loop 3-5 s, 9 s at load 13)."""

from __future__ import annotations

import threading
import time

from nearhit.cache import semantic_cache
from nearhit.cache.results import LookupResult
from nearhit.guards.direction import DirectionGuard
from nearhit.guards.entities import EntityGuard
from nearhit.guards.text import analyse

SENTENCE = "How long does a passport renewal take in Ohio? "
LIMIT = 32_000  # NEARHIT_MAX_PROMPT_CHARS's default


def _repeated(sentence: str) -> str:
    return (sentence * (LIMIT // len(sentence) + 1))[:LIMIT]


def test_the_entity_and_direction_guards_on_a_repetitive_prompt_are_linear() -> None:
    query = _repeated(SENTENCE)
    candidate = query.replace("Ohio", "Texas", 1)[:LIMIT]
    analyse(query), analyse(candidate)  # the reading of each text, cached: not what is timed
    started = time.process_time()
    EntityGuard().signal(query, candidate)
    DirectionGuard().signal(query, candidate)
    assert time.process_time() - started < 0.8  # 0.12 s of CPU (2.8 s before: quadratic in the words)


def test_compound_words_still_found_among_many() -> None:
    """The compound search indexed by head finds what the pair-by-pair loop found, in a long text too."""
    filler = "Ich habe eine Frage zu meinem Garten. " * 200
    verdict = EntityGuard().signal(
        filler + "Ist ein Holzstuhl wetterfest?", filler + "Ist ein hölzerner Stuhl wetterfest?"
    )
    assert verdict is None or verdict.strength == 0


async def test_a_long_prompt_is_judged_off_the_event_loop() -> None:
    where: list[threading.Thread] = []

    def judge(result: LookupResult, prompt: str, rows: object) -> None:
        where.append(threading.current_thread())

    result = LookupResult(match=None, threshold=0.9, scope_id="s")
    await semantic_cache._judged(judge, result, "short", [("k", {"prompt": "short too"})])
    await semantic_cache._judged(judge, result, "short", [("k", {"prompt": "x" * (semantic_cache.OFF_LOOP_CHARS + 1)})])
    assert where[0] is threading.current_thread() and where[1] is not threading.current_thread()
