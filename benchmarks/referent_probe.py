"""A follow-up's referent filled in from its turns, then judged against a self-contained question as two questions
are judged (issue 14, ``standalone_vs_contextual``): what the resolution serves, should-hits against traps, on
every conversation set's dev split, after the very same turns (what :mod:`nearhit.cache.referent` does) and on the
told-as-one path (other turns: measured, not built).

The resolution is :func:`nearhit.cache.referent.resolved`: the follow-up's first pointing-back word ("it", "that",
"them", ...) replaced by the words of the other question that the follow-up lacks and its turns say (the user's
turns and the assistant's last), written as the other question writes them. A pair is served by the rule when the
resolved follow-up is at least X similar to the other question (the default embedder), no default guard vetoes the
two at that similarity, and :func:`conversation.states_more` and :func:`conversation.other_referent` find nothing
between them; on the told-as-one path also :func:`conversation.differs_from_one` (the story's facts).

Two groups of dev pairs (system messages alike on both sides):

- **after the very same turns**, whatever the service reads each side as: real traps (referent_swap,
  last_question_trap, topic_shift, intent_flip, ...), both directions resolved, the nearer kept;
- **the told-as-one path** (one side a single question, the other a conversation after other turns): the real
  should-hits; as traps, every pair whose sides are both conversations with one side's story told in one message
  (:func:`told_as_one_probe.joined`, both directions), its facts in the message, so the traps of other histories
  (context_swap, detail_swap, constraint_added, referent_swap, correction) meet the resolution.

"New" counts only the pairs the cache of ``--served`` missed (a ``conversation_misses.py --pairs`` file; give the
base tree's to see what the rule adds), the synthetic ones by today's told-as-one judgement approximated (its floor,
:func:`conversation.differs_from_one`, the guards on the told text). Dev splits only (the test splits are never
loaded); no Redis, no LLM:

    PYTHONPATH=<base src>:benchmarks python benchmarks/conversation_misses.py --pairs base.txt
    PYTHONPATH=src:benchmarks python benchmarks/referent_probe.py --served base.txt [--json rows.json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from dataclasses import asdict, dataclass, replace

from conversation_checks import looked_up
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.cache.referent import POINTER, resolved
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet
from told_as_one_probe import joined

THRESHOLD = 0.76
"""The single questions' threshold (the default config's): the told-as-one floor when the single asks no more."""
FLOORS = (0.70, 0.76, 0.80, 0.85, 0.88, 0.90, 0.92, 0.94)


@dataclass(frozen=True)
class Row:
    group: str
    """"same turns" or "told as one"."""
    set: str
    pair: str
    category: str
    same_answer: bool
    synthetic: bool
    resolved: str
    other: str
    similarity: float
    vetoed: str
    """What refuses the resolved pair whatever its similarity: a check or a guard ("" none)."""
    served_today: bool


def _turns(side: dataset.Side) -> tuple[tuple[str, str], ...]:
    return tuple((role, normalise(text)) for role, text in side.history if role != "system")


def _system(side: dataset.Side) -> list[str]:
    return [text for role, text in side.history if role == "system"]


async def _judged(
    embedder: LocalEmbedder, guards: GuardSet, context: cv.Context, question: str, other: str, told: str | None
) -> tuple[str, float, str] | None:
    """The resolved follow-up, its similarity to ``other`` and what vetoes it ("" nothing), or None unresolved."""
    text = resolved(context, question, other)
    if text is None:
        return None
    v = await embedder.embed([normalise(text), normalise(other)])
    similarity = float(v[0] @ v[1])
    check = cv.states_more(text, other) or cv.other_referent(text, other)
    if told is not None:
        check = check or cv.differs_from_one(told, other)
    verdict = None if check else guards.first_rejection(text, other, similarity)
    vetoed = f"check: {check}" if check else f"guard: {verdict.guard}" if verdict is not None else ""
    return text, similarity, vetoed


async def same_turns(embedder: LocalEmbedder, guards: GuardSet, served: dict[str, bool]) -> list[Row]:
    found: list[Row] = []
    for name in dataset.CONVERSATION_SETS:
        for pair in dataset.load(name, "dev"):
            if _system(pair.a) != _system(pair.b) or not _turns(pair.a) or _turns(pair.a) != _turns(pair.b):
                continue
            context = cv.Context(tuple((role, text) for role, text in pair.a.history if role != "system"))
            qa, qb = looked_up(pair.a)[1], looked_up(pair.b)[1]
            tried = [await _judged(embedder, guards, context, f, s, None) for f, s in ((qb, qa), (qa, qb))]
            best = max((t for t in tried if t is not None), key=lambda t: t[1], default=None)
            if best is not None:
                other = qa if tried[0] is best else qb
                found.append(_row("same turns", name, pair, best, other, served.get(pair.id, False)))
    return found


async def told_as_one(embedder: LocalEmbedder, guards: GuardSet, served: dict[str, bool]) -> list[Row]:
    found: list[Row] = []
    for name in dataset.CONVERSATION_SETS:
        pairs = [pair for pair in dataset.load(name, "dev") if _system(pair.a) == _system(pair.b)]
        real = [(pair, pair.a, pair.b, False) for pair in pairs if _turns(pair.a) != _turns(pair.b)]
        swapped = [replace(pair, a=pair.b, b=pair.a) for pair in pairs]
        told = [(one, one.a, one.b, True) for one in joined(pairs) + joined(swapped)]
        for pair, x, y, synthetic in real + told:
            (cx, qx), (cy, qy) = looked_up(x), looked_up(y)
            if (cx is None) == (cy is None):
                continue
            context, question, single = (cx, qx, qy) if cx is not None else (cy, qy, qx)
            assert context is not None
            story = cv.told_as_one(context, question)
            judged = await _judged(embedder, guards, context, question, single, story)
            if judged is None:
                continue
            today = (
                served.get(pair.id, False)
                if not synthetic
                else await _told_today(embedder, guards, context, story, single)
            )
            found.append(_row("told as one", name, pair, judged, single, today, synthetic=synthetic))
    return found


def _row(
    group: str,
    name: str,
    pair: dataset.Pair,
    judged: tuple[str, float, str],
    other: str,
    today: bool,
    *,
    synthetic: bool = False,
) -> Row:
    text, similarity, vetoed = judged
    return Row(group, name, pair.id, pair.category, pair.same_answer, synthetic, text, other, similarity, vetoed, today)


async def _told_today(embedder: LocalEmbedder, guards: GuardSet, context: cv.Context, story: str, single: str) -> bool:
    """Today's told-as-one judgement, approximated: its floor, the story's checks, the guards on the told text."""
    answer = cv.last_answer(context)
    v = await embedder.embed([normalise(story), normalise(single)])
    similarity = float(v[0] @ v[1])
    asks_less = cv.tells_no_more(story, single, answer) or cv.asks_no_more(story, single, answer)
    floor = THRESHOLD if asks_less else max(cv.ONE_QUESTION_THRESHOLD, THRESHOLD)
    if similarity < floor or cv.differs_from_one(story, single) is not None:
        return False
    return guards.first_rejection(story, single, similarity) is None


def self_contained(row: Row) -> bool:
    """The single side asks a self-contained question: no pointing-back word in it ("How do I cancel my gym
    membership?"), unlike a story told in one message whose question points back ("... How do I get a refund for
    it?")."""
    return POINTER.search(row.other) is None


def _new(rows: list[Row], floor: float) -> list[Row]:
    return [r for r in rows if not r.vetoed and r.similarity >= floor and not r.served_today]


def report(rows: list[Row]) -> None:
    for group in ("same turns", "told as one"):
        mine = [r for r in rows if r.group == group]
        print(f"\n**{group}** ({len(mine)} pairs resolved)\n")
        print("| at least | new should-hits (sets) | new traps | new traps, by category |\n|---|---|---|---|")
        for floor in FLOORS:
            new = _new(mine, floor)
            hits = [r for r in new if r.same_answer and not r.synthetic]
            traps = [r for r in new if not r.same_answer]
            kinds = Counter(r.category for r in traps)
            print(f"| {floor:.2f} | {len(hits)} ({len({r.set for r in hits})}) | {len(traps)} | {dict(kinds) or ''} |")
    leave_one_out("same turns", [r for r in rows if r.group == "same turns"])
    told = [r for r in rows if r.group == "told as one"]
    leave_one_out("told as one", told)
    standalone = [r for r in told if self_contained(r)]
    leave_one_out("told as one, the single side self-contained", standalone)
    traps = [r for r in standalone if not r.same_answer]
    vetoes = Counter(r.vetoed.split(":")[0] or "nothing" for r in traps)
    near = sorted((r.similarity for r in traps), reverse=True)[:5]
    print(f"\nself-contained single side: {len(traps)} traps resolved, refused by {dict(vetoes)}; nearest", near)


def leave_one_out(group: str, rows: list[Row]) -> None:
    """Per held-out set, the lowest floor with no new trap on the other sets (none when no floor is free), and
    what it serves on the held-out set."""
    print(f"\n| held out ({group}) | floor chosen | new should-hits | new traps |\n|---|---|---|---|")
    for name in dataset.CONVERSATION_SETS:
        rest = [r for r in rows if r.set != name]
        free = [f for f in FLOORS if not any(not r.same_answer for r in _new(rest, f))]
        if not free:
            print(f"| {name} | none | 0 | 0 |")
            continue
        held = _new([r for r in rows if r.set == name], min(free))
        hits = sum(r.same_answer and not r.synthetic for r in held)
        traps = sum(not r.same_answer for r in held)
        if hits or traps:
            print(f"| {name} | {min(free):.2f} | {hits} | {traps} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--served", required=True, help="a conversation_misses.py --pairs file of the same tree")
    parser.add_argument("--json", help="write every row here")
    args = parser.parse_args()
    with open(args.served, encoding="utf-8") as lines:
        served = {line.split()[0]: line.split()[1] == "served" for line in lines if line.strip()}
    embedder, guards = LocalEmbedder(), GuardSet.default()

    async def run() -> list[Row]:
        return await same_turns(embedder, guards, served) + await told_as_one(embedder, guards, served)

    rows = asyncio.run(run())
    if args.json:
        with open(args.json, "w", encoding="utf-8") as out:
            json.dump([asdict(r) for r in rows], out, ensure_ascii=False, indent=0)
    report(rows)


if __name__ == "__main__":
    main()
