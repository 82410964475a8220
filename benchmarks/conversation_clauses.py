"""Readings of two conversations' earlier turns, clause to clause, for the pairs the whole turns' cosine refuses.

Offline, the conversation dev splits only (``CONVERSATION_SETS``; never a test split), over the pairs the rules as
they stand refuse as "about something else" with the question at least ``QUESTION_FLOOR`` alike (read from
``conversation_misses.py --reasons``, as ``reworded_probe.py`` reads them) and whose story checks pass at a passing
similarity (:func:`differs` at 1.0, :func:`other_referent`): only these can a reading of the turns move. Readings:

- ``whole``: the whole turns' cosine (what refused them);
- ``user``: the user's turns, one text a side (the second chance at 0.85 today);
- ``clause min``: each side's user turns cut into clauses (sentences, ";", a line, ", and"/", but"/", so" before a
  new subject), a greeting or topic announced left out; every clause's best counterpart on the other side, both
  ways, the least of them;
- ``clause f1``: the mean of each direction's best counterparts, their harmonic mean (BERTScore at clause grain);
- ``weighted w``: the turns' own vectors summed with the assistant's weighted ``w`` (what the stored turn vectors
  give with the query's turns embedded one by one);
- ``user & clause``: the least of ``user`` and ``clause min``.

Each set is scored at the floor chosen without it: ``MARGIN`` above the highest trap the reading lets through on the
other sets (pairs to be confirmed end to end: ``conversation_misses.py --again``).

``--retold``: the reading built (:func:`conversation.retold` for a story told in another number of turns), over the
same refused pairs, by the whole turns' cosine the lookup computed (read from the reasons): how many pass
:func:`differs` with that cosine at each floor of the retold band (``RETOLD_FLOOR`` 0.72 today), a floor chosen per
fold (``MARGIN`` above the other sets' highest trap, the grid's lowest when they have none), and what
:func:`differs` costs on every dev pair with a context on each side and another number of turns.

    PYTHONPATH=src:benchmarks python benchmarks/conversation_clauses.py base.jsonl          # ~3 min
    PYTHONPATH=src:benchmarks python benchmarks/conversation_clauses.py base.jsonl --show "clause min"
    PYTHONPATH=src:benchmarks python benchmarks/conversation_clauses.py base.jsonl --retold  # ~1 min
    PYTHONPATH=src:benchmarks python benchmarks/conversation_clauses.py base.jsonl --cost off  # then --cost on
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import time
from dataclasses import dataclass

import numpy as np

from conversation_retold import looked_up
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS
from reworded_probe import MARGIN, QUESTION_FLOOR, refused_of

_CUT = re.compile(
    r"(?<=[.!?;])\s+|\s*\n\s*|,\s*(?:and|but|so|plus)\s+(?=(?:i|i'm|i've|we|my|our|it|it's|he|she|they)\b)",
    re.IGNORECASE,
)
WEIGHTS = (0.0, 0.25, 0.5)


def clauses(context: cv.Context) -> list[str]:
    """The user's turns cut into clauses, greetings and topics announced left out (one clause at least)."""
    cut = [c.strip() for _, text in context.turns if _ == "user" for c in _CUT.split(text) if c and c.strip()]
    kept = [c for c in cut if len(c.split()) >= 2 and not cv._empty_turn(c)]
    return [normalise(c) for c in (kept or cut)]


@dataclass(frozen=True)
class Row:
    set: str
    id: str
    category: str
    should_hit: bool
    question: float
    reading: dict[str, float]
    a: list[str]
    b: list[str]


def _unit(v: np.ndarray) -> np.ndarray:
    return v / np.linalg.norm(v)


async def score(name: str, embedder: LocalEmbedder, refused: dict[str, float]) -> list[Row]:
    rows = []
    for pair in dataset.load(name, "dev"):
        if pair.id not in refused:
            continue
        (cached, stored_q), (query, asked) = looked_up(pair.a), looked_up(pair.b)
        if cached is None or query is None:
            continue
        if cv.other_referent(asked, stored_q) is not None or cv.differs(asked, query, cached, 1.0, stored_q):
            continue
        ca, cb = clauses(cached), clauses(query)
        wa = [normalise(t) for _, t in cached.turns]
        wb = [normalise(t) for _, t in query.turns]
        texts = [normalise(cached.text), normalise(query.text), normalise(cv.users_said(cached))]
        texts += [normalise(cv.users_said(query)), *ca, *cb, *wa, *wb]
        v = np.asarray(await embedder.embed(texts))
        at = 4
        va, vb = v[at : at + len(ca)], v[at + len(ca) : at + len(ca) + len(cb)]
        at += len(ca) + len(cb)
        ta, tb = v[at : at + len(wa)], v[at + len(wa) :]
        cos = va @ vb.T
        best_a, best_b = cos.max(axis=1), cos.max(axis=0)
        p, r = float(best_a.mean()), float(best_b.mean())
        reading = {
            "whole": float(v[0] @ v[1]),
            "user": float(v[2] @ v[3]),
            "clause min": float(min(best_a.min(), best_b.min())),
            "clause f1": 2 * p * r / (p + r),
        }
        for w in WEIGHTS:
            weights_a = np.array([1.0 if role == "user" else w for role, _ in cached.turns])
            weights_b = np.array([1.0 if role == "user" else w for role, _ in query.turns])
            reading[f"weighted {w}"] = float(_unit(weights_a @ ta) @ _unit(weights_b @ tb))
        reading["user & clause"] = min(reading["user"], reading["clause min"])
        reading["user & f1"] = min(reading["user"], reading["clause f1"])
        rows.append(Row(name, pair.id, pair.category, pair.same_answer, refused[pair.id], reading, ca, cb))
    return rows


FLOORS = (0.60, 0.64, 0.68, 0.70, 0.72, 0.74, 0.76, 0.78)
_COSINE = re.compile(r"similarity (\d\.\d+) <")


def _cosines(path: str) -> dict[str, float]:
    """Per missed pair of a ``--reasons`` file, the whole turns' cosine of its candidate refused as about something
    else with the question at least ``QUESTION_FLOOR`` alike (the nearest such)."""
    found: dict[str, float] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            for similarity, _, guard, reason, _ in sorted(row["candidates"], key=lambda c: -c[0]):
                cosine = _COSINE.search(reason or "") if guard == "context" else None
                if not row["served"] and cosine and cv.ABOUT_ELSE in reason and similarity >= QUESTION_FLOOR:
                    found[row["id"]] = float(cosine.group(1))
                    break
    return found


def retold_band(reasons: str) -> None:
    """The ``--retold`` tables (see the module's docstring)."""
    cosines = _cosines(reasons)
    passed: list[tuple[str, str, bool, float]] = []  # set, id, should-hit, the lookup's cosine
    costs: list[float] = []
    for name in CONVERSATION_SETS:
        for pair in dataset.load(name, "dev"):
            (cached, stored_q), (query, asked) = looked_up(pair.a), looked_up(pair.b)
            if cached is None or query is None or cv._same_shape(query, cached):
                continue
            start = time.perf_counter()
            cv.retold(query, cached)
            costs.append(time.perf_counter() - start)
            cosine = cosines.get(pair.id)
            if cosine is None or cv.other_referent(asked, stored_q) is not None:
                continue
            if cv.differs(asked, query, cached, 1.0, stored_q) is None and cv.retold(query, cached):
                passed.append((name, pair.id, pair.same_answer, cosine))
    print(
        f"refused as about something else, story checks pass, told in another number of turns, retold: "
        f"{sum(p[2] for p in passed)} should-hits, {sum(not p[2] for p in passed)} traps"
    )
    print("| floor | " + " | ".join(f"{f:.2f}" for f in FLOORS) + " |")
    print("|---|" + "---|" * len(FLOORS))
    cells = [
        f"+{sum(p[2] for p in passed if f <= p[3] < cv.CONTEXT_THRESHOLD)} / "
        f"+{sum(not p[2] for p in passed if f <= p[3] < cv.CONTEXT_THRESHOLD)}"
        for f in FLOORS
    ]
    print("| should-hits / traps | " + " | ".join(cells) + " |")
    total = [0, 0]
    for name in CONVERSATION_SETS:
        traps = [p[3] for p in passed if p[0] != name and not p[2]]
        floor = max(min(FLOORS), max(traps, default=0.0) + MARGIN)
        got = [p for p in passed if p[0] == name and floor <= p[3] < cv.CONTEXT_THRESHOLD]
        total[0] += sum(p[2] for p in got)
        total[1] += sum(not p[2] for p in got)
    print(
        f"leave-one-set-out (floor {MARGIN} above the other sets' highest trap, at least {min(FLOORS)}): "
        f"+{total[0]} should-hits, +{total[1]} traps"
    )
    costs.sort()
    print(
        f"retold() on {len(costs)} dev pairs told in another number of turns: p50 {1000 * costs[len(costs) // 2]:.3f}"
        f" ms, p99 {1000 * costs[int(len(costs) * 0.99)]:.3f} ms, max {1000 * costs[-1]:.3f} ms (this process's caches)"
    )


def differs_cost(without: bool) -> None:
    """What :func:`differs` costs, the cosine in the retold band (0.75), on every dev pair with a context on each side
    told in another number of turns, each pair's texts new to the process (as a lookup's are); ``without``: the reading
    off, for the difference (run each in a process of its own)."""
    if without:
        cv._retold_in_other_turns = lambda query, cached: False  # type: ignore[assignment]
    pairs = []
    for name in CONVERSATION_SETS:
        for pair in dataset.load(name, "dev"):
            (cached, stored_q), (query, asked) = looked_up(pair.a), looked_up(pair.b)
            if cached is not None and query is not None and not cv._same_shape(query, cached):
                pairs.append((asked, query, cached, stored_q))
    cv.differs("warm up?", cv.Context((("user", "hello there"),)), cv.Context((("user", "hi"),)), 0.75)
    costs = []
    for asked, query, cached, stored_q in pairs:
        start = time.perf_counter()
        cv.differs(asked, query, cached, 0.75, stored_q)
        costs.append(time.perf_counter() - start)
    costs.sort()
    print(
        f"differs() at 0.75, reading {'off' if without else 'on'}, {len(costs)} pairs: p50 "
        f"{1000 * costs[len(costs) // 2]:.3f} ms, p90 {1000 * costs[int(len(costs) * 0.9)]:.3f} ms, p99 "
        f"{1000 * costs[int(len(costs) * 0.99)]:.3f} ms, mean {1000 * sum(costs) / len(costs):.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reasons", help="conversation_misses.py --reasons of the rules as they stand")
    parser.add_argument("--show", default="", help="a reading: print every pair by it, highest first")
    parser.add_argument("--retold", action="store_true", help="the reading built: its band, folds and cost")
    parser.add_argument("--cost", choices=("on", "off"), help="differs()'s time with the reading on or off")
    args = parser.parse_args()
    if args.cost:
        differs_cost(args.cost == "off")
        return
    if args.retold:
        retold_band(args.reasons)
        return
    refused = refused_of(args.reasons)
    embedder = LocalEmbedder()
    rows = [row for name in CONVERSATION_SETS for row in asyncio.run(score(name, embedder, refused))]
    hits = sum(r.should_hit for r in rows)
    print(
        f"{len(refused)} pairs refused as about something else; story checks pass: {hits} should-hits, "
        f"{len(rows) - hits} traps"
    )
    for key in rows[0].reading if rows else ():
        shits = sorted((r.reading[key] for r in rows if r.should_hit), reverse=True)
        traps = sorted((r.reading[key] for r in rows if not r.should_hit), reverse=True)
        total, moved = [0, 0], []
        for name in CONVERSATION_SETS:
            floor = max((r.reading[key] for r in rows if r.set != name and not r.should_hit), default=0.0) + MARGIN
            got = [r for r in rows if r.set == name and r.reading[key] >= floor]
            total[0] += sum(r.should_hit for r in got)
            total[1] += sum(not r.should_hit for r in got)
            moved += [f"{r.id}{'' if r.should_hit else ' (TRAP)'}@{floor:.3f}" for r in got]
        print(f"\n## {key}: top traps {', '.join(f'{t:.3f}' for t in traps[:5])}")
        print(f"   top should-hits {', '.join(f'{h:.3f}' for h in shits[:10])}")
        print(f"   LOSO pooled +{total[0]} should-hits, +{total[1]} traps: {moved}")
    if args.show:
        for r in sorted(rows, key=lambda r: -r.reading[args.show]):
            flag = "HIT " if r.should_hit else "TRAP"
            rest = " ".join(f"{k}={v:.3f}" for k, v in r.reading.items())
            print(f"{flag} {r.reading[args.show]:.3f} {r.id} q={r.question:.3f} {rest}\n    a={r.a}\n    b={r.b}")


if __name__ == "__main__":
    main()
