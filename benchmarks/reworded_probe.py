"""Which second reading of two conversations' earlier turns lets reworded histories through without traps (issue 14).

Offline, the conversation dev splits only (``CONVERSATION_SETS``; never a test split), over the pairs the rules as
they stand refuse as "about something else" (the whole turns' cosine under ``CONTEXT_THRESHOLD``) with the question
at least ``QUESTION_FLOOR`` alike (read from ``conversation_misses.py --reasons``): only those can a second reading
of the turns move. For each, with the default embedder (no Redis): the story checks alone (:func:`differs` handed a
passing similarity, then :func:`other_referent`) and each candidate reading:

- ``user``: the user's turns only, one text a side (the assistants' replies are written freely);
- ``aligned``: each user turn matched to its best user turn on the other side, both ways, the least cosine;
- ``last user``: the last user turn of each side;
- ``user mean``: the mean of the user turns' own embeddings (what the stored turn vectors would give).

A reading adds a refused pair when it is at least a floor and the story checks pass. Each set is scored at the
floor chosen without it: ``MARGIN`` above the highest trap the reading would add on the other sets. Pairs it adds
are to be confirmed end to end (``conversation_misses.py``).

    NEARHIT_DATA_DIR=<yours> python benchmarks/conversation_misses.py --pairs base.txt --reasons base.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/reworded_probe.py base.jsonl      # ~2 min
"""

from __future__ import annotations

import argparse
import asyncio
import json
from dataclasses import dataclass

import numpy as np

from conversation_retold import looked_up
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS

MARGIN = 0.02
"""How far above the highest trap of the other sets a fold's floor sits."""
QUESTION_FLOOR = 0.58
"""The least question similarity of a refused candidate kept (a matched conversation is served from ~0.60)."""
CANDIDATES = ("user", "aligned", "last user", "user mean")


@dataclass(frozen=True)
class Row:
    set: str
    id: str
    category: str
    should_hit: bool
    question: float
    reading: dict[str, float]
    checks: bool


def _user(context: cv.Context) -> list[str]:
    return [normalise(content) for role, content in context.turns if role == "user"]


async def score(name: str, embedder: LocalEmbedder, refused: dict[str, float]) -> list[Row]:
    """The set's dev pairs whose candidate was refused as about something else (``refused``: the question's
    similarity of the nearest such candidate, read from ``conversation_misses.py --reasons``)."""
    rows = []
    for pair in dataset.load(name, "dev"):
        if pair.id not in refused:
            continue
        (cached, stored_q), (query, asked) = looked_up(pair.a), looked_up(pair.b)
        if cached is None or query is None:
            continue
        ua, ub = _user(cached), _user(query)
        v = np.asarray(await embedder.embed(["\n".join(ua), "\n".join(ub), *ua, *ub]))
        ta, tb = v[2 : 2 + len(ua)], v[2 + len(ua) :]
        reading = {"user": float(v[0] @ v[1]), "aligned": 0.0, "last user": 0.0, "user mean": 0.0}
        if len(ta) and len(tb):
            cos = ta @ tb.T
            reading["aligned"] = float(min(cos.max(axis=1).min(), cos.max(axis=0).min()))
            reading["last user"] = float(ta[-1] @ tb[-1])
            ma, mb = ta.sum(axis=0), tb.sum(axis=0)
            reading["user mean"] = float(ma @ mb / np.linalg.norm(ma) / np.linalg.norm(mb))
        checks = cv.other_referent(asked, stored_q) is None and cv.differs(asked, query, cached, 1.0, stored_q) is None
        rows.append(Row(name, pair.id, pair.category, pair.same_answer, refused[pair.id], reading, checks))
    return rows


def added(rows: list[Row], key: str, floor: float) -> list[Row]:
    return [r for r in rows if r.checks and r.reading[key] >= floor]


def refused_of(path: str) -> dict[str, float]:
    """Per missed pair of a ``--reasons`` file, the question's similarity of its nearest candidate refused as about
    something else (at least ``QUESTION_FLOOR``)."""
    found = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            near = [c[0] for c in row["candidates"] if c[2] == "context" and cv.ABOUT_ELSE in (c[3] or "")]
            if not row["served"] and near and max(near) >= QUESTION_FLOOR:
                found[row["id"]] = max(near)
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reasons", help="conversation_misses.py --reasons of the rules as they stand")
    refused = refused_of(parser.parse_args().reasons)
    embedder = LocalEmbedder()
    rows = [row for name in CONVERSATION_SETS for row in asyncio.run(score(name, embedder, refused))]
    print(f"{len(rows)} pairs refused as about something else, a context on both sides")
    for key in CANDIDATES:
        movable = added(rows, key, -1.0)
        hits = sorted((r.reading[key] for r in movable if r.should_hit), reverse=True)
        traps = sorted((r.reading[key] for r in movable if not r.should_hit), reverse=True)
        print(f"\n## {key}: refused today, checks pass: {len(hits)} should-hits, {len(traps)} traps")
        print("top traps:", ", ".join(f"{t:.3f}" for t in traps[:6]))
        print("top should-hits:", ", ".join(f"{h:.3f}" for h in hits[:12]))
        total = [0, 0]
        for name in CONVERSATION_SETS:
            others = [r.reading[key] for r in movable if r.set != name and not r.should_hit]
            floor = max(others, default=0.0) + MARGIN
            got = added([r for r in rows if r.set == name], key, floor)
            h, t = sum(r.should_hit for r in got), sum(not r.should_hit for r in got)
            total[0] += h
            total[1] += t
            if h or t:
                print(f"  {name}: floor {floor:.3f} +{h} should-hits +{t} traps", [r.id for r in got])
        print(f"LOSO pooled: +{total[0]} should-hits, +{total[1]} traps")


if __name__ == "__main__":
    main()
