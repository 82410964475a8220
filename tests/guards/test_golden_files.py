"""The golden data files are what ``make golden`` writes from the dev splits now (``tests/support/golden.py``): a set
appended to its ``SETS``, or a guard that reads a pair differently, fails here until the files are regenerated and
their diff reviewed. About 3 s of guard work (31 s at load 15): slow, so ``make test`` runs it and the inner loop
does not."""

from __future__ import annotations

import pytest

from nearhit.evaluation.dataset import BUNDLED_FILES, OUR_CONVERSATIONS, OURS
from tests.support import golden


@pytest.mark.slow
def test_every_golden_file_is_what_its_generator_writes() -> None:
    assert golden.stale() == [], "run `make golden` and review the diff"


def test_the_sets_read_are_bundled_question_sets() -> None:
    questions = {name for name in BUNDLED_FILES if not name.startswith(OUR_CONVERSATIONS)} | {"questions", OURS}
    assert set(golden.SETS) <= questions
