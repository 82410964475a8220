"""Write the dev splits of -v86..-v97 with the answers written for their ``a`` sides, as ``a_answer`` (one file a set).

The thirty-fourth session's writers saw only each pair's ``a`` (no ``b``, no label, no category: opaque ids) and wrote
the answer a careful assistant gives it (``data/a_answers_v86_v97_dev.jsonl.gz``: id, a_answer). ``nearhit eval`` and
``conversation_misses.py --files`` store ``a_answer`` as ``a``'s entry's response, so a reading of the stored answer
(``nearhit.cache.answer_rests_on``) meets real answers on the fit (-v86..-v93) and validation (-v94..-v97) dev splits:

    python benchmarks/answered_sets.py /tmp/answered
    nearhit eval -d /tmp/answered/nearhit-conversations-v94_dev.jsonl --split all
"""

from __future__ import annotations

import argparse
import gzip
import json
from pathlib import Path

from nearhit.evaluation.dataset import BUNDLED_FILES, DATA_DIR
from nearhit.evaluation.splits import split_of

ANSWERS = Path(__file__).parent / "data" / "a_answers_v86_v97_dev.jsonl.gz"
SETS = tuple(f"nearhit-conversations-v{n}" for n in range(86, 98))


def answers() -> dict[str, str]:
    """Each answered pair's id and the answer written for its ``a``."""
    with gzip.open(ANSWERS, "rt", encoding="utf-8") as lines:
        return {row["id"]: row["a_answer"] for row in map(json.loads, lines)}


def write(out: Path) -> dict[str, int]:
    """The answered dev split of each set written to ``out``; how many pairs each holds."""
    out.mkdir(parents=True, exist_ok=True)
    given, written = answers(), {}
    for name in SETS:
        items = [json.loads(line) for line in (DATA_DIR / BUNDLED_FILES[name]).read_text(encoding="utf-8").splitlines()]
        dev = [{**item, "a_answer": given[item["id"]]} for item in items if split_of(item["id"]) == "dev"]
        path = out / f"{name}_dev.jsonl"
        path.write_text("".join(json.dumps(item, ensure_ascii=False) + "\n" for item in dev), encoding="utf-8")
        written[name] = len(dev)
    return written


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, help="the folder to write <set>_dev.jsonl into")
    for name, count in write(parser.parse_args().out).items():
        print(f"{name}: {count} pairs")
