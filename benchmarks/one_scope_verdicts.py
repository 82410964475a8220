"""Whether a latency-only change left every verdict as it was: two trees' outputs compared, field by field (beside
``same_verdicts.py``, which prints each pair's verdict as ``nearhit eval`` runs it, one entry a scope).

``evals BASE BRANCH``: two directories of ``nearhit eval --json`` outputs (one file per run, the same names), every
field but ``latency_ms`` compared; per run the should-hits and traps served and the context's refusals.
``dump OUT SET[:SPLIT] ...``: every conversation pair's ``b`` looked up in ONE scope holding every ``a`` of its set,
as ``conversation_latency.py`` looks up (ten KNN rows a lookup, where ``eval``'s scope per pair has one), the whole
result written a line a lookup (candidates with outcomes and reasons, similarity, match, context; no timings, ids or
dates) with the ``context_rejections`` it counted. ``dumps BASE BRANCH``: two such files compared; a hit's far rows
the branch lists ``not_needed`` uncompared (``context_match.NOT_COMPARED``, since lt39) are compared with the
base's listing of the same rows by prompt and similarity only, the refusals the base counted of them taken off.

    PYTHONPATH=/tmp/base/src python benchmarks/one_scope_verdicts.py dump a.jsonl conversations:dev
    PYTHONPATH=src python benchmarks/one_scope_verdicts.py dump b.jsonl conversations:dev
    python benchmarks/one_scope_verdicts.py dumps a.jsonl b.jsonl
    python benchmarks/one_scope_verdicts.py evals base/ branch/
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from pathlib import Path
from typing import Any

from nearhit.config import load_settings
from nearhit.evaluation import dataset, scratch_cache
from nearhit.evaluation.runner import request

LEFT_OUT = frozenset(
    {"latency_ms", "timings_ms", "embedding", "embedding_dimension", "query", "doc_id", "scope_id", "created_at"}
)
"""What differs between two runs of the same verdicts: times, the lookup's own vector and query, ids (a scratch
scope's is random), dates."""


def without_times(value: Any) -> Any:
    """``value`` with :data:`LEFT_OUT`'s keys dropped at every depth."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items() if k not in LEFT_OUT}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def compare_evals(base: Path, branch: Path) -> bool:
    """Print a row per eval run (should-hits · traps served, the context's refusals) and whether all are equal."""
    same_all = True
    for path in sorted(base.glob("*.json")):
        a, b = json.loads(path.read_text()), json.loads((branch / path.name).read_text())
        same = without_times(a) == without_times(b)
        same_all &= same
        cells = []
        for run in (a, b):
            scores, context = run["scores"], run["rejected_by"].get("context", {})
            cells.append(
                f"{scores['hits']}/{scores['should_hit']} · {scores['wrong_hits']}/{scores['traps']} "
                f"(context refused {context.get('should_hit', 0)}+{context.get('traps', 0)})"
            )
        print(f"| {path.stem} | {cells[0]} | {cells[1]} | {'identical' if same else 'DIFFERENT'} |")
    print("all identical (every field but the latency)" if same_all else "SOME DIFFER")
    return same_all


async def dump(out: Path, sets: list[str]) -> None:
    """The one-scope lookups of each set (see the module's docstring), a JSON line each."""
    with out.open("w") as lines:
        for spec in sets:
            name, _, split = spec.partition(":")
            pairs = [p for p in dataset.load(name, split or "all") if p.b.history]  # type: ignore[arg-type]
            async with scratch_cache(load_settings()) as cache:
                counted: Counter[str] = Counter()
                count = cache._count

                def counting(*names: str | None, count: Any = count, counted: Counter[str] = counted) -> None:
                    counted.update(n for n in names if n)
                    count(*names)

                cache._count = counting  # type: ignore[method-assign]
                for pair in pairs:
                    await cache.store(request(cache, "t", pair.a), f"answer {pair.id}")
                for pair in pairs:
                    before = counted["context_rejections"]
                    result = without_times((await cache.lookup(request(cache, "t", pair.b))).to_dict())
                    result["pair"] = f"{name}/{pair.id}"
                    result["context_rejections"] = counted["context_rejections"] - before
                    lines.write(json.dumps(result, sort_keys=True, default=str) + "\n")


def as_base_listed(base: dict[str, Any], branch: dict[str, Any]) -> tuple[dict[str, Any], int, int]:
    """``branch``'s lookup with each candidate it lists uncompared (``NOT_COMPARED``) replaced by ``base``'s at
    the same place when that one has the same prompt and similarity, and the context refusals the base counted of
    them added back; with how many rows were uncompared and how many refusals that saved."""
    from nearhit.cache.context_match import NOT_COMPARED  # here: ``dump`` runs on trees older than it too

    at = [n for n, c in enumerate(branch["candidates"]) if c.get("reason") == NOT_COMPARED]
    if not at or len(base["candidates"]) != len(branch["candidates"]):
        return branch, len(at), 0
    candidates = list(branch["candidates"])
    saved = 0
    for n in at:
        theirs, ours = base["candidates"][n], candidates[n]
        if (theirs["prompt"], theirs["similarity"]) == (ours["prompt"], ours["similarity"]):
            candidates[n] = theirs
            saved += theirs.get("guard") == "context"
    fixed = {**branch, "candidates": candidates, "context_rejections": branch["context_rejections"] + saved}
    return fixed, len(at), saved


def compare_dumps(base: Path, branch: Path) -> bool:
    """Two :func:`dump` files: how many lookups, served, candidates and refusals, and how many differ."""
    a, b = (
        {line["pair"]: without_times(line) for line in map(json.loads, path.read_text().splitlines())}
        for path in (base, branch)
    )
    uncompared = saved = 0
    for pair in set(a) & set(b):
        b[pair], rows, refusals = as_base_listed(a[pair], b[pair])
        uncompared, saved = uncompared + rows, saved + refusals
    differ = [pair for pair in a if a[pair] != b.get(pair)] + [pair for pair in b if pair not in a]
    print(
        f"{len(a)} lookups, {sum(1 for r in a.values() if r['hit'])} served, "
        f"{sum(len(r['candidates']) for r in a.values())} candidates listed, "
        f"{sum(r['context_rejections'] for r in a.values())} context refusals; "
        f"listed uncompared by the branch: {uncompared} rows, {saved} refusals not counted; differing: {len(differ)}"
    )
    for pair in differ[:5]:
        print(pair, json.dumps(a.get(pair))[:400], "|||", json.dumps(b.get(pair))[:400])
    return not differ


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("evals", "dump", "dumps"))
    parser.add_argument("paths", nargs="+")
    arguments = parser.parse_args()
    if arguments.what == "dump":
        asyncio.run(dump(Path(arguments.paths[0]), arguments.paths[1:]))
    else:
        base, branch = map(Path, arguments.paths)
        same = (compare_evals if arguments.what == "evals" else compare_dumps)(base, branch)
        raise SystemExit(0 if same else 1)
