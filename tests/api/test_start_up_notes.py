"""What the service says at start about a setting an upgrade changed the meaning of: a similarity threshold set by
hand, even to the default 0.76, is a floor with no margin under it (an older `.env` that wrote it serves fewer
paraphrases than the default, and said nothing)."""

from __future__ import annotations

import logging

import pytest

from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.service.runtime import Runtime
from tests.support.live import fast_llm, serve


def test_a_threshold_set_by_hand_is_noted_unless_a_margin_is_set_too(settings: Settings) -> None:
    assert settings.threshold_note() is None
    by_hand = settings.model_copy(update={"similarity_threshold_env": 0.76})
    note = by_hand.threshold_note()
    assert note is not None and "0.76 set by hand" in note and "NEARHIT_FITTED_MARGINS=true" in note
    assert by_hand.model_copy(update={"fitted_margins_env": False}).threshold_note() is None
    assert by_hand.model_copy(update={"guards_quiet_margin_env": 0.05}).threshold_note() is None


async def test_the_service_says_so_at_start(
    settings: Settings, local_embedder: LocalEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    by_hand = settings.model_copy(update={"similarity_threshold_env": 0.76})
    runtime = Runtime(by_hand, local_embedder, fast_llm())
    try:
        with caplog.at_level(logging.INFO, logger="nearhit.api.app"):
            async with serve(by_hand, runtime) as live:
                assert (await live.client.get("/health")).status_code == 200
        said = [r.getMessage() for r in caplog.records if r.name == "nearhit.api.app"]
        assert any("a floor, nothing under it served" in line for line in said), said
    finally:
        await runtime.close()
