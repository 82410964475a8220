"""Which dev pairs the number guard's "told as an aside" reading (``numbers._told_aside``) moves, and how.

The reading can move a pair only where it fires (lowers a signal) on one of the texts its lookup compares, so a
whole run need not be repeated: ``conversations`` runs ``conversation_misses.py`` on the fit or validation dev
splits (never -v68 and later) with the reading on and writes the ids it fired on (``--fired``); the same script on
the base tree with ``--ids`` of that file gives the base outcomes to compare. ``questions`` reads the number guard
alone on every single-question dev pair (fow-cache's and ours, v2..v43) and lists those whose signal it changes.

    PYTHONPATH=src:benchmarks python benchmarks/numbers_aside.py questions
    PYTHONPATH=src:benchmarks python benchmarks/numbers_aside.py conversations fit --fired f.txt --pairs mine.txt
    # on the base tree (git worktree of main): the same pairs, then compare
    PYTHONPATH=src:benchmarks python benchmarks/numbers_aside.py conversations fit --ids f.txt --pairs base.txt
"""

from __future__ import annotations

import re
import sys
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import conversation_misses as misses
from nearhit import evaluation
from nearhit.evaluation.dataset import BUNDLED_FILES, CONVERSATION_SETS
from nearhit.guards import numbers


def version(name: str) -> int:
    found = re.search(r"-v(\d+)$", name)
    return int(found.group(1)) if found else 0


def conversation_sets(which: str) -> tuple[str, ...]:
    """FIT: the sets up to -v61 and fow-cache's; VALIDATION: -v62..-v67. Never a later one."""
    if which == "fit":
        return tuple(name for name in CONVERSATION_SETS if version(name) <= 61)
    return tuple(name for name in CONVERSATION_SETS if 62 <= version(name) <= 67)


def questions() -> None:
    """The single-question dev pairs whose number-guard signal the reading changes, by category."""
    changed: Counter[tuple[str, bool]] = Counter()
    guard, reading = numbers.NumberGuard(), numbers._told_aside
    names = ["questions", "nearhit", *(name for name in BUNDLED_FILES if "conv" not in name and name != "nearhit")]
    pairs = [pair for name in names for pair in evaluation.load(name, "dev") if not (pair.a.history or pair.b.history)]
    for pair in pairs:
        new = guard.signal(pair.b.prompt, pair.a.prompt)
        numbers._told_aside = lambda *_: False  # type: ignore[assignment]
        old = guard.signal(pair.b.prompt, pair.a.prompt)
        numbers._told_aside = reading
        if (old and old.strength) != (new and new.strength):
            changed[(pair.category, pair.same_answer)] += 1
            print(pair.id, pair.category, old and old.strength, "->", new and new.strength)
    print(f"{len(pairs)} pairs, {sum(not p.same_answer for p in pairs)} traps; changed: {dict(changed)}")


def conversations(which: str, fired_path: str | None) -> None:
    """``conversation_misses.py`` on these dev splits; with ``--fired``, the ids the reading fired on."""
    misses.SETS = conversation_sets(which)
    if not hasattr(numbers, "_told_aside"):  # the base tree: no reading to note
        misses.main()
        return
    fired: list[str] = []
    ids: list[str] = []
    reading, each = numbers._told_aside, misses.each_lookup

    def spy(*args: Any) -> bool:
        found = reading(*args)
        fired.extend(["fired"] if found else [])
        return found

    async def each_noted(only: set[str] | None) -> AsyncIterator[Any]:
        async for item in each(only):
            if fired:
                ids.append(item[1].id)
                fired.clear()
            yield item

    numbers._told_aside = spy  # type: ignore[assignment]
    misses.each_lookup = each_noted  # type: ignore[assignment]
    misses.main()
    if fired_path:
        with open(fired_path, "w", encoding="utf-8") as out:
            out.write("".join(f"{pair}\n" for pair in ids))


if __name__ == "__main__":
    command, rest = sys.argv[1], sys.argv[2:]
    if command == "questions":
        questions()
    else:
        which, rest = rest[0], rest[1:]
        path = rest[rest.index("--fired") + 1] if "--fired" in rest else None
        if path:
            at = rest.index("--fired")
            rest = rest[:at] + rest[at + 2 :]
        sys.argv = ["conversation_misses", *rest]
        conversations(which, path)
