"""What the guards read of the query alone may be worked out ahead (``GuardSet.prepare``, while the lookup's
embedding runs): the signals are the same whether it was or not, and the pair's first look then has less to do
(issue 18). Each check starts from empty per-text caches, so that "cold" means cold."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterator
from functools import _lru_cache_wrapper

import pytest

import nearhit.guards
from nearhit.evaluation.dataset import load
from nearhit.guards import GuardSet
from nearhit.guards.verdicts import GuardSignal

# Written for this test, in other words than the dev pairs: a number, a negation, a name, a direction, a scope
# word, a code symbol, a tense, an ask-type and a language apart; a backstory; a paraphrase.
INVENTED = [
    ("How many litres of paint cover 40 square metres of fence?", "How many litres of paint cover 25 square metres?"),
    ("Why won't my kiln reach cone 6?", "Why does my kiln reach cone 6 so quickly?"),
    ("Can I ship lithium batteries with Parcelforce?", "Can I ship lithium batteries with Evri?"),
    ("How do I move contacts from Outlook to Thunderbird?", "How do I move contacts from Thunderbird to Outlook?"),
    ("Do all of the tenants have to sign the lease?", "Does one of the tenants have to sign the lease?"),
    ("What does `git clean -fd` delete?", "What does `git clean -n` delete?"),
    ("When was the footbridge repainted?", "When will the footbridge be repainted?"),
    ("How long does a passport renewal take?", "How much does a passport renewal cost?"),
    ("¿Cómo cambio la contraseña del router?", "How do I change the router password?"),
    ("My landlord retired last spring. Who fixes the boiler now?", "Who is responsible for fixing the boiler?"),
    ("What's the quickest way to descale a kettle?", "How can I descale a kettle fast?"),
]


def _pairs() -> list[tuple[str, str]]:
    dev = [(p.b.prompt, p.a.prompt) for name in ("nearhit-v13", "nearhit-conversations-v8") for p in load(name, "dev")]
    return INVENTED + dev[::6]


def _text_caches() -> Iterator[_lru_cache_wrapper[object]]:
    """Every per-text (bounded) cache of the guards' modules; the word lists (unbounded) are left loaded."""
    for info in pkgutil.iter_modules(nearhit.guards.__path__):
        module = importlib.import_module(f"nearhit.guards.{info.name}")
        for value in vars(module).values():
            if isinstance(value, _lru_cache_wrapper) and value.cache_info().maxsize is not None:
                yield value


def _clear() -> None:
    for cached in _text_caches():
        cached.cache_clear()


def _misses() -> int:
    return sum(cached.cache_info().misses for cached in _text_caches())


def _look(guards: GuardSet, query: str, candidate: str) -> tuple[list[GuardSignal | None], int]:
    """Every guard's signal on the pair, and how many per-text steps it had to work out."""
    before = _misses()
    found = [guard.signal(query, candidate) for guard in guards.guards]
    return found, _misses() - before


@pytest.mark.slow
def test_signals_are_the_same_with_the_query_prepared_ahead_and_the_look_does_less() -> None:
    guards = GuardSet.default()
    guards.signals("warm up the word lists", "the word lists warmed up")
    pairs = _pairs()
    assert len(pairs) > 60
    cold_steps = prepared_steps = 0
    for query, candidate in pairs:
        _clear()
        cold, steps = _look(guards, query, candidate)
        cold_steps += steps
        _clear()
        guards.prepare(query)
        prepared, steps = _look(guards, query, candidate)
        prepared_steps += steps
        assert prepared == cold, (query, candidate)
    # The query's side was worked out ahead: under half the steps are left to the look.
    assert prepared_steps < 0.5 * cold_steps, (prepared_steps, cold_steps)


def test_every_guard_of_the_set_prepares_the_query() -> None:
    """Each built-in guard has per-text steps of its own to work out ahead (none is left at the no-op)."""
    for guard in GuardSet.default().guards:
        _clear()
        guard.prepare("How do I renew a fishing licence online before 3 May?")
        assert _misses() > 0, guard.name
