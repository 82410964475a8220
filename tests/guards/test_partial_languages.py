"""Languages the rules read only partly (Spanish, French, German, Portuguese, Italian, Dutch): detection that
goes to the stricter side when unsure, no quiet band, an optional margin above the threshold, and question
words read as ask-types. Invented sentences, none from a dataset."""

from __future__ import annotations

import pytest

from nearhit.cache import choose, entry
from nearhit.cache.results import LookupResult
from nearhit.errors import InvalidInput
from nearhit.guards import GuardSet, LanguageGuard
from nearhit.guards.languages import UNKNOWN, detect

THRESHOLD = 0.76
SPANISH = ("¿Cómo limpio una sartén de hierro?", "¿Cómo se limpia una sartén de hierro?")  # quiet in English terms


def outcome(pair: tuple[str, str], similarity: float, guards: GuardSet) -> str:
    query, cached = pair
    rows = [("doc:1", {"prompt": cached, "response": "an answer", entry.DISTANCE: str(1.0 - similarity)})]
    result = LookupResult(match=None, threshold=THRESHOLD)
    choose.by_guards(result, query, rows, guards)
    return result.candidates[0].outcome


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Não consigo abrir o arquivo da planilha", "pt"),  # a Portuguese letter, not Spanish negators
        ("¿Los gatos comen pescado crudo?", "es"),  # the inverted question mark
        ("Wie lösche ich alle alten Dateien im Ordner?", "de"),  # "alle" is German as well as Dutch
        ("Hva koster det å sende en pakke til meg?", "no"),  # Norwegian
        ("Como plantar tomates para o verão", "pt"),
        ("Como regar para semillas", UNKNOWN),  # a tie between two read languages: read by neither
    ],
)
def test_detect_goes_to_the_stricter_side_when_unsure(text: str, language: str) -> None:
    assert detect(text) == language


def test_english_questions_stay_english() -> None:
    for text in ("How do I stop all running jobs in the queue?", "Is the museum free for children under ten?"):
        assert detect(text) == "en"


def test_a_partly_read_language_gets_no_quiet_band() -> None:
    english = ("Beach trip packing list?", "What should I pack for a beach holiday?")
    guards = GuardSet.default()
    assert guards.quiet(*english) and not guards.quiet(*SPANISH)
    assert outcome(SPANISH, 0.70, guards) == "below_threshold"
    assert outcome(SPANISH, 0.80, guards) == "served"


def test_the_partial_margin_raises_the_threshold_for_partly_read_languages_only() -> None:
    guards = GuardSet.default(partial_margin=0.1)
    assert outcome(SPANISH, 0.80, guards) == "below_threshold"
    assert outcome(SPANISH, 0.87, guards) == "served"
    assert guards.margin("How tall is the tower?", "What is the height of the tower?") == 0.0
    with pytest.raises(InvalidInput):
        GuardSet.default(partial_margin=1.5)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Faut-il arroser les tomates le soir ?", "Comment arroser les tomates le soir ?"),  # must vs how
        ("¿Cuándo abre la biblioteca municipal?", "¿Dónde abre la biblioteca municipal?"),  # when vs where
        ("Wann fährt der Bus nach Bremen?", "Fährt der Bus nach Bremen?"),  # when vs yes/no
    ],
)
def test_other_question_words_are_another_question(query: str, candidate: str) -> None:
    found = LanguageGuard().signal(query, candidate)
    assert found is not None and found.strength == 1.0 and "question words" in found.reason


def test_a_how_question_reworded_without_how_is_not_vetoed() -> None:
    assert (
        LanguageGuard().signal("Comment préparer une soupe aux poireaux ?", "Recette de soupe aux poireaux ?") is None
    )


def test_a_suffix_moved_with_a_swapped_word_is_still_the_same_words_reordered() -> None:
    found = LanguageGuard().signal("Kedim köpeğe neden havlıyor?", "Köpeğim kediye neden havlıyor?")
    assert found is None or found.min_similarity is not None  # different stems: only the stricter threshold
    swapped = LanguageGuard().signal("Çaydanlığa kahveli su koydum", "Kahveliğe çaylı su koydum")
    assert swapped is not None
    reordered = LanguageGuard().signal("Kırmızı arabaya mavi boya sürdüm", "Mavi arabaya kırmızılı boya sürdüm")
    assert reordered is not None and reordered.min_similarity is None and "reordered" in reordered.reason
