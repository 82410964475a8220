"""Swedish, Norwegian (Bokmål) and Danish share most of their function words: a question the detector cannot
place in one of them is read with the words of each it fits as well, so a tie never hides a negation, a
direction or an opposite word. Every sentence was written for these tests, in other words than any dataset pair
(``language_limits.py`` and benchmarks/README.md count the same sentences)."""

from __future__ import annotations

import pytest

from nearhit.guards import GuardSet, NegationGuard
from nearhit.guards.languages import READ, _read_as, detect
from nearhit.guards.text import analyse

SWEDISH = (
    "Hur lång tid tar det att koka potatis?",
    "Vad kostar det att förnya körkortet?",
    "Varför startar inte min bil när det är kallt?",
    "Kan jag betala med kort på bussen?",
    "Vilken tvättmedel är bäst för ull?",
    "Måste jag deklarera om jag har sålt min lägenhet?",
    "Hur byter jag lösenord på routern?",
    "När öppnar biblioteket på lördagar?",
    "Är det farligt att äta rå deg?",
    "Hur många timmar får man jobba per vecka?",
    "Vad gör jag om mitt paket inte har kommit?",
    "Behöver hunden vaccineras innan vi reser?",
    "Hur flyttar jag pengar från sparkontot till lönekontot?",
    "Varför blir brödet så kompakt?",
    "Går det att frysa kokt ris?",
)
NORWEGIAN = (
    "Hvor lang tid tar det å koke poteter?",
    "Hva koster det å fornye førerkortet?",
    "Hvorfor starter ikke bilen min når det er kaldt?",
    "Kan jeg betale med kort på bussen?",
    "Må jeg betale skatt hvis jeg har solgt leiligheten?",
    "Hvordan bytter jeg passord på ruteren?",
    "Når åpner biblioteket på lørdager?",
    "Er det farlig å spise rå deig?",
    "Hvor mange timer kan man jobbe per uke?",
    "Hva gjør jeg hvis pakken min ikke har kommet?",
    "Trenger hunden vaksine før vi reiser?",
    "Hvordan flytter jeg penger fra sparekontoen til brukskontoen?",
    "Hvorfor blir brødet så kompakt?",
    "Går det an å fryse kokt ris?",
)
DANISH = (
    "Hvor lang tid tager det at koge kartofler?",
    "Hvad koster det at forny kørekortet?",
    "Hvorfor starter bilen ikke, når det er koldt?",
    "Kan jeg betale med kort i bussen?",
    "Hvilket vaskemiddel er bedst til uld?",
    "Skal jeg betale skat, hvis jeg har solgt min lejlighed?",
    "Hvordan skifter jeg adgangskode på routeren?",
    "Hvornår åbner biblioteket om lørdagen?",
    "Er det farligt at spise rå dej?",
    "Hvor mange timer må man arbejde om ugen?",
    "Hvad gør jeg, hvis min pakke ikke er kommet?",
    "Skal hunden vaccineres, før vi rejser?",
    "Hvordan overfører jeg penge fra opsparingskontoen til lønkontoen?",
    "Hvorfor bliver brødet så kompakt?",
    "Kan man fryse kogte ris?",
)


def test_swedish_and_norwegian_are_read() -> None:
    assert {"sv", "no", "da"} <= READ


@pytest.mark.parametrize("text", SWEDISH)
def test_swedish_is_told_from_danish_and_norwegian(text: str) -> None:
    assert detect(text) == "sv"


@pytest.mark.parametrize(
    ("text", "language"), [(t, "sv") for t in SWEDISH] + [(t, "no") for t in NORWEGIAN] + [(t, "da") for t in DANISH]
)
def test_a_question_is_read_in_its_own_language_whatever_a_tie_gave_it(text: str, language: str) -> None:
    # "Kan jeg betale med kort på bussen?" is Danish and Norwegian word for word: detected as Danish, read as both.
    assert language in _read_as(analyse(text))


def test_a_norwegian_question_detected_as_danish_reads_norwegian_opposites() -> None:
    query, candidate = "Hvordan kan jeg få lyden høyere på mobilen?", "Hvordan kan jeg få lyden lavere på mobilen?"
    assert detect(query) == "da"  # no word of its own: the tie goes to the first listed
    found = NegationGuard().signal(query, candidate)
    assert found is not None and "opposite words" in found.reason


def test_a_tied_question_keeps_a_changed_superlative_apart() -> None:
    query, candidate = "Hvilken er den korteste vej til stranden?", "Hvilken er den smukkeste vej til stranden?"
    verdict = GuardSet.default().first_rejection(query, candidate, 0.95)
    assert verdict is not None and verdict.reason.startswith("another superlative")


def test_the_same_superlative_in_another_gender_is_the_same_pick() -> None:
    query = "Vilket är det bästa sättet att lära sig sjunga?"
    candidate = "Vilket är det bäste sättet att lära sig sjunga?"
    assert GuardSet.default().first_rejection(query, candidate, 0.95) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Vad kostar två biljetter till Malmö?", "Vad kostar tre biljetter till Malmö?"),
        ("Hva koster fem billetter til Bergen?", "Hva koster seks billetter til Bergen?"),
    ],
)
def test_a_number_word_changed_is_a_word_changed(query: str, candidate: str) -> None:
    # Number words are not read as numbers here ("to", "fire", "sex", "en" are words of English or of another
    # language in the one global table): a change is the entity guard's changed word, never served.
    verdict = GuardSet.default().first_rejection(query, candidate, 0.95)
    assert verdict is not None and verdict.guard == "entities", verdict
