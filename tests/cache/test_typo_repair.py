"""NEARHIT_EMBED_TYPO_REPAIR on the real Redis: a misspelt paraphrase hits; the exact path and entries keep the
prompt as written."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service import bootstrap

SCOPE = Scope.build(model="gpt-4o", tenant="typos")
STORED = "Which documents are needed to apply for a scholarship?"
MISSPELT = "what documnets do I need for a scholarhsip application"


async def _open(settings: Settings, repair: bool) -> SemanticCache:
    return await bootstrap.open_cache(
        settings.model_copy(update={"embed_typo_repair": repair}), LocalEmbedder(repair_typos=repair)
    )


@pytest.fixture(params=[False, True], ids=["repair-off", "repair-on"])
async def typo_cache(request: pytest.FixtureRequest, settings: Settings) -> AsyncIterator[SemanticCache]:
    cache = await _open(settings, request.param)
    yield cache
    await drop_index(cache.redis, cache.spec.name, delete_entries=True)
    await cache.close()


async def test_a_misspelt_paraphrase_hits_only_with_the_repair(typo_cache: SemanticCache) -> None:
    await typo_cache.store(STORED, "Transcripts, two references and a statement.", SCOPE)
    result = await typo_cache.lookup(MISSPELT, SCOPE)
    repairing = typo_cache.embedder.repairs_typos  # type: ignore[attr-defined]
    assert (result.match == "semantic") is repairing, result.similarity


async def test_the_exact_path_reads_the_prompt_as_written(settings: Settings) -> None:
    cache = await _open(settings, True)
    try:
        await cache.store(MISSPELT, "answer", SCOPE)
        assert (await cache.lookup(MISSPELT, SCOPE)).match == "exact"
        repaired = MISSPELT.replace("documnets", "documents").replace("scholarhsip", "scholarship")
        assert (await cache.lookup(repaired, SCOPE)).match == "semantic"  # not the exact key of the slip
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


async def test_an_embedder_built_directly_repairs_as_the_setting_does(settings: Settings) -> None:
    """``LocalEmbedder()`` as a library user builds it reads what the service's does (the setting's default)."""
    assert LocalEmbedder().repairs_typos is Settings.model_fields["embed_typo_repair"].default is True
    cache = await bootstrap.open_cache(settings, LocalEmbedder())
    try:
        await cache.store(STORED, "Transcripts, two references and a statement.", SCOPE)
        assert (await cache.lookup(MISSPELT, SCOPE)).match == "semantic"
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()
