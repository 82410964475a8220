"""Why the opt-in decision serves more wrong answers than the default in a shared scope (issue 13, ninth session).

Every DEV pair's ``a`` of a set in one scratch scope (what ``nearhit eval --shared`` runs), each ``b`` looked up
through the real cache path twice: with the default (guards as vetoes + the quiet band) and with the decision
(``nearhit.decision``, the shipped model or ``--model``). Also each pair alone (pair mode). Prints, per set and
pooled, should-hits / traps served in pair mode and neighbour wrong / all wrong answers under --shared, then every
wrong answer the decision serves that the default does not: the candidate served, its similarity, score,
rank, the guards' signals and the features that pushed it over. DEV splits only: no test pair is loaded.

    PYTHONPATH=src:. .venv/bin/python benchmarks/decision_shared.py [--sets nearhit-v14,nearhit-v15] [--model F]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from nearhit import evaluation
from nearhit.cache import SemanticCache
from nearhit.cache.results import LookupResult
from nearhit.config import load_settings
from nearhit.decision import Decision, DecisionModel
from nearhit.evaluation import Pair
from nearhit.evaluation.runner import Judge, _question, answer, judge_with, scratch
from nearhit.guards import GuardSet

QUESTION_SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 16)))


@dataclass(frozen=True)
class Seen:
    """One lookup: what was served (its pair id, similarity, score, rank among the candidates) and why."""

    pair: Pair
    served: str | None
    similarity: float | None
    score: float | None
    rank: int | None
    detail: str

    @property
    def own(self) -> bool:
        return self.served == self.pair.id

    @property
    def neighbour(self) -> bool:
        return self.served is not None and not self.own

    @property
    def wrong(self) -> bool:
        return self.neighbour or (self.own and not self.pair.same_answer)


async def passes(
    cache: SemanticCache, pairs: Sequence[Pair], judges: dict[str, Judge], shared: bool
) -> dict[str, list[Seen]]:
    """Each judge's lookups over one scratch store of ``pairs``."""
    owner = {answer(p): p for p in pairs}
    found: dict[str, list[Seen]] = {}
    configured = cache.guards, cache.decision
    try:
        async with scratch(cache, pairs, shared=shared) as asks:
            for label, judge in judges.items():
                judge_with(cache, judge)
                seen = []
                for pair, ask in zip(pairs, asks, strict=True):
                    seen.append(record(pair, await cache.lookup(ask()), owner))
                found[label] = seen
    finally:
        cache.guards, cache.decision = configured
    return found


def record(pair: Pair, result: LookupResult, owner: dict[str, Pair]) -> Seen:
    """One lookup of ``pair``'s ``b`` as seen: whose answer was served (``owner``: answer -> pair), and why."""
    served = None
    if result.match is not None and result.answer is not None:
        cached = owner[result.answer.response]
        # an a of the same text as this pair's own counts as its own (one entry holds both)
        served = pair.id if _question(cached.a) == _question(pair.a) else cached.id
    rank = next((n for n, c in enumerate(result.candidates) if c.outcome == "served"), None)
    detail = " || ".join(
        f"{c.similarity:.3f} {c.outcome}"
        + (f" s={c.score:.3f}" if c.score is not None else "")
        + (f" [{c.guard}: {c.reason}]" if c.reason else "")
        + f" <{c.prompt[:90]}>"
        for c in result.candidates
    )
    if result.top_features:
        detail += " || top " + json.dumps(result.top_features)
    return Seen(pair, served, result.similarity, result.score, rank, detail)


def line(name: str, pair_mode: list[Seen], shared: list[Seen]) -> str:
    should = sum(s.pair.same_answer for s in pair_mode)
    hits = sum(s.own and s.pair.same_answer for s in pair_mode)
    traps = len(pair_mode) - should
    trapped = sum(s.own and not s.pair.same_answer for s in pair_mode)
    neighbour = sum(s.neighbour for s in shared)
    wrong = sum(s.wrong for s in shared)
    return f"| {name} | {hits}/{should} | {trapped}/{traps} | {neighbour}/{len(shared)} | {wrong}/{len(shared)} |"


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(QUESTION_SETS))
    parser.add_argument("--model", type=Path, help="a decision model file (default: the shipped one)")
    parser.add_argument("--quiet-cases", action="store_true", help="tables only, no wrong answers listed")
    args = parser.parse_args()
    sets = [s for s in args.sets.split(",") if s]
    settings = load_settings()
    totals: dict[str, dict[str, list[Seen]]] = {}
    async with evaluation.scratch_cache(settings) as cache:
        guards = cache.guards or GuardSet.default()
        model = DecisionModel.from_json(json.loads(args.model.read_text())) if args.model else None
        judges: dict[str, Judge] = {"default": guards, "decision": Decision(guards, model)}
        for name in sets:
            pairs = evaluation.load(name, "dev")
            pair_mode = await passes(cache, pairs, judges, shared=False)
            shared = await passes(cache, pairs, judges, shared=True)
            for label in judges:
                totals.setdefault(label, {"pair": [], "shared": []})
                totals[label]["pair"] += pair_mode[label]
                totals[label]["shared"] += shared[label]
                print(line(f"{name} {label}", pair_mode[label], shared[label]), flush=True)
            if not args.quiet_cases:
                for d, s in zip(shared["decision"], shared["default"], strict=True):
                    if d.wrong and not s.wrong:
                        print(
                            f"  EXTRA {name} {d.pair.id} {d.pair.category} same={d.pair.same_answer} "
                            f"served={d.served} rank={d.rank} sim={d.similarity:.3f} score={d.score}\n"
                            f"    b: {d.pair.b.prompt[:160]}\n    default: served={s.served}\n    {d.detail}",
                            flush=True,
                        )
                    elif s.wrong and not d.wrong:
                        print(f"  FEWER {name} {d.pair.id} default served={s.served} decision served={d.served}")
    print("\n| dev split | should-hits (pair) | traps served (pair) | neighbour wrong (shared) | all wrong (shared) |")
    print("|---|---|---|---|---|")
    for label, runs in totals.items():
        print(line(f"pooled {label}", runs["pair"], runs["shared"]))


if __name__ == "__main__":
    asyncio.run(main())
