"""Guards: cheap text checks that veto a semantic candidate which only *looks* like the query.

A sentence embedder scores "Which foods are low in iron?" and "... high in iron?" as near-identical,
so after the vector search the engine asks these guards whether the cached prompt could have a
different answer. Each guard is pure (no I/O, no model), runs in microseconds, and errs towards
rejecting: a false rejection costs one LLM call, a false hit serves a wrong answer.

Modules: ``text`` (one analysis per prompt), ``lexicon`` (the word lists in ``data/``), ``clauses`` (the
question clause and the backstory), ``units``, ``languages`` (which language a prompt is in), ``degrees``
(adjectives in a degree: "thickest", "the most fragile"), one module per guard family, ``verdicts`` (a
guard's signal and the veto) and ``guard_set`` (the configured set).

Every module but this one and ``guard_set`` may be compiled by mypyc (``make compile``, :mod:`nearhit.native`):
``BUILD`` says which build this process runs; a compiled build older than its sources is never imported.
"""

# ruff: noqa: E402  (the build is chosen before any guard module is imported)
from nearhit.native import activate as _activate

BUILD = _activate(__path__)
"""Which build of the guards runs: "compiled by mypyc ..." or "pure Python (why)"."""

from nearhit.guards.code import CodeGuard
from nearhit.guards.direction import DirectionGuard
from nearhit.guards.entities import EntityGuard
from nearhit.guards.guard_set import GUARD_NAMES, GuardSet
from nearhit.guards.intent import IntentGuard
from nearhit.guards.language_guard import DEFAULT_UNCOVERED_THRESHOLD, LanguageGuard
from nearhit.guards.negation import NegationGuard
from nearhit.guards.numbers import NumberGuard
from nearhit.guards.scope import ScopeGuard
from nearhit.guards.tense import TenseGuard
from nearhit.guards.verdicts import Guard, GuardSignal, GuardVerdict, SignalGuard

__all__ = [
    "BUILD",
    "DEFAULT_UNCOVERED_THRESHOLD",
    "GUARD_NAMES",
    "CodeGuard",
    "DirectionGuard",
    "EntityGuard",
    "Guard",
    "GuardSet",
    "GuardSignal",
    "GuardVerdict",
    "IntentGuard",
    "LanguageGuard",
    "NegationGuard",
    "NumberGuard",
    "ScopeGuard",
    "SignalGuard",
    "TenseGuard",
]
