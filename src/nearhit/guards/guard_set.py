"""The configured set of guards a cache runs, by name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from nearhit.errors import InvalidInput
from nearhit.guards.code import CodeGuard
from nearhit.guards.direction import DirectionGuard
from nearhit.guards.entities import EntityGuard
from nearhit.guards.language_guard import DEFAULT_UNCOVERED_THRESHOLD, LanguageGuard
from nearhit.guards.negation import NegationGuard
from nearhit.guards.numbers import NumberGuard
from nearhit.guards.scope import ScopeGuard
from nearhit.guards.tense import TenseGuard
from nearhit.guards.verdicts import Guard, GuardSignal, GuardVerdict, SignalGuard

__all__ = ["GUARD_NAMES", "GuardSet"]

_GUARD_TYPES: dict[str, type[SignalGuard]] = {
    LanguageGuard.name: LanguageGuard,  # first: the others read English only
    NumberGuard.name: NumberGuard,
    NegationGuard.name: NegationGuard,
    EntityGuard.name: EntityGuard,
    DirectionGuard.name: DirectionGuard,
    ScopeGuard.name: ScopeGuard,
    CodeGuard.name: CodeGuard,
    TenseGuard.name: TenseGuard,
}
GUARD_NAMES: tuple[str, ...] = tuple(_GUARD_TYPES)


class GuardSet:
    """The guards a cache runs, in order; the first signal at its guard's cut rejects (and names its guard)."""

    def __init__(self, guards: Sequence[Guard]) -> None:
        self.guards: tuple[Guard, ...] = tuple(guards)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.guards)

    def signals(self, query: str, candidate: str) -> list[GuardSignal]:
        """Every guard's signal on the pair, in the set's order (the features of a calibrated decision)."""
        return [found for guard in self.guards if (found := guard.signal(query, candidate)) is not None]

    def first_rejection(self, query: str, candidate: str, similarity: float | None = None) -> GuardVerdict | None:
        """The first signal that reaches its guard's cut at this ``similarity``; ``None`` lets it be served."""
        for guard in self.guards:
            found = guard.signal(query, candidate)
            if found is not None and found.vetoes(guard.cut, similarity):
                return found.verdict()
        return None

    @classmethod
    def default(cls, *, uncovered_threshold: float = DEFAULT_UNCOVERED_THRESHOLD) -> GuardSet:
        return cls.from_names(GUARD_NAMES, uncovered_threshold=uncovered_threshold)

    @classmethod
    def from_names(cls, names: Iterable[str], *, uncovered_threshold: float = DEFAULT_UNCOVERED_THRESHOLD) -> GuardSet:
        """The named guards in order; ``uncovered_threshold`` is the language guard's stricter similarity."""
        chosen = [n.strip().lower() for n in names if n.strip()]
        unknown = [n for n in chosen if n not in _GUARD_TYPES]
        if unknown:
            raise InvalidInput(
                f"unknown guard name(s) {', '.join(map(repr, unknown))}; valid: {', '.join(GUARD_NAMES)}"
            )
        return cls(
            [
                LanguageGuard(uncovered_threshold) if n == LanguageGuard.name else _GUARD_TYPES[n]()
                for n in dict.fromkeys(chosen)
            ]
        )

    def __repr__(self) -> str:
        return f"GuardSet({list(self.names)!r})"
