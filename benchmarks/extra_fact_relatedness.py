"""How related is the fact one side's turns tell and the other leaves out to the question? (issue 14, sc30)

irrelevant_detail and standalone_vs_contextual should-hits miss on a fact one side tells and the other does not
("my nephew gave me his old laptop" / nothing; a standalone question / the same question after turns giving its
context), as constraint_added and detail_swap traps differ by one. This probe reads three structural signals, no
topic word lists, on each dev pair of a ``conversation_misses.py --reasons`` run, next to the run's outcome and the
reason that refused its nearest candidate:

- ``cos``: the extra text (the user words one side says and the other does not: difflib's non-equal runs of the
  two sides' user turns) embedded with the cache's MiniLM, its cosine to the last question (and to the stored
  answer when the pair has one: ``cos_answer``);
- ``state``: whether the extra text is a first person's state or condition (a subject "i"/"we"/"my X" with a
  copula, a having, a can't or a need), against a narrative or an opinion;
- ``covered``: for a single question against a conversation, the share of the user turns' content stems that the
  single question says (the standalone question naming what the turns establish); ``--tellings`` reads it on each
  trap with turns on both sides whose ``a`` is written as one message (its user turns and question joined), the
  shape a trap takes on this path.

``--separation`` prints, per signal, the AUC of constraint_added traps over irrelevant_detail should-hits (0.5: no
separation) and, among the pairs the run refused for a told fact ("say something", "other facts"), how many of each
category a loosening "serve when the told fact's cosine to the question is under T" would reach.

    python benchmarks/extra_fact_relatedness.py --reasons base.jsonl --out rows.jsonl    # one row a pair
    python benchmarks/extra_fact_relatedness.py --table rows.jsonl                        # by band and outcome
    python benchmarks/extra_fact_relatedness.py --separation rows.jsonl
    python benchmarks/extra_fact_relatedness.py --tellings rows.jsonl                     # covered, traps told as one
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from typing import Any

import numpy as np

from nearhit import evaluation
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair, Side
from nearhit.guards.content import content_stems

_WORDS = re.compile(r"[a-z0-9£$€%']+")
_STATE = re.compile(
    r"\b(?:i|we|he|she|my \w+|our \w+)\s*(?:'m|'re|'s|'ve|am|are|is|was|were|have|has|had|can't|cannot|can not|"
    r"need|needs|must|don't|doesn't|only)\b"
)
"""A first person's (or a person's of the asker's) state, having or condition: "I'm 10 weeks pregnant", "we have a
dog", "my daughter is blind", "I can't eat gluten"; a narrative ("my colleague recommended it", "I read an
article") or an opinion has a past action verb there instead."""
BANDS = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5)


def _user_words(side: Side) -> list[str]:
    said = " ".join(text for role, text in side.history if role == "user")
    return _WORDS.findall(said.casefold().replace("\u2019", "'"))


def extra_text(pair: Pair) -> tuple[str, str] | None:
    """The words one side's user turns say that the other's do not (``a``'s runs, ``b``'s runs), or None when a
    side has no user turn."""
    a, b = _user_words(pair.a), _user_words(pair.b)
    if not a or not b:
        return None
    ops = difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes()
    mine = " ".join(" ".join(a[i1:i2]) for tag, i1, i2, _, _ in ops if tag != "equal" and i2 > i1)
    theirs = " ".join(" ".join(b[j1:j2]) for tag, _, _, j1, j2 in ops if tag != "equal" and j2 > j1)
    return mine, theirs


def covered(pair: Pair) -> float | None:
    """For a single question against a conversation: the share of the user turns' content stems the single
    question says; None for any other shape."""
    sides = (pair.a, pair.b)
    single = [side for side in sides if not side.history]
    talk = [side for side in sides if side.history]
    if len(single) != 1 or len(talk) != 1:
        return None
    told = set(content_stems(_user_words(talk[0])))
    if not told:
        return None
    asked = set(content_stems(_WORDS.findall(single[0].prompt.casefold())))
    return len(told & asked) / len(told)


def _story(pair: Pair) -> str:
    """The user turns of the side that tells less: the story the extra text is added to."""
    told = [" ".join(text for role, text in side.history if role == "user") for side in (pair.a, pair.b)]
    return min(told, key=len)


def _dev_pairs(wanted: Collection[str] | None = None) -> list[Pair]:
    """The dev pairs (of these ids), never reading -v68..-v71 (held out from every helper this session)."""
    return [
        pair
        for name in CONVERSATION_SETS
        if not re.search(r"-v(6[89]|7\d)$", name)
        for pair in evaluation.load(name, "dev")
        if wanted is None or pair.id in wanted
    ]


def rows(reasons: str) -> list[dict[str, object]]:
    """One row a pair of the ``--reasons`` file: its outcome, the nearest candidate's reason and the signals."""
    with open(reasons, encoding="utf-8") as lines:
        runs = {row["id"]: row for row in map(json.loads, lines)}
    pairs = _dev_pairs(runs)
    extras = [extra_text(pair) for pair in pairs]
    texts = [" ".join(x) if x else "" for x in extras]
    embedder = LocalEmbedder()
    vectors = embedder.encode([t or "-" for t in texts])
    questions = embedder.encode([pair.b.prompt for pair in pairs])
    stories = embedder.encode([_story(pair) or "-" for pair in pairs])
    answers = embedder.encode([pair.a_answer or "-" for pair in pairs])
    out = []
    for n, pair in enumerate(pairs):
        run = runs[pair.id]
        best = max(run["candidates"], key=lambda c: c[0], default=None)
        extra = texts[n]
        out.append(
            {
                "id": pair.id,
                "category": pair.category,
                "same": pair.same_answer,
                "served": run["served"],
                "reason": (best[3] or best[1]) if best else "no candidate",
                "extra": extra,
                "cos": float(np.dot(vectors[n], questions[n])) if extra else None,
                "cos_answer": float(np.dot(vectors[n], answers[n])) if extra and pair.a_answer else None,
                "cos_story": float(np.dot(vectors[n], stories[n])) if extra else None,
                "state": bool(_STATE.search(extra)) if extra else None,
                "covered": covered(pair),
            }
        )
    return out


def _band(value: float, bands: Sequence[float]) -> str:
    return f"{max(b for b in bands if value >= b):g}+" if value >= bands[0] else f"<{bands[0]:g}"


def table(path: str) -> None:
    """Per category, outcome and band of ``cos`` (and ``state``), then of ``covered``."""
    with open(path, encoding="utf-8") as lines:
        data = [json.loads(line) for line in lines]
    counts: Counter[tuple[str, str, str]] = Counter()
    for row in data:
        outcome = "served" if row["served"] else "refused"
        if row["cos"] is not None:
            counts[row["category"], outcome, "cos " + _band(row["cos"], BANDS)] += 1
            counts[row["category"], outcome, f"state {row['state']}"] += 1
        if row["covered"] is not None:
            counts[row["category"], outcome, "covered " + _band(row["covered"], (0.0, 0.25, 0.5, 0.75, 1.0))] += 1
    columns = sorted({c for _, _, c in counts})
    print("| category | outcome | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for category, outcome in sorted({(c, o) for c, o, _ in counts}):
        print(f"| {category} | {outcome} | " + " | ".join(str(counts[category, outcome, c]) for c in columns) + " |")


def _auc(high: Sequence[float], low: Sequence[float]) -> float:
    """The chance that a value of ``high`` is over one of ``low`` (ties half)."""
    if not high or not low:
        return float("nan")
    wins = sum((h > x) + 0.5 * (h == x) for h in high for x in low)
    return wins / (len(high) * len(low))


_TOLD_FACT = ("the user's turns say something", "the earlier turns state other facts")
"""The refusals of a told fact: the two story checks a loosening by relatedness would reach."""


def separation(path: str) -> None:
    """Per signal, AUC of constraint_added over irrelevant_detail (all pairs, then the refused only); then the
    refused pairs a loosening under each cosine would reach, per category."""
    with open(path, encoding="utf-8") as lines:
        data = [row for row in map(json.loads, lines) if row["cos"] is not None]
    signals: dict[str, Callable[[dict[str, Any]], float]] = {
        "cos to the question": lambda row: row["cos"],
        "cos to the story": lambda row: row["cos_story"],
        "cos to the question - to the story": lambda row: row["cos"] - row["cos_story"],
        "a person's state (0/1)": lambda row: float(row["state"]),
    }
    print("| signal | AUC, all pairs | AUC, refused pairs |\n|---|---|---|")
    for name, read in signals.items():
        cells = []
        for refused_only in (False, True):
            kept = [row for row in data if not (refused_only and row["served"])]
            traps = [read(row) for row in kept if row["category"] == "constraint_added"]
            hits = [read(row) for row in kept if row["category"] == "irrelevant_detail"]
            cells.append(f"{_auc(traps, hits):.3f} ({len(traps)} / {len(hits)})")
        print(f"| {name} | {' | '.join(cells)} |")
    told = [row for row in data if not row["served"] and str(row["reason"]).startswith(_TOLD_FACT)]
    categories = sorted({row["category"] for row in told})
    print("\n| refused for a told fact, cosine under | " + " | ".join(categories) + " | of which no person's state |")
    print("|---|" + "---|" * (len(categories) + 1))
    for floor in (-0.05, 0.0, 0.05, 0.1, 0.2):
        under = [row for row in told if row["cos"] < floor]
        cells = [str(sum(row["category"] == c for row in under)) for c in categories]
        stateless = Counter(row["category"] for row in under if not row["state"])
        print(f"| {floor} | {' | '.join(cells)} | {dict(sorted(stateless.items()))} |")


def tellings(path: str) -> None:
    """``covered`` on the standalone_vs_contextual should-hits of a rows file and on each trap of the same sets (an
    id's prefix names its set) with turns on both sides, its ``a`` written as one message, by band."""
    with open(path, encoding="utf-8") as lines:
        data = [json.loads(line) for line in lines]
    sets = {row["id"].split("-")[0] for row in data}
    counts: Counter[tuple[str, str]] = Counter()
    bands = (0.0, 0.25, 0.5, 0.75, 1.0)
    for row in data:
        if row["category"] == "standalone_vs_contextual" and row["covered"] is not None:
            counts["standalone_vs_contextual should-hits", _band(row["covered"], bands)] += 1
    traps = {"constraint_added", "detail_swap", "correction", "referent_swap", "context_swap"}
    for pair in _dev_pairs():
        if pair.category in traps and pair.id.split("-")[0] in sets and pair.a.history and pair.b.history:
            said = " ".join(text for role, text in pair.a.history if role == "user")
            share = covered(Pair(pair.id, pair.category, Side(f"{said} {pair.a.prompt}"), pair.b, False))
            if share is not None:
                counts["traps, a written as one message", _band(share, bands)] += 1
    columns = [_band(b, bands) for b in bands]
    print("| covered | " + " | ".join(columns) + " |\n|---|" + "---|" * len(columns))
    for kind in sorted({k for k, _ in counts}):
        print(f"| {kind} | " + " | ".join(str(counts[kind, c]) for c in columns) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reasons", help="a conversation_misses.py --reasons file")
    parser.add_argument("--out", help="write one JSON row a pair here")
    parser.add_argument("--table", metavar="ROWS", help="print a rows file's counts by band")
    parser.add_argument("--separation", metavar="ROWS", help="print each signal's separation of the categories")
    parser.add_argument("--tellings", metavar="ROWS", help="print covered on should-hits and traps told as one")
    args = parser.parse_args()
    for read, path in ((table, args.table), (separation, args.separation), (tellings, args.tellings)):
        if path:
            read(path)
            return
    found = rows(args.reasons)
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("".join(json.dumps(row) + "\n" for row in found))


if __name__ == "__main__":
    main()
