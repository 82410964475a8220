"""Under the calibrated decision (``NEARHIT_DECISION=true``), a pair's first judgement runs each guard once: its
signals, its veto and its quiet test read one memo (they ran every guard twice, issue 18)."""

from __future__ import annotations

from nearhit.decision import Decision
from nearhit.guards import GuardSet, GuardSignal, SignalGuard


class Counting(SignalGuard):
    """A guard of the default set, its calls counted."""

    def __init__(self, inner: SignalGuard) -> None:
        self.inner, self.name, self.cut, self.calls = inner, inner.name, inner.cut, 0

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        self.calls += 1
        return self.inner.signal(query, candidate)


def _counted() -> tuple[GuardSet, list[Counting]]:
    guards = [Counting(guard) for guard in GuardSet.default().guards if isinstance(guard, SignalGuard)]
    return GuardSet(guards), guards


def test_a_pairs_first_judgement_runs_each_guard_once() -> None:
    guards, counted = _counted()
    decision = Decision(guards)
    # Written for this test: a paraphrase (every guard reached); a look-alike that a guard vetoes at full strength
    # (the guards after it are not run for the score: no signal can raise the strongest one); one vetoed under it
    # (the guards after it that the score weighs run, the intent guard does not).
    for query, candidate, first in (
        (
            "What's the best way to get limescale off a shower head?",
            "How do I remove limescale from a shower head?",
            [1] * len(counted),
        ),
        ("Can I freeze cooked rice for 3 days?", "Can I freeze cooked rice for 7 days?", [1, 1] + [0] * 7),
        ("Can I freeze cooked rice for a week?", "Can I freeze cooked rice for a month?", [1] * 8 + [0]),
    ):
        judgement = decision.judge(query, candidate, 0.93)
        assert [guard.calls for guard in counted] == first, (query, [g.calls for g in counted])
        assert judgement.signals == tuple(  # read when asked, each guard still once
            found for guard in counted if (found := guard.inner.signal(query, candidate)) is not None
        )
        decision.judge(query, candidate, 0.95)  # asked again: read from the memo
        assert [guard.calls for guard in counted] == [1] * len(counted)
        for guard in counted:
            guard.calls = 0


def test_the_signals_after_a_veto_are_the_guards_after_it() -> None:
    """The memo of the deciding signals stops at a veto; every signal goes on from there, in the set's order."""
    guards, _ = _counted()
    query, candidate = "Which foods are low in iron at 7am?", "Which foods are high in iron at 9pm?"
    assert guards.first_rejection(query, candidate) is not None
    assert len(guards.deciding_signals(query, candidate)) < len(guards.guards)
    assert [s.guard for s in guards.signals(query, candidate)] == [
        s.guard for g in GuardSet.default().guards if (s := g.signal(query, candidate)) is not None
    ]
