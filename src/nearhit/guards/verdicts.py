"""What a guard says about a (query, cached prompt) pair: a signal with a strength, and the veto on top.

A guard measures how strongly the two prompts differ in its respect (``GuardSignal.strength`` in [0, 1]);
the set vetoes a candidate when a signal reaches that guard's cut. Strengths below the cut are kept, so a
later calibrated decision can weigh weak evidence (a number that differs only in a backstory sentence)
instead of ignoring it. A signal may instead ask for a stricter similarity (``min_similarity``): the
candidate is vetoed unless it is at least that similar (a language the rules cannot read).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Final, Protocol

from mypy_extensions import mypyc_attr

__all__ = ["DEFAULT_CUT", "Guard", "GuardSignal", "GuardVerdict", "SignalGuard"]

DEFAULT_CUT: Final = 0.5
"""A signal at or above this strength vetoes the candidate, unless the guard sets its own cut."""


@dataclass(frozen=True)
class GuardVerdict:
    """Why a candidate was rejected: the guard's name and a short human-readable reason."""

    guard: str
    reason: str


@dataclass(frozen=True)
class GuardSignal:
    """How strongly one guard finds the prompts to differ (1.0: certainly another question), and why."""

    guard: str
    strength: float
    reason: str
    min_similarity: float | None = None
    """When set, the signal vetoes only a candidate less similar than this."""
    context: bool = False
    """The difference lies only in context one side tells around its question (a backstory the other
    question does not need): weak evidence, which leaves the pair quiet (:meth:`GuardSet.quiet`)."""
    date_one_side: bool = False
    """The only difference is a date one side tells and the other, naming no date at all, leaves out ("on Friday"
    / nothing): no other date, and no number, differs. A story told over turns that adds when it happened is
    still the story a single message tells (:func:`nearhit.cache.conversation.differs_from_one`)."""
    stated_one_side: bool = False
    """The only difference is a scope word one side says in its story, not in what it asks ("first time doing it
    myself!! how long before I can grout?" / "how long before I can grout?"): told as one question against a
    single one, it words the story, it does not scope the question (:class:`nearhit.guards.scope.ScopeGuard`)."""
    candidate_more: bool = False
    """The other thing is only the candidate's: subject words the candidate says and the query does not, the query
    saying none the candidate does not (:class:`nearhit.guards.entities.EntityGuard`; not a name: a name only one side
    says may be another thing the turns pointed at, "can it retry a run that failed?" after a systemd timer against
    "Can a Kubernetes CronJob retry a failed run?"). A follow-up read standalone, filled in with the candidate's own
    words, says no other thing; what it leaves out, the story judges (:func:`nearhit.cache.referent.told_resolved`)."""

    def __post_init__(self) -> None:
        if not 0.0 <= self.strength <= 1.0:
            raise ValueError(f"signal strength must be in [0, 1], got {self.strength}")

    def vetoes(self, cut: float, similarity: float | None) -> bool:
        """Whether this signal rejects a candidate of ``similarity`` (unknown similarity: the strict side)."""
        if self.strength < cut:
            return False
        return self.min_similarity is None or similarity is None or similarity < self.min_similarity

    def verdict(self) -> GuardVerdict:
        return GuardVerdict(self.guard, self.reason)


class Guard(Protocol):
    """A check on (query, cached prompt): a signal when the guard sees a difference, else ``None``."""

    @property
    def name(self) -> str: ...

    cut: float

    def signal(self, query: str, candidate: str) -> GuardSignal | None: ...

    def check(self, query: str, candidate: str) -> GuardVerdict | None: ...


@mypyc_attr(allow_interpreted_subclasses=True)  # a guard of one's own, compiled or not, is a SignalGuard
class SignalGuard:
    """A guard written as ``signal``; ``check`` is the veto at the guard's ``cut``."""

    name: ClassVar[str] = "guard"
    cut = DEFAULT_CUT

    def signal(self, query: str, candidate: str) -> GuardSignal | None:
        raise NotImplementedError

    def prepare(self, text: str) -> None:
        """Work out what :meth:`signal` reads of one side alone (cached per text), ahead of its pairs; a guard
        whose per-text steps are not cached has nothing to do here."""

    def check(self, query: str, candidate: str) -> GuardVerdict | None:
        """The rejection, or ``None`` if the candidate may be served as far as this guard can tell."""
        found = self.signal(query, candidate)
        return found.verdict() if found is not None and found.vetoes(self.cut, None) else None

    def _signal(
        self,
        strength: float,
        reason: str,
        *,
        context: bool = False,
        date_one_side: bool = False,
        stated_one_side: bool = False,
        candidate_more: bool = False,
    ) -> GuardSignal:
        return GuardSignal(
            self.name,
            max(0.0, min(1.0, strength)),
            reason,
            context=context,
            date_one_side=date_one_side,
            stated_one_side=stated_one_side,
            candidate_more=candidate_more,
        )
