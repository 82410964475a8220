"""The shipped prior of the error-bounded cache is never stale: a fingerprint compared on every run (instant),
and a full re-count on the DEV splits in the slow suite (about 20 s)."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path

import pytest

import nearhit.guards
from nearhit.cache import prior
from nearhit.evaluation.prior_count import DATASETS, RECOUNT, count, default_embedder, fingerprint, sources_digest
from tests.support.benchmarks import load_script


def shipped_text() -> str:
    return resources.files("nearhit.cache").joinpath("data", prior.SHIPPED).read_text(encoding="utf-8")


def test_the_shipped_prior_was_counted_from_the_current_guards_decision_embedder_and_dev_pairs() -> None:
    recorded = json.loads(shipped_text())["about"].get("inputs", {})
    current = fingerprint(DATASETS)
    changed = sorted(key for key in current.keys() | recorded.keys() if current.get(key) != recorded.get(key))
    if changed:
        pytest.fail(
            f"src/nearhit/cache/data/{prior.SHIPPED} is stale: {'; '.join(changed)} changed since it was counted. "
            f"Re-count it (about 30 s) and commit the file: {RECOUNT}",
            pytrace=False,
        )


def test_the_fingerprint_changes_when_a_word_list_changes_or_is_added(tmp_path: Path) -> None:
    shutil.copytree(Path(nearhit.guards.__file__).with_name("data"), tmp_path / "data")
    before = sources_digest(tmp_path, ["data"])
    assert sources_digest(tmp_path, ["data"]) == before  # stable
    negators = tmp_path / "data" / "negators.txt"
    negators.write_text(negators.read_text(encoding="utf-8") + "hardly\n", encoding="utf-8")
    edited = sources_digest(tmp_path, ["data"])
    assert edited != before
    (tmp_path / "data" / "new_list.txt").write_text("word\n", encoding="utf-8")
    assert sources_digest(tmp_path, ["data"]) not in (before, edited)


@pytest.mark.slow
def test_the_shipped_prior_matches_a_fresh_count() -> None:
    shipped = prior.read(shipped_text())
    fresh = count(DATASETS, default_embedder())
    differ = sorted(key for key in shipped.keys() | fresh.keys() if shipped.get(key) != fresh.get(key))
    if differ:
        pytest.fail(
            f"src/nearhit/cache/data/{prior.SHIPPED} no longer matches what the shipped judges let through on the "
            f"DEV splits (judges: {'; '.join(differ)}). Re-count it and commit the file: {RECOUNT}",
            pytrace=False,
        )


def test_a_prior_counted_on_every_dev_split_never_overwrites_the_shipped_one(monkeypatch: pytest.MonkeyPatch) -> None:
    script = load_script("fit_bound_prior")
    before = shipped_text()
    monkeypatch.setattr("sys.argv", ["fit_bound_prior.py", "--all-dev"])
    monkeypatch.setattr(script, "default_embedder", lambda: pytest.fail("went on to count", pytrace=False))
    with pytest.raises(SystemExit) as refused:
        script.main()
    assert refused.value.code == 2  # refused before anything is counted
    assert shipped_text() == before
    assert {"questions", "nearhit-v21"} <= set(script.SINGLE_QUESTION_SETS)
    assert not any("conversations" in name for name in script.SINGLE_QUESTION_SETS)
