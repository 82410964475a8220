"""A reworded follow-up after the very same turns whose question reads under the same-turns floor: which comparison
of the two follow-ups separates a rewording from a question swapped after the same turns (issue 14, rq30).

For the dev pairs whose sides are conversations after the very same turns (normalised), the question alone under
the same-turns floor (0.60) and the checks (:func:`conversation.states_more`, :func:`conversation.other_referent`)
and the default guards (at the question's own similarity) letting them through, each pair's two follow-ups are
compared in several readings, each side read from its own turns only (no word of the other question):

- ``alone``: the follow-ups as asked (what the lookup compares);
- ``after``: each told after the assistant's last turn (:func:`conversation.after_answer`, what
  :func:`conversation_lookup.after_the_answer` compares, served today at 0.88, or 0.82 with ``told`` at 0.85);
- ``told``: the user's turns, then the follow-up (:func:`conversation.told_as_one`, the twins' text);
- ``user``: the follow-up rewritten as a standalone question, its first pointing-back word ("it", "its", "that")
  replaced by the object of the last user turn (the last content words of its last sentence, :func:`object_of`), or
  with no such word those words put before its question mark: an offline stand-in for an LLM's standalone rewrite;
- ``asst``: the same with the assistant's last noun phrase (the last content words of its last sentence).

Then, beyond what ``--served`` (a ``conversation_misses.py --pairs`` file of the same pairs) serves today, the
should-hits and traps each floor of a reading adds, alone and with ``after``; and each reading's best rule chosen
leave-one-set-out. Dev splits only (the test splits are never loaded); the default embedder, no Redis, no LLM:

    PYTHONPATH=src:benchmarks python benchmarks/reworded_readings.py --sets fit --served base.txt --json fit.json
    PYTHONPATH=src:benchmarks python benchmarks/reworded_readings.py --rows fit.json --served base.txt   # no embedding
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from conversation_misses import chosen_sets
from conversation_retold import looked_up
from followup_representations import Vectors
from nearhit.cache import context_match, referent
from nearhit.cache import conversation as cv
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet
from nearhit.guards.lexicon import STOP_WORDS

THRESHOLD = 0.76
SAME_TURNS_FLOOR = THRESHOLD - context_match.SAME_TURNS_MARGIN
READINGS = ("alone", "after", "told", "user", "asst")
FLOORS = tuple(x / 100 for x in range(95, 69, -1))
_POINTER = re.compile(r"\b(it|its|them|their|that|this|these|those|they|one)\b", re.IGNORECASE)
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
PHRASE_WORDS = 4
"""How many content words make the object or noun phrase filled in: a short noun phrase, not the turn."""


@dataclass(frozen=True)
class Row:
    pair: str
    set: str
    category: str
    should_hit: bool
    alone: float
    after: float
    told: float
    user: float
    asst: float


def object_of(text: str) -> str:
    """The last ``PHRASE_WORDS`` content words of ``text``'s last sentence: where an English sentence puts its object
    ("I keep my sourdough starter in the fridge" -> "sourdough starter fridge"); no tagger, the words' order only."""
    sentences = [s for s in _SENTENCE.split(text.strip()) if referent.SURFACE.search(s)]
    if not sentences:
        return ""
    words = [w for w in referent.SURFACE.findall(sentences[-1]) if w.lower() not in STOP_WORDS and len(w) > 1]
    return " ".join(words[-PHRASE_WORDS:])


def standalone(question: str, phrase: str) -> str:
    """``question`` with its first pointing-back word replaced by ``phrase`` (a possessive keeps its "'s"), or with no
    such word ``phrase`` put before its question mark."""
    if not phrase:
        return question
    found = _POINTER.search(question)
    if found is None:
        end = re.search(r"\s*[?.!]*\s*$", question)
        cut = end.start() if end is not None else len(question)
        return f"{question[:cut]} about {phrase}{question[cut:]}"
    filled = f"{phrase}'s" if found.group(1).lower() in {"its", "their"} else phrase
    return question[: found.start()] + filled + question[found.end() :]


def last_user(context: cv.Context) -> str:
    return next((text for role, text in reversed(context.turns) if role == "user"), "")


async def _turns_match(vectors: Vectors, ca: cv.Context, qa: str, cb: cv.Context, qb: str, other: bool) -> bool:
    """Whether the two sides' turns are the very same (``other`` false) or, told otherwise, read as one story by the
    contexts' cosine and every check of :func:`conversation.differs` (``other``)."""
    if context_match.same_turns(ca, cb):
        return not other
    if not other:
        return False
    ta, tb = await vectors.of([ca.text, cb.text])
    return cv.differs(qb, cb, ca, float(ta @ tb), qa) is None


async def rows(names: Sequence[str], vectors: Vectors, guards: GuardSet, other: bool = False) -> list[Row]:
    """The pairs after the very same turns (``other``: after turns told otherwise that match) whose follow-ups read
    under the margin below the threshold the lookup gives them, and that the checks and guards let through."""
    floor = SAME_TURNS_FLOOR if not other else THRESHOLD - context_match.matched_margin()
    found: list[Row] = []
    for name in names:
        for pair in dataset.load(name, "dev"):
            (ca, qa), (cb, qb) = looked_up(pair.a), looked_up(pair.b)
            if ca is None or cb is None or not await _turns_match(vectors, ca, qa, cb, qb, other):
                continue
            va, vb = await vectors.of([qa, qb])
            alone = float(va @ vb)
            if alone >= floor or cv.states_more(qb, qa) or cv.other_referent(qb, qa):
                continue
            if guards.first_rejection(qb, qa, alone) is not None:
                continue
            texts = [
                cv.after_answer(ca, qa) or qa,
                cv.after_answer(cb, qb) or qb,
                cv.told_as_one(ca, qa),
                cv.told_as_one(cb, qb),
                standalone(qa, object_of(last_user(ca))),
                standalone(qb, object_of(last_user(cb))),
                standalone(qa, object_of(cv.last_answer(ca))),
                standalone(qb, object_of(cv.last_answer(cb))),
            ]
            v = await vectors.of(texts)
            cos = [float(v[n] @ v[n + 1]) for n in range(0, 8, 2)]
            found.append(Row(pair.id, name, pair.category, pair.same_answer, alone, *cos))
    return found


def served_today(path: str) -> set[str]:
    with open(path, encoding="utf-8") as lines:
        return {line.split()[0] for line in lines if line.split()[1:2] == ["served"]}


def more(found: Sequence[Row], today: set[str], rule: Callable[[Row], bool]) -> tuple[list[Row], list[Row]]:
    """The should-hits and traps ``rule`` serves that today's lookup does not (the alone floor 0.30 kept)."""
    added = [r for r in found if r.pair not in today and r.alone >= context_match.AFTER_ANSWER_FLOOR and rule(r)]
    return [r for r in added if r.should_hit], [r for r in added if not r.should_hit]


def _rule(reading: str, floor: float, after: float) -> Callable[[Row], bool]:
    return lambda r: getattr(r, reading) >= floor and r.after >= after


def report(found: Sequence[Row], today: set[str]) -> None:
    hits = [r for r in found if r.should_hit]
    print(
        f"pairs: {len(hits)} should-hits ({sum(r.pair in today for r in hits)} served today), "
        f"{len(found) - len(hits)} traps ({sum(r.pair in today for r in found if not r.should_hit)} served today)"
    )
    for after in (0.0, 0.70, 0.75, 0.80):
        print(f"\nbeyond today, reading ≥ floor and after the answer ≥ {after:.2f}: should-hits, traps\n")
        print("| floor | " + " | ".join(READINGS) + " |\n|---|" + "---|" * len(READINGS))
        for floor in (0.95, 0.92, 0.90, 0.88, 0.86, 0.84, 0.82, 0.80, 0.78, 0.75, 0.70):
            cells = []
            for reading in READINGS:
                h, t = more(found, today, _rule(reading, floor, after))
                cells.append(f"+{len(h)}, {len(t)}")
            print(f"| {floor:.2f} | {' | '.join(cells)} |")
    print("\nleave-one-set-out (the lowest floor with no trap more on the other sets, one step lower too):\n")
    print("| reading | should-hits, traps more on the sets left out |\n|---|---|")
    for reading in READINGS[1:]:
        total_h, total_t, traps = 0, 0, []
        for name in sorted({r.set for r in found}):
            rest = [r for r in found if r.set != name]
            floor = next((f for f in sorted(FLOORS) if not more(rest, today, _rule(reading, f - 0.01, 0.0))[1]), 1.0)
            h, t = more([r for r in found if r.set == name], today, _rule(reading, floor, 0.0))
            total_h, total_t, traps = total_h + len(h), total_t + len(t), traps + [r.pair for r in t]
        print(f"| {reading} | +{total_h}, {total_t} {' '.join(traps)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--served", help="a conversation_misses.py --pairs file: what today serves")
    parser.add_argument("--other-turns", action="store_true", help="after turns told otherwise that match")
    parser.add_argument("--json", help="write the rows here")
    parser.add_argument("--rows", help="read the rows from here (no embedding)")
    args = parser.parse_args()
    if args.rows:
        found = [Row(**row) for row in json.loads(Path(args.rows).read_text(encoding="utf-8"))]
    else:
        vectors = Vectors(Path(f"/tmp/reworded_readings_{args.sets}.pkl"))
        found = asyncio.run(rows(chosen_sets(args.sets), vectors, GuardSet.default(), args.other_turns))
        vectors.save()
    if args.json:
        Path(args.json).write_text(json.dumps([asdict(r) for r in found]), encoding="utf-8")
    report(found, served_today(args.served) if args.served else set())


if __name__ == "__main__":
    main()
