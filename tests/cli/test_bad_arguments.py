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


async def test_feedback_refuses_what_the_api_refuses_before_any_look_up(
    cache: SemanticCache, settings: Settings
) -> None:
    """An empty, blank, 100,000-character or multi-line request id, an empty or 100,000-character entry id, a
    note of 300,000 characters (logged whole), an empty prompt: the API's 422s, the CLI's look-ups (the id echoed
    back whole in its "no served answer" message, the note logged)."""
    long_id = "a" * 100_000
    cases = [
        (("--request-id", ""), "request id must be"),
        (("--request-id", " "), "request id must be"),
        (("--request-id", "a\nb"), "request id must be"),
        (("--request-id", long_id), "(100,000 characters)"),
        (("--doc-id", ""), "doc id must be 1 to 300 characters"),
        (("--doc-id", long_id), "not 100,000"),
        (("--doc-id", "x", "--note", "n" * 300_000), "note is 300,000 characters"),
        (("--doc-id", "x", "--prompt", "  "), "prompt is empty"),
    ]
    for arguments, message in cases:
        result = await invoke(settings, "cache", "feedback", *arguments, "--verdict", "wrong")
        assert result.exit_code == 2, (arguments[:1], result.output[:300])
        assert message in result.stderr and len(result.stderr) < 1_000, result.stderr[:300]


async def test_feedback_names_its_own_options_when_neither_or_both_ids_are_given(
    cache: SemanticCache, settings: Settings
) -> None:
    """It said "give exactly one of 'request_id' or 'doc_id'", the API's field names, after opening the cache."""
    for arguments in ((), ("--request-id", "r1", "--doc-id", "d1")):
        result = await invoke(settings, "cache", "feedback", *arguments, "--verdict", "wrong")
        assert result.exit_code == 2, result.output[:300]
        assert "give exactly one of --request-id (the response) or --doc-id (the entry)" in result.stderr


async def test_delete_refuses_an_id_of_any_length_without_repeating_it(
    cache: SemanticCache, settings: Settings
) -> None:
    """A 100,000-character entry id was repeated whole in the error; an empty one is refused too."""
    for doc_id, message in (("a" * 100_000, "not 100,000"), ("", "doc id must be 1 to 300 characters")):
        result = await invoke(settings, "cache", "delete", doc_id)
        assert result.exit_code == 2, result.output[:300]
        assert message in result.stderr and len(result.stderr) < 1_000, result.stderr[:300]


async def test_eval_refuses_an_option_its_mode_would_ignore(settings: Settings) -> None:
    """``--max-wrong-rate nan``, ``--prior nope``, ``--passes`` without ``--replay`` (or ``--threshold``,
    ``--per-guard`` with it) were ignored: a run of minutes that looked like one at the setting given."""
    cases = [
        (("--max-wrong-rate", "nan"), "--max-wrong-rate goes with --replay"),
        (("--prior", "nope"), "--prior goes with --replay"),
        (("--passes", "2"), "--passes goes with --replay"),
        (("--seed", "3"), "--seed goes with --replay"),
        (("--max-exploration-rate", "2"), "--max-exploration-rate goes with --replay"),
        (("--replay", "--threshold", "0.5"), "--threshold does nothing with --replay"),
        (("--replay", "--per-guard"), "--per-guard does nothing with --replay"),
        (("--replay", "--no-neighbours"), "--no-neighbours does nothing with --replay"),
        (("--shared", "--no-neighbours"), "no second pass to skip"),
    ]
    for arguments, message in cases:
        result = await invoke(settings, "eval", "-d", PAIRS, *arguments)
        assert result.exit_code == 2, (arguments, result.output[-300:])
        assert message in result.stderr and "pairs from" not in result.stderr, result.stderr[-300:]
