"""``nearhit redis cluster|sentinel up --dir``: the folder is emptied on every ``up`` (its data is throw-away), so a
folder holding anything a local set did not write is refused before any node starts, the user's files left alone;
a folder that cannot be made is an error naming it, not a traceback. Run as a user runs it (a subprocess)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.cluster.test_redis_cluster_cmd import _nearhit


@pytest.mark.parametrize("kind", ["cluster", "sentinel"])
def test_up_refuses_a_folder_of_someone_elses_files_and_leaves_them(tmp_path: Path, kind: str) -> None:
    folder = tmp_path / "project"
    (folder / "2024").mkdir(parents=True)
    (folder / "notes.txt").write_text("mine")
    (folder / "2024" / "photo.jpg").write_bytes(b"\xff\xd8")
    try:
        up = _nearhit("redis", kind, "up", "--dir", str(folder))
    finally:
        _nearhit("redis", kind, "down", "--dir", str(folder))
    assert up.returncode == 1, up.stdout
    assert str(folder) in up.stderr and "notes.txt" in up.stderr and "Traceback" not in up.stderr, up.stderr
    assert (folder / "notes.txt").read_text() == "mine" and (folder / "2024" / "photo.jpg").exists()


@pytest.mark.parametrize("kind", ["cluster", "sentinel"])
def test_up_in_a_folder_that_cannot_be_made_names_it(tmp_path: Path, kind: str) -> None:
    (tmp_path / "a-file").write_text("")
    folder = tmp_path / "a-file" / "set"
    up = _nearhit("redis", kind, "up", "--dir", str(folder))
    assert up.returncode == 1 and "Traceback" not in up.stderr, up.stderr
    assert f"cannot use {folder}" in up.stderr, up.stderr
