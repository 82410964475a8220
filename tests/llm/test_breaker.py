"""The breaker of a lookup model (:class:`nearhit.llm.lookup_model.Breaker`) on a clock the test moves: when it opens,
what a failure of a call started before it opened does, the probe, the cool-down that doubles to its cap, and what
closes it. (Through the real server and a hanging provider: ``tests/api/test_lookup_model_breaker.py``.)"""

from __future__ import annotations

from nearhit.llm.lookup_model import Breaker


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_it_opens_after_the_failures_in_a_row_and_lets_one_probe_through() -> None:
    clock = Clock()
    breaker = Breaker(after=3, first=5.0, longest=12.0, clock=clock)
    assert [breaker.failed(probe=False) for _ in range(3)] == [False, False, True]  # True: it opens now
    assert breaker.skip() == "3 failures in a row, next try in 5.0 s"
    assert not breaker.failed(probe=False)  # a call started before it opened: the cool-down stands
    clock.now = 4.9
    assert breaker.skip() == "4 failures in a row, next try in 0.1 s"
    clock.now = 5.0
    assert breaker.skip() is None and breaker.probing  # the probe
    assert breaker.skip() == "4 failures in a row, a probe call running"  # the others, meanwhile
    assert not breaker.failed(probe=True)  # it stays open (reported once, when it opened)
    assert breaker.skip() == "5 failures in a row, next try in 10.0 s"
    clock.now = 15.0
    assert breaker.skip() is None and not breaker.failed(probe=True)
    assert breaker.cool_down == 12.0  # doubled, up to its cap
    clock.now = 27.0
    assert breaker.skip() is None and breaker.answered()  # True: it closes now
    assert breaker.skip() is None and not breaker.open and breaker.in_a_row == 0
    assert [breaker.failed(probe=False) for _ in range(3)] == [False, False, True]
    assert breaker.cool_down == 5.0  # from the first cool-down again


def test_a_call_that_answers_between_failures_starts_the_count_again() -> None:
    breaker = Breaker(after=3, clock=Clock())
    breaker.failed(probe=False)
    breaker.failed(probe=False)
    assert not breaker.answered()  # it was not open
    assert not breaker.failed(probe=False) and not breaker.failed(probe=False)
    assert breaker.skip() is None


def test_a_call_started_before_it_opened_that_answers_while_a_probe_runs_closes_it() -> None:
    clock = Clock()
    breaker = Breaker(after=3, first=5.0, clock=clock)
    assert [breaker.failed(probe=False) for _ in range(3)] == [False, False, True]
    clock.now = 5.0
    assert breaker.skip() is None and breaker.probing  # the probe goes
    assert breaker.answered()  # the older call answers first: the provider is up, closed, the probe no longer awaited
    assert not breaker.probing and breaker.skip() is None and breaker.skip() is None
