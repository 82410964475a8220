"""Second readings of a told-as-one judgement under the floor, replayed offline from ``told_as_one_probe.py`` records.

A single question with no turns against a conversation misses mostly under ``ONE_QUESTION_THRESHOLD`` (0.88) with
every check after the floor passing. Each such record (the checks pass, the told-as-one similarity under the floor,
at or over the lookup's threshold) is read again, one embedding more, two ways, each against the single question:

- ``referent``: the conversation's last question with what it points at filled in from its turns by the single
  question's words (:func:`referent.resolved`);
- ``last``: the told-as-one text built from the user's last turn and the question only.

The dump keeps the last question's own similarity (``question``) and the share of the turns' words the single question
says (``said``) beside them. Replayed on the dev pairs' records and on the trap tellings (``--joined a|b --written``,
labelled ``a`` / ``b``: the conversation is then the side not told): which pairs each reading would serve more, per
category (``--count``). Records are read from probe files; only dev splits are loaded, for the turns.

    python benchmarks/told_second_reading.py --records fit=told_fit.jsonl --dump fit_dump.jsonl
    python benchmarks/told_second_reading.py --records a=written_a.jsonl --dump a_dump.jsonl
    python benchmarks/told_second_reading.py --count fit_dump.jsonl a_dump.jsonl b_dump.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from nearhit import evaluation
from nearhit.cache import conversation, referent
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair, Side

FLOOR = 0.88


def _pairs(ids: set[str]) -> dict[str, Pair]:
    found: dict[str, Pair] = {}
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            if pair.id in ids:
                found[pair.id] = pair
    return found


def _context(side: Side) -> conversation.Context:
    return conversation.Context(tuple((role, text) for role, text in side.history))


def texts(pair: Pair, single: str, telling: str | None) -> dict[str, str] | None:
    """The conversation's readings for this record: the conversation is the side with turns (with a telling,
    the side not told as one)."""
    if telling == "a":
        conv = pair.b
    elif telling == "b":
        conv = pair.a
    else:
        conv = pair.a if pair.a.history else pair.b
    if not conv.history:
        return None
    context = _context(conv)
    out: dict[str, str] = {}
    filled = referent.resolved(context, conv.prompt, single)
    if filled:
        out["referent"] = filled
    users = [text for role, text in conv.history if role == "user"]
    if users:
        out["last"] = "\n".join([users[-1], conv.prompt])
    out["question"] = conv.prompt
    out["story"] = conversation.told_as_one(context, conv.prompt)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--records", nargs="+", help="probe outputs: label=path (label a or b for tellings)")
    parser.add_argument("--dump", help="write each pair with its under-floor records' readings (JSONL)")
    parser.add_argument("--count", nargs="+", help="dumps: what each reading at each floor would serve more")
    args = parser.parse_args()
    if args.count:
        for path in args.count:
            count(path)
        return
    rows: list[tuple[str, dict[str, Any]]] = []
    for spec in args.records or []:
        label, path = spec.split("=", 1)
        rows += [(label, json.loads(line)) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    pairs = _pairs({row["id"] for _, row in rows})
    embedder = LocalEmbedder()
    out = []
    for label, row in rows:
        telling = label if label in ("a", "b") else None
        served_now = row["own"] or any(c["checks"] and c["similarity"] >= _floor(c) for c in row["calls"])
        under = [c for c in row["calls"] if c["checks"] and c["similarity"] < _floor(c)]
        pair = pairs.get(row["id"])
        if served_now or not under or pair is None:
            out.append(
                {
                    "label": label,
                    "id": row["id"],
                    "category": row["category"],
                    "same": row["same"],
                    "served": served_now,
                    "under": [],
                }
            )
            continue
        judged = []
        for call in under:
            read = texts(pair, call["single"], telling)
            if read is None:
                continue
            keys = [key for key in ("referent", "last", "question") if key in read]
            vectors = embedder.encode([call["single"], *(read[key] for key in keys)])
            sims = {key: float(np.dot(vectors[0], vectors[n + 1])) for n, key in enumerate(keys)}
            record: dict[str, Any] = {
                "similarity": call["similarity"],
                "threshold": call["threshold"],
                "sims": sims,
                "said": _said_share(read["story"], read["question"], call["single"]),
                "single": call["single"],
                "told": call["told"],
                **{k: read[k] for k in keys},
            }
            judged.append(record)
        out.append(
            {
                "label": label,
                "id": row["id"],
                "category": row["category"],
                "same": row["same"],
                "served": False,
                "under": judged,
            }
        )
    if args.dump:
        Path(args.dump).write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in out), encoding="utf-8")
    print(Counter((r["label"], r["same"], r["served"], bool(r["under"])) for r in out))


READINGS = {f"{name}>={floor:.2f}": (name, floor) for name in ("referent", "last") for floor in (0.85, 0.88, 0.90)}


def count(path: str) -> None:
    """Print what each reading (its similarity at a floor) serves more in a dump, should-hits and traps, by category."""
    rows = [json.loads(line) for line in Path(path).read_text(encoding="utf-8").splitlines()]
    served = Counter(row["same"] for row in rows if row["served"])
    print(f"{path}: served {served[True]} should-hits, {served[False]} traps of {Counter(r['same'] for r in rows)}")
    for label, (name, floor) in READINGS.items():
        gained = [r for r in rows if any(u["sims"].get(name, 0.0) >= floor for u in r["under"])]
        hits = Counter(r["category"] for r in gained if r["same"])
        traps = Counter(r["category"] for r in gained if not r["same"])
        print(f"  {label}: +{sum(hits.values())} should-hits {dict(hits)}, +{sum(traps.values())} traps {dict(traps)}")


def _floor(call: dict[str, Any]) -> float:
    """The floor the cache judged the call at: its threshold when the single question is the story asked in pieces."""
    threshold = float(call["threshold"])
    floor = max(FLOOR, threshold)
    return min(floor, threshold) if call["tells_no_more"] or call["asks_no_more"] else floor


def _said_share(story: str, question: str, single: str) -> float:
    """The share of the user turns' content words (not the question's) the single question says."""
    told = conversation.told_words(story) - conversation.told_words(question)
    said = conversation.told_words(single)
    if not told:
        return 1.0
    return sum(any(conversation.same_stem(w, s) for s in said) for w in told) / len(told)


if __name__ == "__main__":
    main()
