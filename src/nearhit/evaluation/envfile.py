"""Writing the calibrated threshold into a ``.env`` file: one line updated or added, the rest kept."""

from __future__ import annotations

import os
import re
from pathlib import Path

SIMILARITY = "SEMANTIC_SIMILARITY_THRESHOLD"
DISTANCE = "SEMANTIC_DISTANCE_THRESHOLD"


def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(rf"^\s*(?:export\s+)?{re.escape(name)}\s*=")


def problem(path: Path) -> str | None:
    """Why :func:`write_threshold` could not write ``path``, said before a calibration that may take minutes
    (None when it can): its folder missing or read-only, the file unreadable or not UTF-8 text."""
    folder = path.parent
    if not folder.is_dir():
        return f"its folder {str(folder)!r} does not exist"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"its folder {str(folder)!r} is not writable"
    if path.exists():
        try:
            path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            return f"it cannot be read as UTF-8 text ({exc})"
    return None


def write_threshold(path: Path, similarity: float) -> None:
    """Set SEMANTIC_SIMILARITY_THRESHOLD; a SEMANTIC_DISTANCE_THRESHOLD line already there is set to match,
    since the settings refuse the two when they disagree."""
    lines = path.read_text(encoding="utf-8").splitlines() if path.exists() else []
    values = {SIMILARITY: round(similarity, 6), DISTANCE: round(1 - similarity, 6)}
    found = set()
    for n, line in enumerate(lines):
        for name, value in values.items():
            if _pattern(name).match(line):
                lines[n] = f"{name}={value}"
                found.add(name)
    if SIMILARITY not in found:
        lines.append(f"{SIMILARITY}={values[SIMILARITY]}")
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text("\n".join(lines) + "\n", encoding="utf-8")
    os.replace(temporary, path)
