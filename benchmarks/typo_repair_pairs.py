"""The question DEV pairs whose embedder input the typo repair changes (``NEARHIT_EMBED_TYPO_REPAIR``).

Writes them to a JSONL file, each category prefixed with its set ("nearhit-v3|typo"), and prints every word
repaired. In pair mode only these pairs can change (the guards read the text as written; each pair has its own
scope), so ``nearhit eval -d <file>`` with the repair off and on gives the whole difference, set by set through
the categories. DEV splits only; the test splits are never loaded.

    PYTHONPATH=src python benchmarks/typo_repair_pairs.py --out /tmp/typo_pairs.jsonl
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.evaluation.dataset import load

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 18)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, required=True, help="the JSONL file of the pairs changed")
    args = parser.parse_args()
    repaired: Counter[tuple[str, str]] = Counter()
    with args.out.open("w", encoding="utf-8") as out:
        for name in SETS:
            pairs = load(name, "dev")
            changed = 0
            for pair in pairs:
                sides = [normalise(side.prompt) for side in (pair.a, pair.b)]
                before = [_embedder_input(text) for text in sides]
                after = [_embedder_input(text, True) for text in sides]
                if before == after:
                    continue
                changed += 1
                for old, new in zip(before, after, strict=True):
                    repaired.update((a, b) for a, b in zip(old.split(), new.split(), strict=True) if a != b)
                item = {"id": pair.id, "category": f"{name}|{pair.category}", "same_answer": pair.same_answer}
                out.write(json.dumps({**item, "a": pair.a.prompt, "b": pair.b.prompt}) + "\n")
            print(f"{name}: {changed} of {len(pairs)} dev pairs changed")
    print("words repaired:", ", ".join(f"{a} -> {b} ({n})" for (a, b), n in repaired.most_common()))


if __name__ == "__main__":
    main()
