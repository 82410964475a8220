"""Why the conversation dev splits' should-hits miss, and which traps are served: one cause per pair, pooled.

Each pair runs through the real cache as ``nearhit eval`` runs it (its ``a`` stored, its ``b`` looked up in a
scope of its own, the configured judge); a missed should-hit gets the stage that refused its nearest
candidate, read from the lookup's candidates: the sides' shapes (a conversation or a single question on each,
read as the service reads them), then the context's reason (the earlier turns under the threshold, in bands;
other facts; a change in the user's turns; ...), the question under the threshold, a guard, or the story told as
one question under ``ONE_QUESTION_THRESHOLD``. Dev splits only (the test splits are never loaded), and never a
held-out set's (:data:`HELD_OUT`): a run reads the fit dev splits unless told ``--sets validation`` or ``--files``.

    python benchmarks/conversation_misses.py                     # the fit dev splits, a table of causes
    python benchmarks/conversation_misses.py --show "told as one" # and each pair whose cause starts so
    python benchmarks/conversation_misses.py --compare base.txt after.txt  # two --pairs runs, per set and category
    python benchmarks/conversation_misses.py --stages base.txt   # the missed should-hits by stage and category
    python benchmarks/conversation_misses.py --stages base.txt --per-set short_vs_long   # ... per set, of these
    python benchmarks/conversation_misses.py --pairs b.txt --reasons b.jsonl  # and every candidate's reason
    python benchmarks/conversation_misses.py --again b.txt b.jsonl "say something" --pairs after.txt  # see below
    python benchmarks/conversation_misses.py --categories constraint_added,detail_swap --pairs t.txt  # these only
    python benchmarks/conversation_misses.py --served-in base.txt --pairs after.txt  # what base served, again
    python benchmarks/conversation_misses.py --ids ids.txt --pairs after.txt     # only these pair ids (one a line)
    python benchmarks/conversation_misses.py --sets fit --pairs fit.txt  # the fit dev splits only (or validation)
    python benchmarks/conversation_misses.py --files /tmp/ans36/*_dev.jsonl --pairs a.txt  # files as the sets
    python benchmarks/conversation_misses.py --by-stage fit.txt  # what each stage served: should-hits per trap, bands

``--again BASE REASONS MATCH``: a change that loosens one check can only move the pairs one of whose candidates it
refused, so only the pairs of the base run (``--pairs`` and ``--reasons`` files) with a candidate whose reason
contains ``MATCH`` are looked up again on this tree; ``--pairs`` gets their new lines and the base lines of the rest.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from typing import Any

from nearhit import evaluation
from nearhit.cache import conversation_lookup, judge, learned_add, referent
from nearhit.cache.lookup import Lookup
from nearhit.cache.results import LookupResult
from nearhit.cli._common import settings
from nearhit.cli.eval_cmd import _configured
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair
from nearhit.evaluation.runner import judge_with, scratch

_FIRST_VALIDATION = 298
"""The first set of :data:`VALIDATION` (moved in the fifty-sixth session, after rule 66): a split moves by this."""
VALIDATION = tuple(f"nearhit-conversations-v{n}" for n in range(_FIRST_VALIDATION, _FIRST_VALIDATION + 8))
"""The dev splits counted once per reading (``--sets validation``)."""


def _older_than_validation(name: str) -> bool:
    numbered = re.fullmatch(r"nearhit-conversations-v(\d+)", name)
    return numbered is None or int(numbered[1]) < _FIRST_VALIDATION


FIT = tuple(name for name in CONVERSATION_SETS if _older_than_validation(name))
"""The dev splits read and tuned on (``--sets fit``): those before :data:`VALIDATION` and fow-cache's."""
HELD_OUT = tuple(name for name in CONVERSATION_SETS if name not in FIT + VALIDATION)
"""Sets no helper reads while tuning (any split): in neither ``--sets`` choice."""
SETS = FIT
"""The sets a run reads (``--sets``, ``--files``); by default the fit dev splits, never :data:`HELD_OUT` (a run
without ``--sets`` once read every bundled set's dev split, the held-out ones too)."""
READABLE = FIT + VALIDATION
"""Where a ``--pairs`` file's ids are looked up (``--compare``, ``--stages``, ``--by-stage``): no held-out set is
loaded to name its pairs."""
_SIMILARITY = re.compile(r"similarity (\d\.\d+)|: (\d\.\d+) <")


def chosen_sets(which: str) -> tuple[str, ...]:
    """The dev splits of ``fit`` or ``validation``; :data:`HELD_OUT` in neither."""
    return VALIDATION if which == "validation" else FIT


def shape(pair: Pair, looked_up: object, stored_context: bool) -> str:
    """Which sides are conversations (with a context to match) as the service reads them: stored / asked."""
    asked = getattr(looked_up, "context", None) is not None
    return f"{'conv' if stored_context else 'single'} stored, {'conv' if asked else 'single'} asked"


def cause(result: LookupResult) -> str:
    """The stage that refused the nearest candidate judged (or what was served)."""
    if result.match is not None:
        return f"served ({result.match})"
    if not result.candidates:
        return "no candidate in scope"
    best = max(result.candidates, key=lambda c: c.similarity)
    reason = best.reason or ""
    if best.outcome == "below_threshold":
        if reason.startswith("told as one"):
            return f"told as one question under 0.88 ({_band(best.similarity)})"
        return f"question under the threshold ({_band(best.similarity)})"
    if best.guard == "context":
        if "about something else" in reason:
            found = _SIMILARITY.search(reason)
            return f"context: earlier turns under 0.8 ({_band(float(found.group(1)))})" if found else "context: other"
        if reason.startswith("one side has earlier turns"):
            return "context: one side has turns, the other none"
        return "context: " + reason.split(":")[0][:60]
    return f"{best.outcome}: {best.guard}"


def _band(similarity: float) -> str:
    for floor in (0.9, 0.85, 0.8, 0.75, 0.7, 0.6):
        if similarity >= floor:
            return f"{floor:.2f}+"
    return "< 0.60"


SECOND_CHANCES = (
    ("after_the_answer", conversation_lookup, "after_the_answer"),
    ("resolved", referent, "after_same_turns"),
    ("turn_by_turn", conversation_lookup, "turn_by_turn"),
    ("user_turns", conversation_lookup, "user_turns"),
    ("learned_add", learned_add, "serve"),
    ("as_one_question", conversation_lookup, "as_one_question"),
    ("from_story", conversation_lookup, "from_story"),
)
"""The stages a lookup tries after its first look misses, in the order ``SemanticCache.lookup`` calls them."""
_SERVED_BY: dict[int, str] = {}


@contextmanager
def stages_watched() -> Iterator[None]:
    """Each second chance of :data:`SECOND_CHANCES` wrapped to note, by the result's ``id``, the one that turned a
    miss into a hit (what a lookup's ``timings_ms`` cannot say: a stage that serves without embedding writes no key)."""

    def watched(stage: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def noted(result: LookupResult, hit: bool) -> None:
            if not hit and result.hit:
                _SERVED_BY[id(result)] = stage

        if asyncio.iscoroutinefunction(call):

            async def awaited(cache: Any, result: LookupResult, *args: Any, **kwargs: Any) -> Any:
                hit = result.hit
                returned = await call(cache, result, *args, **kwargs)
                noted(result, hit)
                return returned

            return awaited

        def plain(result: LookupResult, *args: Any, **kwargs: Any) -> Any:
            hit = result.hit
            returned = call(result, *args, **kwargs)
            noted(result, hit)
            return returned

        return plain

    originals = [(module, name, getattr(module, name)) for _, module, name in SECOND_CHANCES]
    try:
        for (stage, module, name), (_, _, call) in zip(SECOND_CHANCES, originals, strict=True):
            setattr(module, name, watched(stage, call))
        yield
    finally:
        for module, name, call in originals:
            setattr(module, name, call)


def served_by(result: LookupResult) -> str:
    """The stage that served ``result`` (under :func:`stages_watched`), its served candidate's margin, the
    questions' similarity and the earlier turns' (``result.context``; ``-`` when none was matched): ``first_look``
    when no second chance served; the margin ``at`` when served at or over the threshold. Then, where the conversation
    judge read a hit it did not serve itself, how and its p: ``judge overruled`` (strict mode flagged it, the judge was
    sure) or ``judge veto`` (a rules' hit on other turns, over the veto)."""
    stage = _SERVED_BY.pop(id(result), "first_look")
    chosen = next((c for c in result.candidates if c.outcome == "served"), None)
    margin = (chosen.margin if chosen is not None else None) or "at"
    similarity = result.similarity if result.similarity is not None else (chosen.similarity if chosen else 0.0)
    context = result.context or {}
    turns = context.get("similarity")
    read = next((f" judge {how} {context[key]['p']:.3f}" for key, how in _JUDGE_READ if key in context), "")
    return f"by {stage} {margin} {similarity:.3f} turns {'-' if turns is None else f'{float(turns):.3f}'}{read}"


_JUDGE_READ = ((judge.OVERRULED, "overruled"), (judge.VETO, "veto"))
"""The marks of a hit the conversation judge read without serving it, as :func:`served_by` names them."""


async def each_lookup(
    only: set[str] | None = None, rewrite: Callable[[list[Pair]], list[Pair]] | None = None
) -> AsyncIterator[tuple[str, Pair, Lookup, Lookup, LookupResult]]:
    """Each dev pair of ``SETS`` (``only``: those of these ids) as ``nearhit eval`` runs it (its ``a`` alone in a
    scratch scope, the configured judge): the set, the pair, its ``a`` and ``b`` as the service reads them, and
    ``b``'s lookup. ``rewrite``: each set's pairs played otherwise (a probe's side written as one message)."""
    async with evaluation.scratch_cache(settings()) as cache:
        sets = evaluation.guard_sets(_configured(cache), decision=cache.decision, guards=cache.guards)
        judge_with(cache, next(iter(sets.values())))
        for name in SETS:
            pairs = [pair for pair in evaluation.load(name, "dev") if only is None or pair.id in only]
            pairs = rewrite(pairs) if rewrite else pairs
            if not pairs:
                continue
            async with scratch(cache, pairs) as asks:
                for pair, ask in zip(pairs, asks, strict=True):
                    query = ask()
                    stored = evaluation.runner.request(cache, query.scope.tenant, pair.a)
                    yield name, pair, stored, query, await cache.lookup(query)


async def run(
    show: str | None,
    pairs_out: list[str] | None = None,
    reasons_out: list[str] | None = None,
    only: set[str] | None = None,
) -> tuple[Counter[str], Counter[str]]:
    missed: Counter[str] = Counter()
    served: Counter[str] = Counter()
    with stages_watched():
        async for name, pair, stored, query, result in each_lookup(only):
            _tally(name, pair, stored, query, result, (missed, served), show, pairs_out, reasons_out)
    return missed, served


def _tally(
    name: str,
    pair: Pair,
    stored: Lookup,
    query: Lookup,
    result: LookupResult,
    counts: tuple[Counter[str], Counter[str]],
    show: str | None,
    pairs_out: list[str] | None,
    reasons_out: list[str] | None,
) -> None:
    """One pair's lookup counted (its cause, a missed should-hit or a served trap), printed and written out; a
    served pair's line says which stage served it, at which margin and similarity (:func:`served_by`)."""
    missed, served = counts
    if reasons_out is not None:
        reasons_out.append(_reasons(pair, result))
    why = f"{shape(pair, query, stored.context is not None)} | {cause(result)}"
    if pair.same_answer and result.match is None:
        missed[why] += 1
        missed[f"  [{pair.category}] {why}"] += 1
    elif not pair.same_answer and result.match is not None:
        served[f"[{pair.category}] {why}"] += 1
    if shown(show, pair, result):
        _print(name, pair, result)
    if pairs_out is not None:
        stage = f" | {served_by(result)}" if result.match else ""
        pairs_out.append(f"{pair.id} {'served' if result.match else 'missed'} {why}{stage}")


def shown(show: str | None, pair: Pair, result: LookupResult) -> bool:
    """Whether ``--show`` prints a pair: a missed should-hit whose cause starts with ``show``; ``--show ""`` (a
    prefix of every cause) prints every missed should-hit, as its help promises (an empty filter is no filter)."""
    return show is not None and pair.same_answer and result.match is None and cause(result).startswith(show)


def _reasons(pair: Pair, result: LookupResult) -> str:
    """A pair's outcome and every candidate judged (similarity, outcome, guard, reason, prompt), as a JSON line."""
    candidates = [[c.similarity, c.outcome, c.guard, c.reason, c.prompt] for c in result.candidates]
    return json.dumps({"id": pair.id, "served": result.match is not None, "candidates": candidates})


def _print(name: str, pair: Pair, result: LookupResult) -> None:
    print(f"--- {name} {pair.id} {pair.category} same={pair.same_answer} -> {cause(result)}")
    for side in (pair.a, pair.b):
        for role, content in side.history:
            print(f"    {role}: {content}")
        print(f"    >> {side.prompt}")
    for c in sorted(result.candidates, key=lambda c: -c.similarity)[:3]:
        print(f"    cand {c.similarity:.3f} {c.outcome} {c.guard} {c.reason}")


def _kinds() -> dict[str, tuple[str, str, bool]]:
    """Each pair id of :data:`READABLE`: its set, its category, whether it should hit."""
    return {
        pair.id: (name, pair.category, pair.same_answer) for name in READABLE for pair in evaluation.load(name, "dev")
    }


def compare(base: str, after: str) -> None:
    """Two ``--pairs`` files: should-hits and traps served per set and per category, before and after, and
    each pair whose outcome changed."""
    runs = [_outcomes(path) for path in (base, after)]
    kinds = _kinds()
    for key, title in ((0, "set (dev)"), (1, "category")):
        groups = sorted({kinds[i][key] for i in runs[0]}, key=lambda g: (READABLE.index(g) if key == 0 else 0, g))
        print(f"\n| {title} | should-hits, base | after | traps, base | after |\n|---|---|---|---|---|")
        for group in [*groups, "pooled"]:
            ids = [i for i in runs[0] if group in ("pooled", kinds[i][key])]
            cells = []
            for same in (True, False):
                wanted = [i for i in ids if kinds[i][2] is same]
                cells += [f"{sum(run[i] for i in wanted)}/{len(wanted)}" for run in runs]
            if any(not cell.startswith("0/0") for cell in cells):
                print(f"| {group} | {' | '.join(cells)} |")
    for i in runs[0]:
        if runs[0][i] != runs[1].get(i):
            print(f"changed: {i} {'served' if runs[1].get(i) else 'missed'} after")


STAGES = (
    ("no candidate", ("no candidate",)),
    ("turns under 0.8", ("context: earlier turns under",)),
    ("a story check", ("context:",)),
    ("told as one", ("told as one",)),
    ("question under the threshold", ("question under",)),
    ("a guard", ("rejected_by_guard",)),
    ("the decision", ("rejected_by_decision",)),
)


def stages(path: str, per_set: list[str] | None = None) -> None:
    """A ``--pairs`` file's missed should-hits, pooled: per category, how many each stage refused; with
    ``per_set`` (categories), per set instead, of those categories' should-hits only (served, then each stage)."""
    kinds = _kinds()
    counts: Counter[tuple[str, str]] = Counter()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            pair, outcome, why = line.split(" ", 2)
            name, category, same = kinds[pair]
            if not same or (per_set is not None and category not in per_set):
                continue
            row = name if per_set is not None else category
            stage = "served" if outcome == "served" else _stage(why.split(" | ", 1)[1])
            counts[row, stage] += 1
            counts["all", stage] += 1
    names = [name for name, _ in STAGES] if per_set is None else ["served", *(name for name, _ in STAGES)]
    title = "missed should-hits (dev, pooled)" if per_set is None else f"should-hits of {', '.join(per_set)} (dev)"
    order = list(READABLE) if per_set is not None else sorted({c for c, _ in counts})
    print(f"| {title} | {' | '.join(names)} |")
    print(f"|---|{'---|' * len(names)}")
    for row in [*(r for r in order if r != "all" and any(counts[r, n] for n in names)), "all"]:
        print(f"| {row} | {' | '.join(str(counts[row, name]) for name in names)} |")


def _stage(cause: str) -> str:
    return next(name for name, starts in STAGES if cause.startswith(starts))


BANDS = (0.95, 0.9, 0.88, 0.85, 0.8, 0.75, 0.7, -1.0)
"""The similarity bands ``--by-stage`` counts a stage's served pairs in (each band from its floor up; the judge serves
at any cosine, under 0 too)."""


def by_stage(path: str) -> None:
    """A ``--pairs`` file's served pairs by the stage that served them (``first_look`` split by the served
    candidate's margin and how its turns were let through, :func:`_turns_path`): should-hits and traps served,
    should-hits per trap, per category of the traps; then each stage's pairs by similarity band (the lower of the
    questions' and the earlier turns' cosines), the traps and should-hits in each."""
    kinds = {pair: (category, same) for pair, (_, category, same) in _kinds().items()}
    counts: Counter[tuple[str, str]] = Counter()
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            pair, outcome, why = line.rstrip("\n").split(" ", 2)
            if outcome != "served" or " | by " not in why:
                continue
            stage, margin, asked, _, turns, *read = why.rsplit(" | by ", 1)[1].split()
            similarity = min(float(asked), float(turns) if turns != "-" else 1.0)  # the lower: what let it through
            category, same = kinds[pair]
            row = f"{stage} ({margin}; {_turns_path(turns)})" if stage == "first_look" else stage
            row += f", judge {read[1]}" if read else ""
            band = next(f"{floor:.2f}+" for floor in BANDS if similarity >= floor)
            for key in (row, "all"):
                counts[key, "should" if same else "trap"] += 1
                counts[key, f"band {band} {'should' if same else 'trap'}"] += 1
                if not same:
                    counts[key, f"trap {category}"] += 1
    rows = [*sorted({r for r, _ in counts if r != "all"}, key=lambda r: -counts[r, "should"]), "all"]
    print(
        "| stage (served by) | should-hits | traps | should-hits per trap | traps by category |\n|---|---|---|---|---|"
    )
    for row in rows:
        should, traps = counts[row, "should"], counts[row, "trap"]
        per = f"{should / traps:.1f}" if traps else "-"
        families = ", ".join(
            f"{k[5:]} {n}" for (r, k), n in sorted(counts.items()) if r == row and k.startswith("trap ")
        )
        print(f"| {row} | {should} | {traps} | {per} | {families} |")
    bands = [f"{floor:.2f}+" for floor in BANDS]
    print(f"\n| stage: should-hits / traps by band | {' | '.join(bands)} |\n|---|{'---|' * len(bands)}")
    for row in rows:
        cells = [f"{counts[row, f'band {b} should']}/{counts[row, f'band {b} trap']}" for b in bands]
        print(f"| {row} | {' | '.join(cells)} |")


def _turns_path(turns: str) -> str:
    """How the first look let the earlier turns through, from their cosine (``-``: none compared, a question read
    alone or two single messages; 1: the very same turns, or the same once a digression is left out)."""
    if turns == "-":
        return "no turns compared"
    similarity = float(turns)
    if similarity >= 0.9995:
        return "same turns"
    return "turns >= 0.80" if similarity >= 0.8 else "turns < 0.80 (retold, checks decide)"


def refused_by(reasons: str, match: str) -> set[str]:
    """The pairs of a ``--reasons`` file with a candidate whose reason contains ``match``."""
    with open(reasons, encoding="utf-8") as lines:
        rows = [json.loads(line) for line in lines if line.strip()]
    return {row["id"] for row in rows if any(match in (candidate[3] or "") for candidate in row["candidates"])}


def merged(base: str, again: list[str]) -> list[str]:
    """A ``--pairs`` file's lines with those of the pairs looked up ``again`` replaced."""
    fresh = {line.split()[0]: line for line in again}
    with open(base, encoding="utf-8") as lines:
        return [fresh.get(line.split()[0], line.rstrip("\n")) for line in lines if line.strip()]


def _outcomes(path: str) -> dict[str, bool]:
    with open(path, encoding="utf-8") as lines:
        return {line.split()[0]: line.split()[1] == "served" for line in lines if line.strip()}


def _rules_alone(*_: object) -> bool:
    """:func:`learned_add.serve` turned off: the rules' own verdicts, which a refit of the learned add adds to."""
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", help="print each missed should-hit whose cause starts with this")
    parser.add_argument("--pairs", help="write each pair's outcome and cause to this file (to compare two runs)")
    parser.add_argument("--reasons", help="write each pair's candidates and reasons to this JSONL file")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "AFTER"), help="compare two --pairs files")
    parser.add_argument("--stages", metavar="PAIRS", help="a --pairs file's missed should-hits by stage and category")
    parser.add_argument("--by-stage", metavar="PAIRS", help="a --pairs file's served pairs by the stage that served")
    parser.add_argument("--per-set", help="with --stages: per set, of these categories (comma-separated)")
    parser.add_argument("--again", nargs=3, metavar=("PAIRS", "REASONS", "MATCH"), help="look up again only these")
    parser.add_argument("--categories", help="look up only the pairs of these categories (comma-separated)")
    parser.add_argument("--served-in", metavar="PAIRS", help="look up only the pairs a --pairs file has served")
    parser.add_argument("--ids", metavar="FILE", help="look up only the pairs whose ids this file lists, one a line")
    parser.add_argument("--sets", choices=("fit", "validation"), help="only these dev splits (see VALIDATION)")
    parser.add_argument("--files", nargs="+", metavar="JSONL", help="these files as the sets (their dev pairs)")
    parser.add_argument("--rules-alone", action="store_true", help="no learned add: the verdicts a refit adds to")
    args = parser.parse_args()
    if args.rules_alone:
        learned_add.serve = _rules_alone  # type: ignore[assignment]
    global SETS, READABLE
    if args.sets:
        SETS = chosen_sets(args.sets)
    if args.files:
        SETS = READABLE = tuple(args.files)  # a path is a set to evaluation.load: a dev split with its answers
    if args.by_stage:
        by_stage(args.by_stage)
        return
    if args.compare or args.stages:
        compare(*args.compare) if args.compare else stages(args.stages, args.per_set and args.per_set.split(","))
        return
    outcomes: list[str] | None = [] if args.pairs else None
    reasons: list[str] | None = [] if args.reasons else None
    only = refused_by(args.again[1], args.again[2]) if args.again else None
    if args.categories:
        wanted = set(args.categories.split(","))
        chosen = {pair.id for name in SETS for pair in evaluation.load(name, "dev") if pair.category in wanted}
        only = chosen if only is None else only & chosen
    if args.ids:
        with open(args.ids, encoding="utf-8") as lines:
            listed = {line.strip() for line in lines if line.strip()}
        only = listed if only is None else only & listed
    if args.served_in:
        served_before = {pair for pair, served in _outcomes(args.served_in).items() if served}
        only = served_before if only is None else only & served_before
    missed, served = asyncio.run(run(args.show, outcomes, reasons, only))
    if args.again and outcomes is not None:
        outcomes = merged(args.again[0], outcomes)
    for path, records in ((args.pairs, outcomes), (args.reasons, reasons)):
        if path and records is not None:
            with open(path, "w", encoding="utf-8") as out:
                out.write("\n".join(records) + "\n")
    print("| missed should-hits, the dev splits pooled: sides, cause | pairs |\n|---|---|")
    for why, n in sorted(missed.items(), key=lambda item: (-item[1], item[0])):
        if not why.startswith("  "):
            print(f"| {why} | {n} |")
    print("\n| by category |  |\n|---|---|")
    for why, n in sorted(missed.items(), key=lambda item: (item[0].split("]")[0], -item[1])):
        if why.startswith("  "):
            print(f"| {why.strip()} | {n} |")
    print("\n| traps served | pairs |\n|---|---|")
    for why, n in sorted(served.items(), key=lambda item: -item[1]):
        print(f"| {why} | {n} |")


if __name__ == "__main__":
    main()
