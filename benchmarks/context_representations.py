"""Which representation of a conversation's earlier turns separates reworded histories from swapped ones (issue 14).

For every pair of the seven conversation DEV splits whose two sides both carry a context (as the service reads
them), each candidate's similarity of the ``a`` and ``b`` sides, with the default embedder (no Redis, no LLM):

- ``a context``: today's :attr:`Context.text` (every earlier turn), normalised as the cache embeds it;
- ``b user``: the user's turns only;
- ``c user+last``: the user's turns and the assistant's last turn;
- ``d turns min`` / ``d turns mean``: each user turn embedded apart, each matched to its best counterpart on
  the other side (both ways), the least or the mean of those cosines;
- ``e told as one``: the user's turns then the question (:func:`conversation.told_as_one`, what the twins hold).

Per candidate: quartiles for should-hits and traps, ROC-AUC, the recall at the threshold where 1% and 3% of the
pooled traps pass, the same chosen leave-one-set-out (each set scored with the threshold chosen on the other six),
and "+checks": the same thresholds with today's story checks after them (:func:`conversation.differs` given a
passing similarity, and :func:`conversation.other_referent`). The question's own match is not modelled.
A second table keeps only the pairs whose earlier turns differ (normalised): a trap whose turns are the same word
for word is a question swap, which no representation of the turns can refuse. ``today`` is the rule as it stands
(``differs`` with the context's similarity: 0.80, the retold band from 0.72).
The held-out sets (nearhit-conversations-v7) and every test split are never loaded.

    PYTHONPATH=src:benchmarks python benchmarks/context_representations.py   # ~4 min on 2 shared cores
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from conversation_retold import looked_up
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset

DEV_SETS = (
    "nearhit-conversations-v6",
    "nearhit-conversations-v5",
    "nearhit-conversations-v4",
    "nearhit-conversations-v3",
    "nearhit-conversations-v2",
    "nearhit-conversations",
    "conversations",
)
"""The conversation sets whose dev splits may be read (never the held-out -v7), newest first."""
TRAPS_PASSED = (0.01, 0.03)
"""The shares of pooled traps let through at which recall is read."""
PASSING = 1.0
"""The similarity handed to :func:`conversation.differs` for "+checks": only its story checks then judge."""


@dataclass(frozen=True)
class Scored:
    """One conversation pair: its set, whether it should hit, each candidate's similarity, and whether today's
    rule passes it and whether the story checks alone do."""

    set: str
    should_hit: bool
    similarity: dict[str, float]
    today: bool
    checks: bool
    same_turns: bool


def _user(context: cv.Context) -> list[str]:
    return [content for role, content in context.turns if role == "user"]


def _last_assistant(context: cv.Context) -> list[str]:
    return [content for role, content in context.turns if role == "assistant"][-1:]


TEXTS: dict[str, Callable[[cv.Context, str], str]] = {
    "a context": lambda c, q: c.text,
    "b user": lambda c, q: "\n".join(_user(c)),
    "c user+last": lambda c, q: "\n".join(_user(c) + _last_assistant(c)),
    "e told as one": cv.told_as_one,
}
"""The candidates embedded as one text per side."""
CANDIDATES = ("a context", "b user", "c user+last", "d turns min", "d turns mean", "e told as one")


async def score(name: str, embedder: LocalEmbedder) -> list[Scored]:
    """Every dev pair of ``name`` with a context on both sides, scored."""
    rows: list[Scored] = []
    for pair in dataset.load(name, "dev"):
        (cached, stored_question), (query, question) = looked_up(pair.a), looked_up(pair.b)
        if cached is None or query is None:
            continue
        sides = ((cached, stored_question), (query, question))
        texts = [normalise(TEXTS[k](c, q)) for k in TEXTS for c, q in sides]
        turns_a, turns_b = [normalise(t) for t in _user(cached)], [normalise(t) for t in _user(query)]
        vectors = await embedder.embed(texts + turns_a + turns_b)
        similarity = {k: float(np.dot(vectors[2 * i], vectors[2 * i + 1])) for i, k in enumerate(TEXTS)}
        ua = np.asarray(vectors[len(texts) : len(texts) + len(turns_a)])
        ub = np.asarray(vectors[len(texts) + len(turns_a) :])
        if len(ua) and len(ub):
            cosines = ua @ ub.T
            best = np.concatenate([cosines.max(axis=1), cosines.max(axis=0)])
            similarity["d turns min"], similarity["d turns mean"] = float(best.min()), float(best.mean())
        else:
            similarity["d turns min"] = similarity["d turns mean"] = 0.0
        today = cv.differs(question, query, cached, similarity["a context"]) is None
        checks = cv.differs(question, query, cached, PASSING) is None
        referent = cv.other_referent(question, stored_question) is None
        same = [(r, normalise(t)) for r, t in cached.turns] == [(r, normalise(t)) for r, t in query.turns]
        rows.append(Scored(name, pair.same_answer, similarity, today and referent, checks and referent, same))
    return rows


def auc(hits: Sequence[float], traps: Sequence[float]) -> float:
    """The chance a should-hit scores above a trap (ties count half)."""
    h, t = np.asarray(hits)[:, None], np.asarray(traps)[None, :]
    return float(((h > t).sum() + 0.5 * (h == t).sum()) / (h.size * t.size))


def threshold_for(traps: Sequence[float], share: float) -> float:
    """The least threshold that lets through at most ``share`` of ``traps`` (a similarity >= it passes)."""
    ordered = sorted(traps, reverse=True)
    allowed = int(np.floor(share * len(ordered)))
    return ordered[allowed] + 1e-9 if allowed < len(ordered) else -1.0


def passed(rows: Sequence[Scored], key: str, threshold: float, checks: bool) -> tuple[int, int]:
    """(should-hits, traps) let through at ``threshold``, with or without the story checks after it."""
    through = [r for r in rows if r.similarity[key] >= threshold and (r.checks or not checks)]
    return sum(r.should_hit for r in through), sum(not r.should_hit for r in through)


def leave_one_set_out(rows: Sequence[Scored], key: str, share: float, checks: bool) -> tuple[int, int]:
    """(should-hits, traps) passed pooled over the sets, each at the threshold chosen without it (on the other
    sets' traps, with the checks applied when ``checks``, so the threshold is chosen on what the rule serves)."""
    hits = traps = 0
    for name in DEV_SETS:
        rest = [r for r in rows if r.set != name and not r.should_hit and (r.checks or not checks)]
        others = len([r for r in rows if r.set != name and not r.should_hit])
        threshold = threshold_for([r.similarity[key] for r in rest], share * others / max(len(rest), 1))
        h, t = passed([r for r in rows if r.set == name], key, threshold, checks)
        hits, traps = hits + h, traps + t
    return hits, traps


def _quartiles(values: Sequence[float]) -> str:
    return "/".join(f"{q:.2f}" for q in np.percentile(values, [25, 50, 75]))


def table(rows: Sequence[Scored]) -> list[str]:
    hits_n = sum(r.should_hit for r in rows)
    traps_n = len(rows) - hits_n
    out = [
        f"{len(rows)} pairs: {hits_n} should-hits, {traps_n} traps; recall as should-hits passed / traps passed",
        "",
        "| representation | should-hit q1/med/q3 | trap q1/med/q3 | AUC | @1% traps | @3% traps | LOSO @1% | LOSO @3% "
        "| +checks @1% | +checks @3% | +checks LOSO @1% | +checks LOSO @3% |",
        "|---|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key in CANDIDATES:
        hits = [r.similarity[key] for r in rows if r.should_hit]
        traps = [r.similarity[key] for r in rows if not r.should_hit]
        cells = [key, _quartiles(hits), _quartiles(traps), f"{auc(hits, traps):.3f}"]
        for checks in (False, True):
            pool = [r for r in rows if not r.should_hit and (r.checks or not checks)]
            for share in TRAPS_PASSED:
                threshold = threshold_for([r.similarity[key] for r in pool], share * traps_n / max(len(pool), 1))
                h, t = passed(rows, key, threshold, checks)
                cells.append(f"{h}/{t} (≥{threshold:.2f})")
            for share in TRAPS_PASSED:
                h, t = leave_one_set_out(rows, key, share, checks)
                cells.append(f"{h}/{t}")
        out.append("| " + " | ".join(cells) + " |")
    today = [r for r in rows if r.today]
    checks_only = [r for r in rows if r.checks]
    out += [
        "",
        f"today's rule (context 0.80, retold band 0.72, story checks): {sum(r.should_hit for r in today)}/"
        f"{sum(not r.should_hit for r in today)}; story checks alone (any similarity): "
        f"{sum(r.should_hit for r in checks_only)}/{sum(not r.should_hit for r in checks_only)}",
    ]
    return out


async def main() -> None:
    embedder = LocalEmbedder()
    rows = [row for name in DEV_SETS for row in await score(name, embedder)]
    print("All pairs with a context on both sides:", *table(rows), sep="\n")
    print("\nOnly the pairs whose earlier turns differ (normalised), the reworded or swapped histories:")
    print(*table([r for r in rows if not r.same_turns]), sep="\n")


if __name__ == "__main__":
    asyncio.run(main())
