"""``benchmarks/first_pass_budget.py``: the budget serves only the explorations past the cap of their window, and
an exploration counts as after the proof only once the labels before it put the wrong rate's lower bound over
the bound."""

from __future__ import annotations

from typing import Any

from tests.support.benchmarks import load_script


def _report(windows: list[tuple[int, list[bool]]]) -> dict[str, Any]:
    """A replay's ``--json`` with one first pass (windows of ``(lookups, explorations' labels)``) and one later."""
    explored = [{"right": right} for _, labels in windows for right in labels]
    first = {
        "lookups": sum(lookups for lookups, _ in windows),
        "explorations": len(explored),
        "hits": 0,
        "wrong_hits": 0,
        "explored": explored,
        "windows": [{"lookups": lookups, "explorations": len(labels)} for lookups, labels in windows],
    }
    later = {"hits": 3, "wrong_hits": 0, "explorations": 0}
    return {"dataset": "synthetic", "max_wrong_rate": 0.02, "passes": [first, later]}


def test_the_budget_serves_what_is_over_each_windows_cap() -> None:
    script = load_script("first_pass_budget")
    # 10 lookups a window, cap 20%: 2 explorations allowed in each; the third and fourth of the first are served.
    row = script.row(_report([(10, [True, True, False, True]), (10, [True, True])]), 0.2)
    assert (row.explored, row.budget_served, row.budget_wrong) == (6, 2, 1)
    assert row.later_right == 3


def test_explorations_after_the_labels_show_the_static_serves_over_the_bound() -> None:
    script = load_script("first_pass_budget")
    # Clopper-Pearson: one wrong in n has the lower bound 1 - 0.95 ** (1 / n): over 2% at n = 2, under at n = 3.
    assert abs(script.lower_bound(1, 4) - (1 - 0.95**0.25)) < 1e-9
    # One wrong in the first four labels (lower bound ~1.3%) proves nothing; two in seven (~5.3%) do: only the
    # eighth exploration comes after the proof.
    row = script.row(_report([(100, [True, True, True, False, True, True, False, True])]), 1.0)
    assert row.after_proof == 1
    # Over the cap, the gated budget serves only before the proof.
    gated = script.row(_report([(10, [True, True, True, False, True, True, False, True])]), 0.2)
    assert (gated.budget_served, gated.gated_served, gated.gated_explored) == (6, 5, 3)
