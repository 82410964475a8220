"""Keyword swaps written without symbols ("UNION" / "UNION ALL", "let" / "const", "merge" / "rebase", "PUT" /
"PATCH", "TCP" / "UDP") on the question sets' DEV splits: what the default decides on them (issue 13).

A pair is a swap when one side names one keyword of a group of ``data/keyword_swaps.txt`` (keywords that name
different operations) and the other side another of the same group. For each dev set: the swap traps and how
they end (served, refused by which guard, or under the threshold, with their cosine), the swap should-hits (what a
guard refusing every swap would cost), and in ``--shared`` mode the swaps served another entry's answer. It reads
the rows ``code_lookalikes.py`` writes (one run in pair mode, one ``--shared``) and its kept vectors: a guard can
only refuse more, so with no swap trap served and no swap should-hit there is nothing a keyword guard would fix.
``--probe`` judges instead a few pairs written here (swaps, and rewordings that keep the keyword), as the cache
judges one candidate: not a set to fit on, a look at how the guards read swaps of other keywords.

    PYTHONPATH=src python benchmarks/code_lookalikes.py --out /tmp/pair.jsonl
    PYTHONPATH=src python benchmarks/code_lookalikes.py --shared --out /tmp/shared.jsonl
    PYTHONPATH=src python benchmarks/keyword_swaps.py --rows /tmp/pair.jsonl --shared-rows /tmp/shared.jsonl
    PYTHONPATH=src python benchmarks/keyword_swaps.py --probe
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
from collections import Counter
from pathlib import Path

import numpy as np

from code_lookalikes import QUESTION_SETS, vectors
from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.decision import Decision
from nearhit.embeddings import build_embedder
from nearhit.evaluation.dataset import Pair, load

GROUPS = Path(__file__).parent / "data" / "keyword_swaps.txt"
SWAPS = (
    ("How do I undo a git merge?", "How do I undo a git rebase?"),
    ("What does PUT do in a REST API?", "What does PATCH do in a REST API?"),
    ("How do I open a TCP port on Ubuntu?", "How do I open a UDP port on Ubuntu?"),
    (
        "What is the difference between UNION and JOIN in SQL?",
        "What is the difference between UNION ALL and JOIN in SQL?",
    ),
    ("Does UNION sort the results in Postgres?", "Does UNION ALL sort the results in Postgres?"),
    ("Can I redeclare a let variable in JavaScript?", "Can I redeclare a var variable in JavaScript?"),
    ("Is let hoisted in JavaScript?", "Is const hoisted in JavaScript?"),
    ("How do I write a LEFT JOIN in MySQL?", "How do I write an INNER JOIN in MySQL?"),
    ("How do I use HAVING with COUNT in SQL?", "How do I use WHERE with COUNT in SQL?"),
    ("What port does SSH use?", "What port does SSL use?"),
    ("How do I squash commits before a merge?", "How do I squash commits before a rebase?"),
    ("Is a PATCH request idempotent?", "Is a PUT request idempotent?"),
    ("Is a POST request idempotent?", "Is a GET request idempotent?"),
    ("How do I delete all rows in a table with DELETE?", "How do I delete all rows in a table with TRUNCATE?"),
    ("When should I use a mutex in Go?", "When should I use a semaphore in Go?"),
    ("How do I reverse a list in Python?", "How do I reverse a tuple in Python?"),
    ("Does git fetch change my working tree?", "Does git pull change my working tree?"),
    ("How do I use git reset to undo a commit?", "How do I use git revert to undo a commit?"),
    ("What is the default port for HTTP?", "What is the default port for HTTPS?"),
    ("How do I send SIGTERM to a process?", "How do I send SIGKILL to a process?"),
)
"""Written swaps (``--probe``): each a trap."""
REWORDINGS = (
    ("How do I undo a git merge?", "how can i revert a merge i just did in git"),
    ("What does PATCH do in a REST API?", "In REST, what is a PATCH request for?"),
    ("Is let hoisted in JavaScript?", "Does hoisting apply to let in JS?"),
    ("How do I write a LEFT JOIN in MySQL?", "mysql left join syntax"),
    ("Does UNION ALL sort the results in Postgres?", "In Postgres, are UNION ALL results sorted?"),
    ("How do I open a UDP port on Ubuntu?", "ubuntu: open udp port"),
)
"""Written rewordings that keep the keyword (``--probe``): each a should-hit."""


def groups(path: Path) -> list[list[str]]:
    """The groups of keywords, one a line, alternatives split by "|"."""
    lines = [line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return [[word.strip() for word in line.split("|")] for line in lines]


def named(text: str, group: list[str]) -> set[str]:
    """The keywords of ``group`` that ``text`` names as whole words: capitals in capitals, a longer keyword hiding
    the shorter one inside it."""
    found = {
        word
        for word in group
        if re.search(
            rf"(?<![\w.-]){re.escape(word)}(?![\w-])", text, 0 if word.isupper() and len(word) > 1 else re.IGNORECASE
        )
    }
    return {word for word in found if not any(other != word and word in other for other in found)}


def swap(pair: Pair, every: list[list[str]]) -> tuple[str, str] | None:
    """The first keyword ``a`` names that ``b`` replaces with another of its group."""
    for group in every:
        in_a, in_b = named(pair.a.prompt, group), named(pair.b.prompt, group)
        if len(in_a) == 1 and len(in_b) == 1 and in_a != in_b:
            return next(iter(in_a)), next(iter(in_b))
    return None


def probe() -> None:
    """The written pairs judged as the cache judges one candidate: served, refused by which guard, or under."""
    settings, decision = load_settings(), Decision()
    embedder, threshold = build_embedder(settings), settings.similarity_threshold
    pairs = [(True, a, b) for a, b in REWORDINGS] + [(False, a, b) for a, b in SWAPS]
    texts = [_embedder_input(normalise(text)) for _, a, b in pairs for text in (a, b)]
    vecs = np.asarray(asyncio.run(embedder.embed(texts)))
    vecs = vecs / np.linalg.norm(vecs, axis=1, keepdims=True)
    print(f"threshold {threshold}\n\n| kind | cosine | outcome | why | pair |\n|---|---|---|---|---|")
    for n, (same, a, b) in enumerate(pairs):
        cosine = float(vecs[2 * n] @ vecs[2 * n + 1])
        judged = decision.judge(b, a, cosine) if cosine >= threshold - decision.margin else None
        outcome = "under" if judged is None else "served" if judged.served else f"refused: {judged.rejected_by}"
        why = "" if judged is None or judged.served else judged.reason
        print(f"| {'should-hit' if same else 'trap'} | {cosine:.3f} | {outcome} | {why} | {a} / {b} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", help="code_lookalikes.py's rows, pair mode")
    parser.add_argument("--shared-rows", help="code_lookalikes.py's rows, --shared")
    parser.add_argument("--probe", action="store_true", help="judge the pairs written here instead")
    parser.add_argument("--vectors", default="/tmp/code_lookalikes_vectors.npz", help="its kept embeddings")
    parser.add_argument("--groups", default=str(GROUPS), help="keyword groups, one a line")
    args = parser.parse_args()
    if args.probe:
        probe()
        return
    if not args.rows or not args.shared_rows:
        parser.error("--rows and --shared-rows are needed without --probe")
    every = groups(Path(args.groups))
    rows = {(r["set"], r["id"]): r for r in map(json.loads, Path(args.rows).read_text().splitlines())}
    shared = {(r["set"], r["id"]): r for r in map(json.loads, Path(args.shared_rows).read_text().splitlines())}
    sets = {name: load(name, "dev") for name in QUESTION_SETS}
    vec, threshold = vectors(sets, Path(args.vectors)), load_settings().similarity_threshold
    print(
        "| set | swap traps | served | another entry's answer in --shared | refused by a guard | under the threshold ",
        end="",
    )
    print("| swap should-hits |")
    print("|---|---|---|---|---|---|---|")
    totals: Counter[str] = Counter()
    detail = []
    for name, pairs in sets.items():
        counts: Counter[str] = Counter()
        for pair in pairs:
            swapped = swap(pair, every)
            if swapped is None:
                continue
            row, other = rows[name, pair.id], shared[name, pair.id]
            kind = "should-hits" if pair.same_answer else "traps"
            counts[kind] += 1
            counts[f"{kind} served"] += bool(row["served"])
            counts[f"{kind} shared"] += bool(other["neighbour"])
            outcome = "served" if row["served"] else str(row["rejected_by"])
            counts[f"{kind} {'guard' if outcome not in ('served', 'below') else outcome}"] += 1
            a, b = (vec[_embedder_input(normalise(side.prompt))] for side in (pair.a, pair.b))
            shown = f"{swapped[0]} / {swapped[1]} | {outcome} | {float(a @ b):.3f} | {pair.a.prompt} / {pair.b.prompt}"
            detail.append(f"| {name} | {kind[:-1]} | {shown} |")
        if counts:
            totals.update(counts)
            print(
                f"| {name} | {counts['traps']} | {counts['traps served']} | {counts['traps shared']} "
                f"| {counts['traps guard']} | {counts['traps below']} | {counts['should-hits']} |"
            )
    print(
        f"| **all** | {totals['traps']} | {totals['traps served']} | {totals['traps shared']} "
        f"| {totals['traps guard']} | {totals['traps below']} | {totals['should-hits']} |"
    )
    print(f"\nthreshold {threshold}\n\n| set | kind | swap | outcome | cosine | pair |\n|---|---|---|---|---|---|")
    print("\n".join(detail))


if __name__ == "__main__":
    main()
