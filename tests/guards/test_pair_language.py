"""A pair is judged, not two texts: a question in one language detected as its neighbour is read with its pair,
two languages stay two. Every sentence here was written for these tests, in other words than any dataset pair."""

from __future__ import annotations

import pytest

from nearhit.guards import GuardSet, LanguageGuard, NegationGuard
from nearhit.guards.languages import detect, negators_of, pair_language
from nearhit.guards.text import analyse


@pytest.mark.parametrize(
    ("query", "candidate", "language"),
    [
        # Italian made of words Spanish writes too ("la", "bene"): detected as Spanish alone.
        ("La lavatrice lava bene la lana?", "La lana si può lavare in lavatrice?", "it"),
        ("La crema va bene per la pelle secca?", "Questa crema è adatta alla pelle secca?", "it"),
        # Portuguese with "como", "se", "de" only: as Spanish as Portuguese alone.
        ("Como se faz um bolo de cenoura?", "Qual é a receita de um bolo de cenoura?", "pt"),
        ("Como se liga o aquecedor de água?", "O que preciso fazer para ligar o aquecedor?", "pt"),
    ],
)
def test_a_pair_in_one_read_language_detected_apart_is_read_in_that_language(
    query: str, candidate: str, language: str
) -> None:
    assert detect(query) != detect(candidate)
    assert pair_language(query, candidate) == language
    assert LanguageGuard().signal(query, candidate) is None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Como se lava la lana en lavadora?", "Posso lavare la lana in lavatrice?"),  # es / it
        ("Como se passa uma camisa de linho?", "¿Cómo se plancha una camisa de lino?"),  # pt / es
        ("Il treno per Roma parte da qui?", "El tren para Roma sale de aquí?"),  # it / es
        ("Kan ik wol in de wasmachine wassen?", "Kann ich Wolle in der Waschmaschine waschen?"),  # nl / de
        ("Comment changer le pneu de mon vélo ?", "¿Cómo cambio la rueda de mi bici?"),  # fr / es
    ],
)
def test_two_close_languages_each_with_a_word_of_its_own_stay_two(query: str, candidate: str) -> None:
    assert pair_language(query, candidate) is None
    signal = LanguageGuard().signal(query, candidate)
    assert signal is not None and signal.reason.startswith("languages differ")


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Can I wash wool in the machine?", "Posso lavare la lana in lavatrice?"),
        ("La lavatrice lava bene la lana?", "Can I wash wool in the washing machine?"),
        # German "was", "man", "um" are English words too: English is never weighed against the other side.
        ("How do I convert inches to centimetres?", "Wie rechne ich Zoll in Zentimeter um?"),
    ],
)
def test_a_side_detected_english_keeps_the_pair_in_two(query: str, candidate: str) -> None:
    assert pair_language(query, candidate) is None
    signal = LanguageGuard().signal(query, candidate)
    assert signal is not None and signal.reason.startswith("languages differ")


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Hvad gør jeg for at vaske uld i vaskemaskinen?", "Hvordan vasker man uld i maskinen?"),  # Danish / unplaced
        ("Kan jeg vaske uld i vaskemaskinen?", "Hvordan vasker man uld i maskinen?"),  # Danish / unplaced
        # German whose "was", "man", "um" count as English: unplaced, so the pair is not read as German.
        ("Wie wechsle ich den Reifen an meinem Fahrrad?", "Was muss man tun, um einen Fahrradreifen zu tauschen?"),
    ],
)
def test_a_pair_read_as_one_unread_language_is_held_to_the_strict_rules(query: str, candidate: str) -> None:
    guard = LanguageGuard()
    assert detect(query) != detect(candidate)
    signal = guard.signal(query, candidate)
    assert signal is not None and signal.min_similarity == guard.uncovered_threshold
    assert GuardSet.default().first_rejection(query, candidate, 0.97) is not None


def test_a_read_language_beside_a_close_unread_one_is_not_read_as_the_read_one() -> None:
    query, candidate = "Jak vyměním pneumatiku na kole?", "Ako vymením pneumatiku na bicykli?"
    assert (detect(query), detect(candidate)) == ("cs", "sk")  # Czech is read, Slovak is not
    assert pair_language(query, candidate) in (None, "sk")
    assert GuardSet.default().first_rejection(query, candidate, 0.97) is not None


def test_a_pair_read_as_one_language_still_meets_the_other_guards() -> None:
    query, candidate = "La lavatrice lava bene la lana?", "La lavatrice lava bene la lana senza ammorbidente?"
    assert pair_language(query, candidate) == "it"
    verdict = GuardSet.default().first_rejection(query, candidate, 0.95)
    assert verdict is not None and verdict.guard == "negation"


def test_a_text_that_fits_two_languages_as_well_is_read_with_the_negators_of_both() -> None:
    # "mai" is an Italian negator; the question counts as many Spanish words as Italian ones ("la").
    tied, plain = "La lana va mai in lavatrice?", "La lana va in lavatrice?"
    assert detect(tied) == "es"
    assert "mai" in negators_of(analyse(tied))
    assert NegationGuard().signal(tied, plain) is not None


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Come si cambia una gomma della bicicletta?", "Qual è il modo per sostituire la gomma di una bici?"),
        ("Quanto costa spedire un pacco in Francia?", "Qual è il prezzo per mandare un pacco in Francia?"),
        ("Come si pulisce il forno con il bicarbonato?", "Si può pulire il forno usando il bicarbonato?"),
        ("Como se troca o pneu da bicicleta?", "Qual é a melhor forma de trocar o pneu de uma bicicleta?"),
        ("Como renovar o passaporte estando no exterior?", "Dá para renovar o passaporte morando fora do país?"),
        ("¿Cómo se cambia la rueda de la bici?", "¿Qué hay que hacer para cambiar una rueda de bicicleta?"),
        ("¿Se puede congelar el pan de molde?", "¿El pan de molde se puede guardar en el congelador?"),
        ("Comment changer le pneu de mon vélo ?", "Quelle est la façon de remplacer un pneu de vélo ?"),
        ("Hoe vervang ik de band van mijn fiets?", "Wat is de manier om een fietsband te vervangen?"),
        ("Wie wechsle ich den Reifen an meinem Fahrrad?", "Was muss man tun, um einen Fahrradreifen zu tauschen?"),
        ("Hvordan skifter jeg dækket på min cykel?", "Hvad skal man gøre for at skifte et cykeldæk?"),
        ("Hvordan bytter jeg dekk på sykkelen min?", "Hva må man gjøre for å bytte et sykkeldekk?"),
        ("Jak vyměním pneumatiku na kole?", "Co je potřeba udělat pro výměnu pneumatiky kola?"),
        ("Ako vymením pneumatiku na bicykli?", "Čo treba urobiť pri výmene pneumatiky bicykla?"),
    ],
)
def test_a_rewording_in_one_language_is_never_read_as_two(query: str, candidate: str) -> None:
    signal = LanguageGuard().signal(query, candidate)
    assert signal is None or not signal.reason.startswith("languages differ")


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("¿Cómo se cambia la rueda de la bici?", "Come si cambia una gomma della bicicletta?"),
        ("¿Cómo se cambia la rueda de la bicicleta?", "Como se troca o pneu da bicicleta?"),
        ("Como se troca o pneu da bicicleta?", "Come si cambia una gomma della bicicletta?"),
        ("Comment changer le pneu de mon vélo ?", "Come cambio la gomma della mia bici?"),
        ("Wie wechsle ich den Reifen an meinem Fahrrad?", "Hoe vervang ik de band van mijn fiets?"),
        ("How do I change the tyre on my bike?", "¿Cómo cambio la rueda de mi bici?"),
        ("Can I freeze sliced bread?", "Si può congelare il pane a fette?"),
        ("¿Cómo cambio la rueda de mi bici?", "Como cambio a roda da miña bici?"),  # Galician read as Portuguese
        ("Jak vyměním pneumatiku na kole?", "Ako vymením pneumatiku na bicykli?"),  # cs / sk
    ],
)
def test_two_languages_are_never_read_as_one_the_rules_read(query: str, candidate: str) -> None:
    # Close unread languages may be read as one: they are held to the strict rules, never to the read ones.
    signal = LanguageGuard().signal(query, candidate)
    assert signal is not None
    assert signal.reason.startswith("languages differ") or signal.min_similarity == LanguageGuard().uncovered_threshold
