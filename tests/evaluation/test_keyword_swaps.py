"""The keyword-swap scan's matcher (``benchmarks/keyword_swaps.py``): a keyword replaced by another of its group is
a swap, a longer keyword hides the one inside it, capitals match capitals only, and a rewording that keeps the
keyword is none. Invented texts, no dev item."""

from __future__ import annotations

from types import ModuleType

import pytest

from nearhit.evaluation import Pair, Side
from tests.support.benchmarks import load_script


@pytest.fixture(scope="module")
def script() -> ModuleType:
    return load_script("keyword_swaps")


def _pair(a: str, b: str) -> Pair:
    return Pair(id="x", category="code_symbol", a=Side(a), b=Side(b), same_answer=False)


@pytest.mark.parametrize(
    ("a", "b", "swapped"),
    [
        ("Does UNION remove duplicates?", "Does UNION ALL remove duplicates?", ("UNION", "UNION ALL")),
        ("How do I undo a git merge?", "How do I undo a git rebase?", ("merge", "rebase")),
        ("Is a PUT request idempotent?", "Is a PATCH request idempotent?", ("PUT", "PATCH")),
        ("Can I reassign a `let` variable?", "Can I reassign a `const` variable?", ("let", "const")),
        ("Does UNION ALL remove duplicates?", "In SQL, does UNION ALL drop duplicate rows?", None),
        ("How do I put a file in S3?", "How do I patch a file in S3?", None),  # prose's "put", not HTTP's PUT
        ("What port does SSL use?", "What port does TLS use?", None),  # two names of one thing
    ],
)
def test_a_swap_is_one_keyword_replaced_by_another_of_its_group(
    script: ModuleType, a: str, b: str, swapped: tuple[str, str] | None
) -> None:
    assert script.swap(_pair(a, b), script.groups(script.GROUPS)) == swapped
