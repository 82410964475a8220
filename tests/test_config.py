"""Settings: the seed's variable names, derived thresholds, service choice, and clear errors for bad values."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from nearhit.cli import main
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD, load_settings
from nearhit.errors import ConfigError
from nearhit.guards.guard_set import DEFAULT_QUIET_MARGIN

SERVICE_VARS = (
    "REDIS_URL", "OPENAI_API_KEY", "OPENAI_BASE_URL", "AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_API_KEY",
    "AZURE_OPENAI_EMBEDDING_MODEL", "AZURE_OPENAI_GPT5_MODEL", "NEARHIT_LLM", "NEARHIT_EMBEDDER",
    "SEMANTIC_SIMILARITY_THRESHOLD", "SEMANTIC_DISTANCE_THRESHOLD", "CACHE_TTL", "VECTOR_INDEX_NAME",
)  # fmt: skip


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    for name in SERVICE_VARS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path_factory.mktemp("no-dotenv"))  # no stray .env


def test_offline_defaults() -> None:
    settings = load_settings()
    assert settings.embedded_redis and settings.index_name == "q_idx"
    assert settings.resolved_llm == "simulated" and settings.resolved_embedder == "local"
    assert settings.similarity_threshold == DEFAULT_SIMILARITY_THRESHOLD
    assert settings.cache_ttl is None and settings.ttl_refresh_on_hit is False


def test_seed_variables_are_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REDIS_URL", "redis://example:6379")
    monkeypatch.setenv("VECTOR_INDEX_NAME", "my_idx")
    monkeypatch.setenv("SEMANTIC_DISTANCE_THRESHOLD", "0.15")
    monkeypatch.setenv("CACHE_TTL", "3600")
    monkeypatch.setenv("AZURE_OPENAI_ENDPOINT", "https://x.openai.azure.com")
    monkeypatch.setenv("AZURE_OPENAI_EMBEDDING_MODEL", "emb")
    monkeypatch.setenv("AZURE_OPENAI_GPT5_MODEL", "chat")
    settings = load_settings()
    assert not settings.embedded_redis and settings.index_name == "my_idx"
    assert settings.similarity_threshold == pytest.approx(0.85)  # similarity = 1 - distance
    assert settings.cache_ttl == 3600
    assert settings.resolved_llm == "azure" and settings.resolved_embedder == "azure"


def test_openai_key_alone_means_openai_for_both(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
    settings = load_settings()
    assert settings.resolved_llm == "openai" and settings.resolved_embedder == "openai"
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")  # an Ollama-style server: local embedder
    assert load_settings().resolved_embedder == "local"


def test_the_multilingual_embedder_is_chosen_by_name_only(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEARHIT_EMBEDDER", "local-multilingual")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")  # 'auto' would pick OpenAI; the explicit choice wins
    assert load_settings().resolved_embedder == "local-multilingual"
    monkeypatch.setenv("NEARHIT_EMBEDDER", "multilingual")
    with pytest.raises(ConfigError, match="EMBEDDER"):
        load_settings()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("CACHE_TTL", "-5", "CACHE_TTL"),
        ("CACHE_TTL", "soon", "CACHE_TTL"),
        ("SEMANTIC_SIMILARITY_THRESHOLD", "1.5", "SEMANTIC_SIMILARITY_THRESHOLD"),
        ("VECTOR_INDEX_NAME", "bad name!", "VECTOR_INDEX_NAME"),
        ("VECTOR_DIMENSION", "0", "VECTOR_DIMENSION"),
        ("NEARHIT_LLM", "gpt", "NEARHIT_LLM"),
        ("NEARHIT_REDIS_TIMEOUT", "0", "NEARHIT_REDIS_TIMEOUT"),
        ("NEARHIT_HEALTH_PORT", "70000", "NEARHIT_HEALTH_PORT"),
        ("NEARHIT_HEALTH_PORT", "health", "NEARHIT_HEALTH_PORT"),
        ("NEARHIT_HNSW_EF_RUNTIME", "0", "NEARHIT_HNSW_EF_RUNTIME"),
        ("NEARHIT_HNSW_EF_RUNTIME", "wide", "NEARHIT_HNSW_EF_RUNTIME"),
        ("NEARHIT_KNN_HYBRID_POLICY", "fast", "NEARHIT_KNN_HYBRID_POLICY"),
        ("NEARHIT_HNSW_M", "1", "NEARHIT_HNSW_M"),
        ("NEARHIT_HNSW_EF_CONSTRUCTION", "0", "NEARHIT_HNSW_EF_CONSTRUCTION"),
        ("NEARHIT_HNSW_EF_RUNTIME_LARGE", "0", "NEARHIT_HNSW_EF_RUNTIME_LARGE"),
        ("NEARHIT_HNSW_LARGE_INDEX", "-1", "NEARHIT_HNSW_LARGE_INDEX"),
        ("NEARHIT_HNSW_EF_RUNTIME_SMALL", "0", "NEARHIT_HNSW_EF_RUNTIME_SMALL"),
        ("NEARHIT_HNSW_SMALL_INDEX", "-1", "NEARHIT_HNSW_SMALL_INDEX"),
        ("NEARHIT_NEAR_CACHE_ENTRIES", "-1", "NEARHIT_NEAR_CACHE_ENTRIES"),
        ("NEARHIT_NEAR_CACHE_ENTRIES", "many", "NEARHIT_NEAR_CACHE_ENTRIES"),
        ("NEARHIT_REWRITE_TIMEOUT", "0", "NEARHIT_REWRITE_TIMEOUT"),
        ("NEARHIT_REWRITE_TTL", "0", "NEARHIT_REWRITE_TTL"),
        ("NEARHIT_VERIFY_TIMEOUT", "0", "NEARHIT_VERIFY_TIMEOUT"),
        ("NEARHIT_VERIFY_TIMEOUT", "61", "NEARHIT_VERIFY_TIMEOUT"),
        ("NEARHIT_VERIFY_TTL", "0", "NEARHIT_VERIFY_TTL"),
        ("NEARHIT_VERIFY_TTL", "a week", "NEARHIT_VERIFY_TTL"),
        # Past Redis's expire times ("invalid expire time in 'set' command" on every write): over 10 years, refused.
        ("NEARHIT_VERIFY_TTL", "10000000000000000", "NEARHIT_VERIFY_TTL"),
        ("NEARHIT_REWRITE_TTL", "10000000000000000", "NEARHIT_REWRITE_TTL"),
        ("NEARHIT_EMBEDDING_CACHE_TTL", "10000000000000000", "NEARHIT_EMBEDDING_CACHE_TTL"),
        ("CACHE_TTL", "10000000000000000", "CACHE_TTL"),
        ("NEARHIT_VERIFY_TTL", str(10 * 365 * 24 * 3600 + 1), "NEARHIT_VERIFY_TTL"),
    ],
)
def test_a_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(ConfigError, match=message):
        load_settings()


def test_the_health_port_is_off_unless_set(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().health_port is None
    monkeypatch.setenv("NEARHIT_HEALTH_PORT", "")  # compose's `${NEARHIT_HEALTH_PORT:-}`
    assert load_settings().health_port is None
    monkeypatch.setenv("NEARHIT_HEALTH_PORT", "8001")
    assert load_settings().health_port == 8001


def test_thresholds_that_disagree(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEMANTIC_SIMILARITY_THRESHOLD", "0.9")
    monkeypatch.setenv("SEMANTIC_DISTANCE_THRESHOLD", "0.2")
    with pytest.raises(ConfigError, match="disagree"):
        load_settings()
    monkeypatch.setenv("SEMANTIC_DISTANCE_THRESHOLD", "0.1")
    assert load_settings().similarity_threshold == pytest.approx(0.9)


def test_the_cli_reports_a_bad_setting_and_exits_1(monkeypatch: pytest.MonkeyPatch) -> None:
    result = CliRunner().invoke(main, ["cache", "stats"], env={"CACHE_TTL": "-1"})
    assert result.exit_code == 1
    assert "CACHE_TTL" in result.output and "Traceback" not in result.output


def test_guards_uncovered_threshold_is_read_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEARHIT_GUARDS_UNCOVERED_THRESHOLD", "0.99")
    assert load_settings().guards_uncovered_threshold == 0.99
    monkeypatch.setenv("NEARHIT_GUARDS_UNCOVERED_THRESHOLD", "1.5")
    with pytest.raises(ConfigError, match="NEARHIT_GUARDS_UNCOVERED_THRESHOLD"):
        load_settings()


def test_guards_quiet_margin_is_read_bounded_and_reaches_the_guards(monkeypatch: pytest.MonkeyPatch) -> None:
    from nearhit.service.bootstrap import _default_guards

    assert load_settings().guards_quiet_margin == DEFAULT_QUIET_MARGIN == 0.10
    monkeypatch.setenv("NEARHIT_GUARDS_QUIET_MARGIN", "0")
    assert _default_guards(load_settings()).quiet_margin == 0.0
    monkeypatch.setenv("NEARHIT_GUARDS_QUIET_MARGIN", "0.5")
    with pytest.raises(ConfigError, match="NEARHIT_GUARDS_QUIET_MARGIN"):
        load_settings()


def test_knn_settings_defaults_and_values(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = load_settings()
    assert (defaults.hnsw_ef_runtime, defaults.knn_hybrid_policy) == (100, "batches")
    assert (defaults.hnsw_m, defaults.hnsw_ef_construction) == (16, 200)
    assert (defaults.hnsw_ef_runtime_large, defaults.hnsw_large_index) == (200, 150_000)
    assert (defaults.hnsw_ef_runtime_small, defaults.hnsw_small_index) == (50, 20_000)
    monkeypatch.setenv("NEARHIT_HNSW_EF_RUNTIME", "50")
    monkeypatch.setenv("NEARHIT_KNN_HYBRID_POLICY", " ADHOC_BF ")
    tuned = load_settings()
    assert (tuned.hnsw_ef_runtime, tuned.knn_hybrid_policy) == (50, "adhoc_bf")


@pytest.mark.parametrize(
    ("env", "quiet", "fitted"),
    [
        ({}, 0.10, True),  # nothing set: the default threshold with the margins fitted under it
        ({"SEMANTIC_SIMILARITY_THRESHOLD": "0.99"}, 0.0, False),  # a threshold set is a floor
        ({"SEMANTIC_DISTANCE_THRESHOLD": "0.24"}, 0.0, False),
        ({"SEMANTIC_SIMILARITY_THRESHOLD": "0.99", "NEARHIT_GUARDS_QUIET_MARGIN": "0.05"}, 0.05, False),
        ({"SEMANTIC_SIMILARITY_THRESHOLD": "0.99", "NEARHIT_FITTED_MARGINS": "true"}, 0.0, True),
        ({"NEARHIT_GUARDS_QUIET_MARGIN": "0", "NEARHIT_FITTED_MARGINS": "false"}, 0.0, False),
    ],
)
def test_the_margins_under_the_threshold_follow_whether_it_was_set(
    monkeypatch: pytest.MonkeyPatch, env: dict[str, str], quiet: float, fitted: bool
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    settings = load_settings()
    assert (settings.guards_quiet_margin, settings.fitted_margins) == (quiet, fitted)


def test_a_threshold_given_by_name_or_on_the_command_line_is_set_too() -> None:
    from nearhit.cli._common import settings as cli_settings

    assert not load_settings(similarity_threshold=None).threshold_set
    by_name = load_settings(similarity_threshold=0.9)  # Cache.open(similarity_threshold=0.9)
    assert by_name.threshold_set and by_name.guards_quiet_margin == 0.0 and not by_name.fitted_margins
    given = cli_settings(0.9)  # --threshold 0.9
    assert given.similarity_threshold == 0.9 and given.guards_quiet_margin == 0.0 and not given.fitted_margins
    assert not cli_settings().threshold_set
