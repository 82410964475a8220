"""The configured set of guards a cache runs, by name."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import lru_cache

from nearhit.errors import InvalidInput
from nearhit.guards.code import CodeGuard
from nearhit.guards.direction import DirectionGuard
from nearhit.guards.entities import EntityGuard
from nearhit.guards.intent import IntentGuard
from nearhit.guards.language_guard import DEFAULT_UNCOVERED_THRESHOLD, LanguageGuard
from nearhit.guards.negation import NegationGuard
from nearhit.guards.numbers import NumberGuard
from nearhit.guards.scope import ScopeGuard
from nearhit.guards.tense import TenseGuard
from nearhit.guards.verdicts import Guard, GuardSignal, GuardVerdict, SignalGuard

__all__ = ["DEFAULT_QUIET_MARGIN", "GUARD_NAMES", "GuardSet"]

_GUARD_TYPES: dict[str, type[SignalGuard]] = {
    LanguageGuard.name: LanguageGuard,  # first: the others read English only
    NumberGuard.name: NumberGuard,
    NegationGuard.name: NegationGuard,
    EntityGuard.name: EntityGuard,
    DirectionGuard.name: DirectionGuard,
    ScopeGuard.name: ScopeGuard,
    CodeGuard.name: CodeGuard,
    TenseGuard.name: TenseGuard,
    IntentGuard.name: IntentGuard,
}
GUARD_NAMES: tuple[str, ...] = tuple(_GUARD_TYPES)
PAIRS_REMEMBERED = 2048
"""(query, candidate) pairs whose signals a set keeps: a paraphrase asked again is judged by a dict read."""
DEFAULT_QUIET_MARGIN = 0.10
"""How far below the similarity threshold a candidate may still be served when every guard is quiet."""
QUIET_SHARE = 0.5
"""A guard is quiet on a pair when its signal is under this share of its cut (half of what would veto)."""


class GuardSet:
    """The guards a cache runs, in order; the first signal at its guard's cut rejects (and names its guard)."""

    def __init__(self, guards: Sequence[Guard], *, quiet_margin: float = DEFAULT_QUIET_MARGIN) -> None:
        if not 0.0 <= quiet_margin < 1.0:
            raise InvalidInput(f"quiet margin must be in [0, 1), got {quiet_margin}")
        self.guards: tuple[Guard, ...] = tuple(guards)
        self.quiet_margin = quiet_margin
        # Guards are pure functions of the two texts, so a pair's signals may be kept (thread-safe LRU).
        self.deciding_signals = lru_cache(maxsize=PAIRS_REMEMBERED)(self._deciding_signals)
        self._all_signals = lru_cache(maxsize=PAIRS_REMEMBERED)(self._every_signal)
        self.signal_after = lru_cache(maxsize=PAIRS_REMEMBERED * max(len(self.guards), 1))(self._signal_after)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(g.name for g in self.guards)

    def signals(self, query: str, candidate: str) -> list[GuardSignal]:
        """Every guard's signal on the pair, in the set's order (the features of a calibrated decision)."""
        return list(self._all_signals(query, candidate))

    def prepare(self, query: str) -> None:
        """Work out ahead what the guards read of ``query`` alone (its analysis, language, clauses...: cached per
        text), so that judging it against a candidate later is mostly the comparison. A lookup may call this while
        its embedding runs (``NEARHIT_GUARDS_PREPARE_WHILE_EMBEDDING``); no signal depends on whether it was."""
        for guard in self.guards:
            if isinstance(guard, SignalGuard):
                guard.prepare(query)

    def first_rejection(
        self,
        query: str,
        candidate: str,
        similarity: float | None = None,
        *,
        dates_one_side: bool = False,
        told: bool = False,
        candidate_more: bool = False,
    ) -> GuardVerdict | None:
        """The first signal that reaches its guard's cut at this ``similarity``; ``None`` lets it be served.
        ``dates_one_side``: a signal that only a date told on one side differs (``GuardSignal.date_one_side``)
        rejects nothing, and the guards after it are asked (a story told over turns against one message);
        ``told`` (a conversation told as one question): nor does a scope word one side says only in its story
        (``GuardSignal.stated_one_side``); ``candidate_more`` (the query is the candidate's own words filled in): nor
        does another thing only the candidate names (``GuardSignal.candidate_more``)."""
        deciding = self.deciding_signals(query, candidate)
        for index, guard in enumerate(self.guards):
            found = deciding[index] if index < len(deciding) else self.signal_after(query, candidate, index)
            if found is not None and found.vetoes(guard.cut, similarity):
                if (
                    (dates_one_side and found.date_one_side)
                    or (told and found.stated_one_side)
                    or (candidate_more and found.candidate_more)
                ):
                    continue
                return found.verdict()
        return None

    def quiet(self, query: str, candidate: str) -> bool:
        """Whether no guard sees even half of a difference that would veto: the texts differ in wording only,
        as far as the rules can read. Such a candidate is served down to ``quiet_margin`` below the threshold
        (most missed paraphrases sit just under it; a look-alike there nearly always trips a guard)."""
        signals = [(g, found) for g, found in zip(self.guards, self.deciding_signals(query, candidate), strict=False)]
        if any(found is not None and found.context for _, found in signals):
            # Context one side tells around its question: quiet only if nothing else differs at all (a
            # backstory dilutes the other guards' evidence, so their weak signals are not trusted).
            return all(found is None or found.context for _, found in signals)
        return all(found is None or found.strength < QUIET_SHARE * g.cut for g, found in signals)

    def _deciding_signals(self, query: str, candidate: str) -> tuple[GuardSignal | None, ...]:
        """Each guard's signal in order, up to the first that vetoes at any similarity: the guards after it
        can never decide (:meth:`first_rejection` stops there whatever the similarity). Memoised per pair."""
        found: list[GuardSignal | None] = []
        for guard in self.guards:
            signal = guard.signal(query, candidate)
            found.append(signal)
            if signal is not None and signal.min_similarity is None and signal.vetoes(guard.cut, None):
                break
        return tuple(found)

    def _every_signal(self, query: str, candidate: str) -> tuple[GuardSignal, ...]:
        """Every guard's signal, the deciding ones read from their memo: the calibrated decision reads these and
        :meth:`quiet`, and without this each guard ran twice on a pair's first look. Memoised per pair."""
        deciding = self.deciding_signals(query, candidate)
        rest = [self.signal_after(query, candidate, index) for index in range(len(deciding), len(self.guards))]
        return tuple(found for found in (*deciding, *rest) if found is not None)

    def _signal_after(self, query: str, candidate: str, index: int) -> GuardSignal | None:
        """The signal of the guard at ``index``, one past the deciding ones: the calibrated decision reads only
        those its score weighs, :meth:`signals` every one, and each guard still runs once. Memoised per pair."""
        return self.guards[index].signal(query, candidate)

    @classmethod
    def default(
        cls, *, uncovered_threshold: float = DEFAULT_UNCOVERED_THRESHOLD, quiet_margin: float = DEFAULT_QUIET_MARGIN
    ) -> GuardSet:
        return cls.from_names(GUARD_NAMES, uncovered_threshold=uncovered_threshold, quiet_margin=quiet_margin)

    @classmethod
    def from_names(
        cls,
        names: Iterable[str],
        *,
        uncovered_threshold: float = DEFAULT_UNCOVERED_THRESHOLD,
        quiet_margin: float = DEFAULT_QUIET_MARGIN,
    ) -> GuardSet:
        """The named guards in order; ``uncovered_threshold`` is the language guard's stricter similarity,
        ``quiet_margin`` how far under the threshold a pair no guard reads a difference in is served."""
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
            ],
            quiet_margin=quiet_margin,
        )

    def __repr__(self) -> str:
        return f"GuardSet({list(self.names)!r})"
