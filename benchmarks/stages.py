"""Where a benchmark's wall time goes: named stages timed as they run, printed with the machine's load.

    stages = Stages("engine.py")
    with stages("embedding the corpus"):
        ...
    print(stages.table())

A stage entered twice adds up (its count says how often). Each stage's line goes to stderr as it ends, so a run
that stops part way still shows where its time went; ``table()`` is the Markdown summary printed at the end.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Stage:
    seconds: float = 0.0
    count: int = 0
    load_start: float = 0.0
    load_end: float = 0.0


@dataclass
class Stages:
    script: str
    started: float = field(default_factory=time.perf_counter)
    stages: dict[str, Stage] = field(default_factory=dict)

    @contextlib.contextmanager
    def __call__(self, name: str) -> Iterator[None]:
        stage = self.stages.setdefault(name, Stage(load_start=os.getloadavg()[0]))
        began = time.perf_counter()
        try:
            yield
        finally:
            spent = time.perf_counter() - began
            stage.seconds += spent
            stage.count += 1
            stage.load_end = os.getloadavg()[0]
            print(f"  [{self.script}] {name}: {spent:.1f} s (load {stage.load_end:.2f})", file=sys.stderr, flush=True)

    def table(self) -> str:
        """The stages in the order first entered, their share of the script's wall time, the load around them."""
        total = time.perf_counter() - self.started
        lines = [
            f"Where {self.script}'s {total:.0f} s went (wall time; load average, 1 min, at a stage's first start "
            "and last end)",
            "",
            "| stage | s | share | times | load |",
            "|---|---|---|---|---|",
        ]
        for name, stage in self.stages.items():
            lines.append(
                f"| {name} | {stage.seconds:.1f} | {stage.seconds / max(total, 1e-9):.0%} | {stage.count} "
                f"| {stage.load_start:.2f} → {stage.load_end:.2f} |"
            )
        return "\n".join(lines)
