"""Bad command-line arguments fail at once, with exit code 2 and a message, before any work or question."""

from __future__ import annotations

from pathlib import Path

from nearhit.cache import SemanticCache
from nearhit.config import Settings
from tests.cli.test_cache_cmd import invoke

PAIRS = str(Path(__file__).parents[1] / "evaluation" / "data" / "calibration_pairs.jsonl")


async def test_calibrate_refuses_a_config_file_it_could_not_write_before_calibrating(
    settings: Settings, tmp_path: Path
) -> None:
    not_text = tmp_path / "binary.env"
    not_text.write_bytes(b"\xff\xfe\x00CACHE_TTL=60\n")
    for target, reason in ((tmp_path / "missing" / ".env", "does not exist"), (not_text, "UTF-8")):
        result = await invoke(settings, "calibrate", "-d", PAIRS, "--guards", "none", "--write-config", str(target))
        assert result.exit_code == 2, result.output
        assert "--write-config" in result.stderr and reason in result.stderr
        assert "pairs from" not in result.stderr  # refused before any look-up ran
    assert not_text.read_bytes() == b"\xff\xfe\x00CACHE_TTL=60\n"


async def test_clear_with_an_empty_tenant_is_refused_without_asking_to_delete_everything(
    cache: SemanticCache, settings: Settings
) -> None:
    for tenant in ("", "  "):
        result = await invoke(settings, "cache", "clear", "--tenant", tenant)
        assert result.exit_code == 2, result.output
        assert "tenant is empty" in result.stderr
        assert "EVERY" not in result.output
