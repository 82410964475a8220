"""The golden data files are what ``make golden`` writes from the dev splits now (``tests/support/golden.py``): a set
appended to its ``SETS``, or a guard that reads a pair differently, fails here until the files are regenerated and
their diff reviewed. About 3 s of guard work (31 s at load 15): slow, so ``make test`` runs it and the inner loop
does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from nearhit.evaluation.dataset import BUNDLED_FILES, OUR_CONVERSATIONS, OURS
from tests.support import golden


@pytest.mark.slow
def test_every_golden_file_is_what_its_generator_writes() -> None:
    assert golden.stale() == [], "run `make golden` and review the diff"


def test_the_sets_read_are_bundled_question_sets() -> None:
    questions = {name for name in BUNDLED_FILES if not name.startswith(OUR_CONVERSATIONS)} | {"questions", OURS}
    assert set(golden.SETS) <= questions


@pytest.mark.parametrize("argv", [["--help"], [], ["--chek"]])
def test_help_or_no_action_writes_nothing(
    argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(golden, "GUARDS_DATA", tmp_path)
    with pytest.raises(SystemExit) as exited:
        golden.main(argv)
    assert list(tmp_path.iterdir()) == []
    out = capsys.readouterr()
    if argv == ["--help"]:
        assert exited.value.code == 0
        assert "--write" in out.out and "--check" in out.out
    else:
        assert exited.value.code == 2
        assert "one of the arguments --write --check is required" in out.err or "--chek" in out.err


def test_make_golden_writes_with_the_explicit_flag() -> None:
    makefile = (Path(__file__).resolve().parents[2] / "Makefile").read_text(encoding="utf-8")
    assert "$(BIN)/python -m tests.support.golden --write\n" in makefile
