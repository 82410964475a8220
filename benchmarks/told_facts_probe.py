"""The story check of a conversation told as one question, worked out again offline on this tree, for comparing two
trees' readings of the facts a story states and a single message leaves unsaid.

For each row of a ``standalone_readings.py`` rows file (the fit dev pairs whose one side is a single question and the
other a conversation, or with ``--tellings`` the trap tellings written as one message) it works out
:func:`conversation.differs_from_one` again on the story told as one question and the single question, keeping the
row's cosines (no embedder, no Redis). ``--compare BASE AFTER``: the rows whose story check changed, counted by
category and telling, at or over the lookup's threshold and under it, each with what the told guards say at the
story's cosine (a story whose check passes can still be refused there: the numbers guard reads the same numbers).

    PYTHONPATH=src:benchmarks python benchmarks/told_facts_probe.py --rows fit_pairs.jsonl --out base_pairs.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/told_facts_probe.py --rows fit_tell.jsonl --tellings --out b_tell.jsonl
    PYTHONPATH=src:benchmarks python benchmarks/told_facts_probe.py --compare b_tell.jsonl a_tell.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from typing import Any

from conversation_misses import chosen_sets
from nearhit.cache import context_match, conversation
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet
from standalone_readings import THRESHOLD, sides

Key = tuple[str, str, str]


def _key(row: dict[str, Any]) -> Key:
    return row["set"], row["id"], row["label"]


def _rows(path: str) -> list[dict[str, Any]]:
    with open(path, encoding="utf-8") as lines:
        return [json.loads(line) for line in lines]


def worked_out(rows_file: str, tellings: bool) -> list[dict[str, Any]]:
    """Each row of ``rows_file`` with the story told as one question and its check worked out on this tree."""
    kept = {_key(row): row for row in _rows(rows_file)}
    found: list[dict[str, Any]] = []
    for name in chosen_sets("fit"):
        for pair in dataset.load(name, "dev"):
            kinds: list[str | None] = ["a", "b"] if tellings and not pair.same_answer else [None]
            for telling in kinds:
                for label, context, followup, single in sides(pair, telling):
                    row = kept.get((name, pair.id, label))
                    if row is None:
                        continue
                    story = conversation.told_as_one(context, followup)
                    check = conversation.differs_from_one(story, single, conversation.last_answer(context))
                    found.append({**row, "story_text": story, "check": check})
    return found


def compare(base_file: str, after_file: str) -> None:
    """The rows whose story check changed between two runs, counted, and what the told guards say of each."""
    base = {_key(row): row for row in _rows(base_file)}
    guards = context_match.told_guards(GuardSet.default())
    counts: Counter[tuple[str, str, bool, str]] = Counter()
    for row in _rows(after_file):
        before = base[_key(row)]["check"]
        if (before is None) == (row["check"] is None):
            continue
        verdict = guards.first_rejection(row["story_text"], row["single"], row["story"], told=True)
        guarded = "guards pass" if verdict is None else f"guard {verdict.guard}"
        counts[(row["category"], row["label"], row["story"] >= THRESHOLD, guarded)] += 1
        print(f"{row['id']} {row['label']} {row['story']:.3f} | {before} -> {row['check']} | {guarded}")
    for (category, label, over, guarded), n in sorted(counts.items()):
        print(f"{category} {label} {'>=' if over else '<'} {THRESHOLD} {guarded}: {n}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", help="a standalone_readings.py rows file (fit)")
    parser.add_argument("--tellings", action="store_true", help="the rows file is a --tellings one")
    parser.add_argument("--out", help="write the rows with the story check worked out here (JSONL)")
    parser.add_argument("--compare", nargs=2, metavar=("BASE", "AFTER"), help="two --out files")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
        return
    with open(args.out, "w", encoding="utf-8") as out:
        for row in worked_out(args.rows, args.tellings):
            out.write(json.dumps(row) + "\n")


if __name__ == "__main__":
    main()
