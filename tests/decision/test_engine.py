"""The decision in the engine, on the real embedded Redis: a look-alike rejected with its score and reason,
a paraphrase served, a nearer candidate the decision rejects passed over for the next, and the settings
reaching the cache. The mechanics run on v1 (only certain vetoes, so its score decides most look-alikes);
v2's own rules (every guard vetoes, candidates judged down to its margin under the threshold) on the
default model."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.cache.index import drop_index
from nearhit.config import load_settings
from nearhit.decision import DEFAULT_MODEL, Decision, load_model
from nearhit.decision import model as decision_model
from nearhit.embeddings.local import LocalEmbedder
from nearhit.errors import ConfigError
from nearhit.guards import GuardSet
from nearhit.service import bootstrap


@pytest.fixture
async def decided(cache: SemanticCache) -> AsyncIterator[SemanticCache]:
    cache.decision = Decision(GuardSet.default(), load_model("decision_v1.json"))
    cache.guards = cache.decision.guards
    yield cache
    cache.decision = cache.guards = None


@pytest.fixture
async def decided_v2(cache: SemanticCache) -> AsyncIterator[SemanticCache]:
    cache.decision = Decision(GuardSet.default())
    cache.guards = cache.decision.guards
    yield cache
    cache.decision = cache.guards = None


async def test_under_v2_every_guard_vetoes_at_its_cut(decided_v2: SemanticCache) -> None:
    scope = Scope.build(tenant="v2-veto")
    await decided_v2.store("How do I enable dark mode?", "Settings > Display > Dark.", scope)
    trap = await decided_v2.lookup("How do I disable dark mode?", scope)
    assert trap.match is None and trap.rejected_by == "negation"
    assert trap.candidates[0].outcome == "rejected_by_guard"


async def test_under_v2_a_candidate_within_the_margin_under_the_threshold_is_judged(
    decided_v2: SemanticCache,
) -> None:
    scope = Scope.build(tenant="v2-margin")
    await decided_v2.store("How do I cancel my gym membership?", "Cancel it in the app.", scope)
    query = "What is the way to stop paying for the gym?"
    served = await decided_v2.lookup(query, scope)
    assert served.similarity is not None and 0.76 - 0.1 <= served.similarity < 0.76  # under the threshold
    assert served.match == "semantic" and served.score is not None
    assert served.decision_threshold is not None and served.score >= served.decision_threshold
    # v1 has no margin: the same candidate is not judged.
    decided_v2.decision = Decision(decided_v2.guards, load_model("decision_v1.json"))
    missed = await decided_v2.lookup(query, scope)
    assert missed.match is None and missed.score is None and missed.candidates[0].outcome == "below_threshold"


async def test_a_look_alike_is_rejected_by_the_decision_and_a_paraphrase_served(decided: SemanticCache) -> None:
    scope = Scope.build(tenant="decision")
    await decided.store("How do I enable dark mode?", "Settings > Display > Dark.", scope)

    trap = await decided.lookup("How do I disable dark mode?", scope)
    assert trap.match is None and trap.rejected_by == "decision"
    assert trap.score is not None and trap.decision_threshold is not None and trap.score < trap.decision_threshold
    assert trap.rejection_reason is not None and "opposite words: 'disable' vs 'enable'" in trap.rejection_reason
    assert trap.top_features and all(f["effect"] < 0 for f in trap.top_features)
    assert trap.candidates[0].outcome == "rejected_by_decision" and trap.candidates[0].score == trap.score
    assert "decision" in trap.timings_ms

    paraphrase = await decided.lookup("How can I turn on dark mode?", scope)
    assert paraphrase.match == "semantic" and paraphrase.answer is not None
    assert paraphrase.score is not None and paraphrase.score >= paraphrase.decision_threshold  # type: ignore[operator]
    assert paraphrase.rejected_by is None and paraphrase.to_dict()["top_features"]


async def test_a_certain_veto_still_rejects_whatever_the_score(decided: SemanticCache) -> None:
    scope = Scope.build(tenant="veto")
    await decided.store("What does git reset --hard do?", "It discards changes.", scope)
    result = await decided.lookup("What does git reset --soft do?", scope)
    assert result.match is None and result.rejected_by == "code"
    assert result.candidates[0].outcome == "rejected_by_guard"


async def test_a_nearer_candidate_the_decision_rejects_is_passed_over(decided: SemanticCache) -> None:
    scope = Scope.build(tenant="best")
    await decided.store("How do I disable dark mode on my phone?", "Turn it off in Display.", scope)
    await decided.store("How can I switch my phone to dark mode?", "Turn it on in Display.", scope)
    result = await decided.lookup("How do I enable dark mode on my phone?", scope)
    assert result.match == "semantic" and result.answer is not None
    assert result.answer.prompt == "How can I switch my phone to dark mode?"
    by_prompt = {c.prompt: c for c in result.candidates}
    nearest = max(result.candidates, key=lambda c: c.similarity)
    assert nearest.prompt == "How do I disable dark mode on my phone?"
    assert by_prompt[nearest.prompt].outcome == "rejected_by_decision"


async def test_the_similarity_threshold_is_a_floor_before_the_decision(decided: SemanticCache) -> None:
    scope = Scope.build(tenant="floor")
    await decided.store("How do I enable dark mode?", "Settings > Display > Dark.", scope)
    result = await decided.lookup("How can I turn on dark mode?", scope, threshold=0.999)
    assert result.match is None and result.score is None and result.rejected_by is None
    assert result.candidates[0].outcome == "below_threshold"


async def test_the_settings_reach_the_engine(
    redis_url: str, redis_data_dir: Path, index_name: str, local_embedder: LocalEmbedder
) -> None:
    base = {"redis_url": redis_url, "data_dir": redis_data_dir, "index_name": index_name, "guards": True}
    cache = await bootstrap.open_cache(load_settings(**base, decision_threshold=0.7), local_embedder)
    try:
        assert cache.decision is not None and cache.decision.threshold == 0.7  # on by default
        assert cache.decision.guards is cache.guards
    finally:
        await cache.close()
    cache = await bootstrap.open_cache(load_settings(**base, decision=False), local_embedder)
    try:
        assert cache.decision is None and cache.guards is not None  # turned off: the guards veto
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()


@pytest.mark.parametrize(
    ("variable", "bound", "on"),
    [
        (None, None, True),  # the default
        ("0", None, False),
        ("false", None, False),
        ("true", None, True),
        (None, "0.02", False),  # a wrong-hit bound keeps the guards as its gate
        ("1", "0.02", True),  # unless the decision is asked for
        ("false", "0.02", False),
    ],
)
def test_the_decision_is_on_unless_turned_off_or_a_bound_keeps_its_own_gate(
    monkeypatch: pytest.MonkeyPatch, variable: str | None, bound: str | None, on: bool
) -> None:
    for name, value in (("NEARHIT_DECISION", variable), ("NEARHIT_MAX_WRONG_RATE", bound)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    assert load_settings().decision is on


@pytest.mark.parametrize("value", ["0", "1", "1.5", "-0.1", "likely"])
def test_a_bad_decision_threshold_names_the_variable(monkeypatch: pytest.MonkeyPatch, value: str) -> None:
    monkeypatch.setenv("NEARHIT_DECISION_THRESHOLD", value)
    with pytest.raises(ConfigError, match="NEARHIT_DECISION_THRESHOLD"):
        load_settings()


def test_the_decision_threshold_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEARHIT_DECISION_THRESHOLD", "0.65")
    monkeypatch.setenv("NEARHIT_DECISION", "false")
    settings = load_settings()
    assert settings.decision_threshold == 0.65 and settings.decision is False


async def test_the_shipped_models_operating_point_is_what_a_cache_loads(
    redis_url: str, redis_data_dir: Path, index_name: str, local_embedder: LocalEmbedder
) -> None:
    """The default cache judges with the default model's file as it lies in the package (weights and threshold
    read from disk here, not through ``load_model``), and a lookup reports that threshold."""
    shipped = json.loads((Path(decision_model.__file__).parent / "data" / DEFAULT_MODEL).read_text(encoding="utf-8"))
    base = {"redis_url": redis_url, "data_dir": redis_data_dir, "index_name": index_name, "guards": True}
    cache = await bootstrap.open_cache(load_settings(**base), local_embedder)
    try:
        assert cache.decision is not None and cache.decision.threshold == shipped["threshold"]
        assert list(cache.decision.model.weights) == [f["weight"] for f in shipped["features"]]
        scope = Scope.build(tenant="shipped-point")
        await cache.store("How do I enable dark mode?", "Settings > Display > Dark.", scope)
        served = await cache.lookup("How can I turn on dark mode?", scope)
        assert served.match == "semantic" and served.decision_threshold == shipped["threshold"]
    finally:
        await drop_index(cache.redis, cache.spec.name, delete_entries=True)
        await cache.close()
