"""A modal or a word of time turned, in English and the other read languages (issue 13, twenty-fourth session):
"Får jag ...?" against "Hur ... jag?", "Czy warto ...?" against "Jak ...?", "the last ..." against "the next ...".
Invented pairs, in other words than any dataset pair."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.guards import GuardSet, IntentGuard, TenseGuard
from nearhit.guards.languages import detect


@pytest.mark.parametrize(
    ("query", "candidate", "lang"),
    [
        ("Får jag elda i trädgården?", "Hur eldar jag i trädgården?", "sv"),
        ("Darf ich meine Hecke selbst schneiden?", "Wie schneide ich meine Hecke?", "de"),
        ("¿Es seguro congelar el pan casero?", "¿Cómo se congela el pan casero?", "es"),
        ("Vaut-il mieux rembourser mon prêt plus tôt ?", "Comment faire pour rembourser mon prêt plus tôt ?", "fr"),
        ("Moet ik mijn paspoort verlengen voor de reis?", "Hoe verleng ik mijn paspoort voor de reis?", "nl"),
        ("Czy warto wymienić opony na zimowe?", "Jak wymienić opony na zimowe?", "pl"),
    ],
)  # fmt: skip
def test_a_modal_opening_the_question_asks_another_thing_than_a_way(query: str, candidate: str, lang: str) -> None:
    assert detect(query) == detect(candidate) == lang
    found = IntentGuard().signal(query, candidate)
    assert found is not None and found.strength >= IntentGuard().cut, found
    assert GuardSet.default().first_rejection(query, candidate, 0.95) is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Wat moet ik doen om huurtoeslag aan te vragen?", "Hoe vraag ik huurtoeslag aan?"),  # a modal after "what"
        ("¿Qué pasos tengo que seguir para cambiar mi contraseña?", "¿Cómo puedo cambiar mi contraseña?"),
    ],
)
def test_a_modal_after_a_question_word_asks_the_way(query: str, candidate: str) -> None:
    found = IntentGuard().signal(query, candidate)
    assert found is None or found.strength < IntentGuard().cut, found


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Who won the last Ryder Cup?", "Who's favourite for the next Ryder Cup?"),
        ("När var den senaste fullmånen?", "När blir nästa fullmåne?"),
        ("Wann war die letzte Bundestagswahl?", "Wann ist die nächste Bundestagswahl?"),
        ("Quand a eu lieu la dernière coupe du monde ?", "Quand aura lieu la prochaine coupe du monde ?"),
    ],
)  # fmt: skip
def test_a_word_that_points_back_against_one_that_points_forward_is_another_time(query: str, candidate: str) -> None:
    found = TenseGuard().signal(query, candidate)
    assert found is not None and found.strength >= TenseGuard().cut, found
    assert found.reason == "times differ: back vs forward"


def test_the_same_time_word_on_both_sides_is_no_difference() -> None:
    assert TenseGuard().signal("When is the next bank holiday?", "Next bank holiday: when is it?") is None


async def test_the_cache_does_not_serve_the_next_for_the_last(cache: SemanticCache) -> None:
    scope = Scope.build(tenant="times")
    cache.guards = GuardSet.default()
    await cache.store("Who won the last Ryder Cup?", "...", scope)
    result = await cache.lookup("Who's favourite for the next Ryder Cup?", scope)
    assert result.match is None and result.rejected_by == "tense", result.rejection_reason
