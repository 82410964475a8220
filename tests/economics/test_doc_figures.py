"""The sizing figures the docs quote are what the `nearhit calc` command quoted beside them prints today: the
README's example output line by line, docs/deploy.md's per-entry size, working set and SKU (it said "about 5 KB
per cached answer, a million entries in ~5 GB" where the command printed 9,124 B and 9.12 GB)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

from click.testing import CliRunner

from nearhit.cli import main

ROOT = Path(__file__).resolve().parents[2]
COMMAND = re.compile(r"`(nearhit calc [^`]*)`")


def printed(command: str) -> str:
    result = CliRunner().invoke(main, shlex.split(command)[1:])
    assert result.exit_code == 0, result.output
    return result.output


def squeezed(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def test_the_readmes_calc_example_is_what_the_command_prints() -> None:
    section = (ROOT / "README.md").read_text(encoding="utf-8").split("## What it costs and saves", 1)[1]
    command = COMMAND.search(section)
    assert command is not None
    shown = section.split("```text", 1)[1].split("```", 1)[0]
    output = squeezed(printed(command.group(1)))
    missing = [line for line in shown.splitlines() if line.strip() and squeezed(line) not in output]
    assert not missing, f"README lines `{command.group(1)}` no longer prints: {missing}"


def test_deploys_sizing_figures_are_what_the_command_prints() -> None:
    text = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    [bullet] = [b for b in text.split("\n- ") if b.startswith("**One Redis node is a lot.**")]
    command = COMMAND.search(bullet)
    assert command is not None
    figures = re.findall(r"\d[\d,.]* [KMG]?B\b|\b[BM]\d+\b", bullet)
    assert len(figures) >= 4, figures  # the entry, the working set with and without headroom, the SKU
    output = printed(command.group(1))
    assert [f for f in figures if f not in output] == [], output
