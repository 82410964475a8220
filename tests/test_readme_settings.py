"""The README names every setting config.py reads, and its settings table gives each one's real default.

Read mechanically from ``Settings``' fields, so a setting added (or a default changed) without the README
fails here rather than leaving a new user with a table that no longer matches the code.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from pydantic import AliasChoices

from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD, Settings

README = Path(__file__).resolve().parents[1] / "README.md"
DECISION_MODEL = Path(__file__).resolve().parents[1] / "src/nearhit/decision/data/decision_v3.json"

# Defaults the table states in words, with what each must say: the field's default is None or computed.
WORDED = {
    "data_dir": "per-user data folder",
    "vector_dimension": "the embedder's",
    "guards_prepare_while_embedding": "unset",
    "health_host": "127.0.0.1",
}


def _variable(field: str) -> str:
    alias = Settings.model_fields[field].validation_alias
    assert isinstance(alias, AliasChoices)
    first = alias.choices[0]
    assert isinstance(first, str)
    return first


def _table_rows(text: str, heading: str) -> list[list[str]]:
    section = text.split(heading, 1)[1]
    rows = []
    for line in section.splitlines()[1:]:
        if not line.startswith("|") and rows:
            break
        if line.startswith("|") and not line.startswith("|---"):
            rows.append([cell.strip() for cell in line.strip("|").split(" | ")])
    return rows[1:]  # the header


def _parts(cell: str) -> list[str]:
    """A default cell split at its top-level commas: one part per variable of the row."""
    parts, depth, current = [], 0, ""
    for char in cell:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()]


def _settings_table() -> dict[str, str]:
    """Each variable of README's settings table -> the default stated for it."""
    table: dict[str, str] = {}
    for cells in _table_rows(README.read_text(encoding="utf-8"), "### Settings"):
        names = re.findall(r"`([A-Z][A-Z0-9_]+)`", cells[0])
        parts = _parts(cells[1])
        for name, part in zip(names, parts if len(parts) == len(names) else [cells[1]] * len(names), strict=True):
            table[name] = part
    return table


def _states(stated: str, default: object) -> bool:
    first = stated.replace("`", "").split(" (")[0].split()[0].rstrip(",")
    if default is None or default == "":
        return first in ("none", "unset")
    if isinstance(default, bool):
        return first == str(default).lower()
    if isinstance(default, int | float):
        try:
            return float(first) == float(default)
        except ValueError:
            return False
    return first == str(default)


def test_every_setting_is_named_in_the_readme() -> None:
    text = README.read_text(encoding="utf-8")
    missing = [_variable(field) for field in Settings.model_fields if f"`{_variable(field)}`" not in text]
    assert not missing, f"settings config.py reads that README.md never names: {missing}"


def test_the_settings_table_states_each_real_default() -> None:
    table = _settings_table()
    threshold = json.loads(DECISION_MODEL.read_text(encoding="utf-8"))["threshold"]
    wrong = []
    for field, info in Settings.model_fields.items():
        name = _variable(field)
        if name not in table:
            continue
        stated = table[name]
        if field in WORDED:
            ok = WORDED[field] in stated
        elif name in ("SEMANTIC_SIMILARITY_THRESHOLD", "SEMANTIC_DISTANCE_THRESHOLD"):
            ok = _states(stated, DEFAULT_SIMILARITY_THRESHOLD)
        elif name == "NEARHIT_DECISION_THRESHOLD":
            ok = _states(stated, threshold)  # unset: the shipped model's own
        else:
            ok = _states(stated, info.get_default(call_default_factory=False))
        if not ok:
            wrong.append(f"{name}: README says {stated!r}, config.py {info.default!r}")
    assert not wrong, "\n".join(wrong)


def test_a_setting_outside_the_table_has_its_default_beside_its_name() -> None:
    """Provider settings live in the "Using real services" table: one with a default must state it there."""
    table = _settings_table()
    rows = _table_rows(README.read_text(encoding="utf-8"), "## Using real services")
    missing = []
    for field, info in Settings.model_fields.items():
        name, default = _variable(field), info.default
        if name in table or default is None or field in WORDED:
            continue
        row = next((cells[1] for cells in rows if f"`{name}`" in cells[1]), "")
        after = row.split(f"`{name}`", 1)[-1]
        if f"default `{default}`" not in after.split(";")[0] and f"`{default}` (default)" not in after.split(";")[0]:
            missing.append(f"{name} (default {default!r})")
    assert not missing, f"README's services table names no default for: {missing}"
