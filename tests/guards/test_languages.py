"""Languages: the rules read English only, so another language never makes the decision more permissive."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GuardSet, LanguageGuard, TenseGuard
from nearhit.guards.languages import detect
from nearhit.service import bootstrap


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("How do I reset my password?", "en"),
        ("Cancel my subscription", "en"),
        ("Is Wi-Fi free?", "en"),
        ("Is the café open on Sunday?", "en"),
        ("no 14", "en"),
        ("SKU-123 status", "und"),
        ("¿Cómo restablezco mi contraseña?", "es"),
        ("Wie setze ich mein Passwort zurück?", "de"),
        ("Comment réinitialiser mon mot de passe ?", "fr"),
        ("Posso cancelar meu pedido?", "pt"),
        ("Conta corrente e conta poupança: o que muda entre elas?", "pt"),  # "de", "que", "entre" are pt too
        ("¿Qué diferencia hay entre una cuenta corriente y una de ahorro?", "es"),
        ("Wat kost verzending naar België?", "nl"),
        ("Как сбросить пароль?", "cyrillic"),
        ("Jak zresetować hasło do konta bankowego?", "pl"),
        ("Jak zresetowac haslo do konta bankowego?", "pl"),
        ("Zresetowac haslo konta bankowego teraz?", "unknown"),
        ("llc vs sole prop difference?", "en"),
        ("roth ira vs traditional ira pros cons", "en"),
        ("kubectl rollout undo deployment syntax", "en"),
        # A word in capitals is a name, whatever another language spells so: "EU" is no Portuguese "I", "DI"
        # no Italian "of" (a text all in capitals says nothing by its case).
        ("EU pet passport rules", "en"),
        ("Spring DI constructor vs field injection", "en"),
        ("Ist das EU-Recht?", "de"),
        ("Sprechen Sie Englisch?", "de"),
        ("O QUE EU FAÇO AGORA?", "pt"),
    ],
)
def test_detect(text: str, language: str) -> None:
    assert detect(text) == language


def test_an_acronym_another_language_writes_leaves_an_english_pair_in_english() -> None:
    signal = LanguageGuard().signal("EU pet passport rules", "What are the EU rules for a pet passport?")
    assert signal is None


@pytest.mark.parametrize(
    ("query", "candidate", "refused_by"),
    [
        # Portuguese "no" is "in the": a rewording that says "em" instead is served, not read as a negation.
        ("Como eu atualizo o Node no Windows?", "De que forma posso atualizar o Node em Windows?", None),
        ("Posso usar o cartão no exterior?", "Não posso usar o cartão no exterior?", "negation"),
        # "no" on both sides, one also read as Spanish: a negator on both or neither, so the quantifier decides.
        ("Como renomear uma pasta no Linux?", "Como renomear todas as pastas no Linux?", "scope"),
        ("¿Puedo pagar con tarjeta en la tienda?", "¿No puedo pagar con tarjeta en la tienda?", "negation"),
    ],
)
def test_a_word_of_the_language_is_read_in_it(query: str, candidate: str, refused_by: str | None) -> None:
    verdict = GuardSet.default().first_rejection(query, candidate, 0.9)
    assert (verdict.guard if verdict else None) == refused_by


def test_english_pairs_get_no_language_signal() -> None:
    assert LanguageGuard().signal("How do I reset my password?", "How can I reset my password?") is None
    assert LanguageGuard().signal("SKU-123 status", "How do I reset my password?") is None


def test_two_languages_never_hit_however_similar() -> None:
    guards = GuardSet.default()
    verdict = guards.first_rejection("Can I cancel my order?", "Puedo cancelar mi pedido?", 0.999)
    assert verdict is not None and verdict.guard == "language"
    assert verdict.reason == "languages differ: 'en' vs 'es'"


def test_an_uncovered_language_needs_the_stricter_similarity_and_says_so() -> None:
    guards = GuardSet.default(uncovered_threshold=0.97)
    query, candidate = "Miten voin peruuttaa tilaukseni?", "Miksi en voi peruuttaa tilaustani?"
    verdict = guards.first_rejection(query, candidate, 0.95)
    assert verdict is not None and verdict.guard == "language"
    assert verdict.reason == "language 'fi' not covered by the guards: stricter threshold 0.97"
    assert guards.first_rejection(query, query + " ", 0.99) is None
    assert guards.first_rejection(query, candidate) is not None  # similarity unknown: the strict side


async def test_lookup_result_says_the_language_was_not_covered(cache: SemanticCache) -> None:
    scope = Scope.build(tenant="lang")
    cache.guards = GuardSet.default()
    await cache.store("Miten vaihdan tilini salasanan?", "Klikkaa ...", scope)
    result = await cache.lookup("Miksi en voi vaihtaa tilini salasanaa?", scope, threshold=0.5)
    assert result.match is None
    assert result.rejected_by == "language"
    assert result.rejection_reason is not None and "language 'fi' not covered" in result.rejection_reason
    english = await cache.lookup("How can I reset my password?", scope, threshold=0.0)
    assert english.match is None and english.rejected_by == "language"
    assert english.rejection_reason == "languages differ: 'en' vs 'fi'"


async def test_the_setting_reaches_the_engine(
    redis_url: str, redis_data_dir: Path, index_name: str, local_embedder: LocalEmbedder
) -> None:
    settings = load_settings(
        redis_url=redis_url,
        data_dir=redis_data_dir,
        index_name=index_name,
        guards=True,
        guards_uncovered_threshold=0.9,
    )
    cache = await bootstrap.open_cache(settings, local_embedder)
    try:
        assert cache.guards is not None
        query, candidate = "Voinko maksaa kortilla?", "Onko verkkokaupassa mahdollista maksaa pankkikortilla?"
        verdict = cache.guards.first_rejection(query, candidate, 0.85)
        assert verdict is not None and "stricter threshold 0.9" in verdict.reason
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("¿Cómo convierto kilómetros a millas?", "¿Cómo convierto millas a kilómetros?"),
        ("Kann ich Backpulver statt Natron verwenden?", "Kann ich Natron statt Backpulver verwenden?"),
        ("¿Cuántos pies cuadrados hay en un metro cuadrado?", "¿Cuántos metros cuadrados hay en un pie cuadrado?"),
    ],
)
def test_the_same_words_reordered_never_hit_in_an_uncovered_language(query: str, candidate: str) -> None:
    verdict = GuardSet.default().first_rejection(query, candidate, 0.999)
    assert verdict is not None and verdict.guard == "language" and "reordered" in verdict.reason


@pytest.mark.parametrize(
    ("query", "candidate", "guard"),
    [
        ("Kann ich meine Bestellung stornieren?", "Kann ich meine Bestellung nicht stornieren?", "negation"),
        ("Posso pagare con la carta?", "Non posso pagare con la carta?", "negation"),
        ("¿Cómo borro un mensaje?", "¿Cómo borro todos los mensajes?", "scope"),
        ("¿Cómo paso una foto a PDF?", "¿Cómo paso un PDF a foto?", "direction"),
        ("Hoe verleng ik mijn paspoort?", "Hoe verleng ik mijn identiteitskaart?", "entities"),
    ],
)
def test_the_rules_read_the_languages_they_have_words_for(query: str, candidate: str, guard: str) -> None:
    verdict = GuardSet.default().first_rejection(query, candidate, 0.95)
    assert verdict is not None and verdict.guard == guard


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Wie kann ich mein Passwort ändern?", "Wie ändere ich mein Passwort?"),
        ("Comment annuler ma commande ?", "Comment est-ce que je peux annuler ma commande ?"),
    ],
)
def test_a_same_language_rewording_in_a_read_language_is_held_to_the_normal_threshold(
    query: str, candidate: str
) -> None:
    assert GuardSet.default().first_rejection(query, candidate, 0.9) is None


def test_another_form_of_a_verb_is_the_same_word_in_the_languages_read() -> None:
    guards = GuardSet.default()
    assert (
        guards.first_rejection(
            "¿Cómo cambio la contraseña de mi correo?", "¿Cómo puedo cambiar la contraseña de mi correo?", 0.9
        )
        is None
    )
    verdict = guards.first_rejection(
        "¿Cómo cambio la contraseña de mi correo?", "¿Cómo cambio la contraseña de mi banco?", 0.9
    )
    assert verdict is not None and verdict.guard == "entities"


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("Faturamı ne zaman ödemem gerekiyor?", "tr"),  # "ne" is also French: the letters and the rest say Turkish
        ("Kargom ne zaman gelir?", "tr"),
        ("Jak mogę zmienić adres dostawy?", "pl"),
        ("Czy paczka do Berlina jest już w drodze?", "pl"),  # "do" and "w": not Portuguese, not English
        ("Kuinka kauan toimitus Tampereelle kestää?", "fi"),
        ("Millä tavalla tilauksen voi maksaa kortilla?", "fi"),  # "voi" is Italian too: a tie goes to the unread
    ],
)
def test_a_language_the_rules_do_not_read_is_not_placed_in_one_they_do(text: str, language: str) -> None:
    assert detect(text) == language


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("Yağ yerine tereyağı koyarsam ne olur?", "Tereyağı yerine yağ koyarsam ne olur?"),
        ("Miten siirrän rahaa säästötililtä?", "Miten siirrän rahaa säästötilille?"),
        ("Voinko ottaa koiran mukaan junaan?", "Voinko ottaa kissan mukaan junaan?"),
        ("Kargom ne zaman gelir?", "Kargom nereye gelir?"),  # one side too short to place a word of
    ],
)
def test_a_same_language_pair_the_rules_cannot_read_is_held_to_the_uncovered_threshold(
    query: str, candidate: str
) -> None:
    guards = GuardSet.default()
    for similarity in (0.9, 0.97):
        verdict = guards.first_rejection(query, candidate, similarity)
        assert verdict is not None and verdict.guard == "language", (query, similarity)
        assert "not covered" in verdict.reason
    assert not guards.quiet(query, candidate)  # and never served in the quiet band under the threshold


def test_an_unplaced_side_beside_an_unread_language_is_held_to_the_uncovered_threshold_not_vetoed() -> None:
    guards = GuardSet.default()
    query, candidate = "Şifremi nasıl değiştirebilirim?", "Sifremi degistirmek istiyorum bugun"  # no Turkish letters
    assert (detect(query), detect(candidate)) == ("tr", "unknown")
    verdict = guards.first_rejection(query, candidate, 0.9)
    assert verdict is not None and "stricter threshold" in verdict.reason
    assert guards.first_rejection(query, candidate, 0.99) is None
    english = guards.first_rejection("How do I change my password today?", "Sifremi degistirmek istiyorum bugun", 0.99)
    assert english is not None and english.reason.startswith("languages differ")


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        ("O meu reembolso já foi processado?", "Quando o meu reembolso vai ser processado?"),
        ("¿Mi paquete ya fue entregado?", "¿Cuándo va a ser entregado mi paquete?"),
        ("Wurde meine Rechnung schon bezahlt?", "Wann wird meine Rechnung bezahlt?"),
    ],
)
def test_a_past_against_a_future_is_read_in_the_languages_read(query: str, candidate: str) -> None:
    found = TenseGuard().signal(query, candidate)
    assert found is not None and found.strength >= TenseGuard().cut
    assert TenseGuard().signal(query, query.replace("?", " hoje?")) is None


@pytest.mark.parametrize(
    ("terse", "english"),
    [
        ("tinnitus vs hyperacusis", "What is the difference between tinnitus and hyperacusis?"),
        ("kombucha scoby mould", "Is this mould on my kombucha scoby?"),
    ],
)
def test_terse_english_no_list_knows_reads_as_english_beside_english(terse: str, english: str) -> None:
    assert detect(terse) == "unknown"  # alone, too few known words to tell
    assert LanguageGuard().signal(terse, english) is None
    assert LanguageGuard().signal(english, terse) is None


def test_an_unplaced_side_sharing_no_words_with_english_stays_another_language() -> None:
    signal = LanguageGuard().signal("Sifremi degistirmek istiyorum bugun", "How do I change my password today?")
    assert signal is not None and signal.reason == "languages differ: 'unknown' vs 'en'"
    french = LanguageGuard().signal(
        "tinnitus vs hyperacusis", "Quelle est la différence entre acouphène et hyperacousie ?"
    )
    assert french is not None and french.reason.startswith("languages differ")
