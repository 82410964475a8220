"""Writing the calibrated threshold into a .env file."""

from __future__ import annotations

from pathlib import Path

from nearhit.config import load_settings
from nearhit.evaluation.envfile import write_threshold


def test_adds_the_line_to_a_new_file(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    write_threshold(path, 0.83)
    assert path.read_text() == "SEMANTIC_SIMILARITY_THRESHOLD=0.83\n"


def test_updates_the_line_and_keeps_the_others(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("# comment\nREDIS_URL=redis://x:6379\nexport SEMANTIC_SIMILARITY_THRESHOLD = 0.9\nCACHE_TTL=60\n")
    write_threshold(path, 0.76)
    assert path.read_text() == (
        "# comment\nREDIS_URL=redis://x:6379\nSEMANTIC_SIMILARITY_THRESHOLD=0.76\nCACHE_TTL=60\n"
    )


def test_a_distance_line_is_kept_consistent(tmp_path: Path) -> None:
    path = tmp_path / ".env"
    path.write_text("SEMANTIC_DISTANCE_THRESHOLD=0.1\n")
    write_threshold(path, 0.83)
    assert path.read_text() == "SEMANTIC_DISTANCE_THRESHOLD=0.17\nSEMANTIC_SIMILARITY_THRESHOLD=0.83\n"
    settings = load_settings(_env_file=str(path))
    assert settings.similarity_threshold == 0.83
