"""The calibrated decision's output (score to 17 digits, served, veto, top features, reason) on every dev pair, both
ways round, at three similarities, as JSON lines: written before and after a change to the decision's code that
must not change what it says, then compared.

    python benchmarks/decision_outputs.py > /tmp/before.jsonl     # on the tree before (PYTHONPATH=<its src>)
    python benchmarks/decision_outputs.py > /tmp/after.jsonl      # on the tree after
    cmp /tmp/before.jsonl /tmp/after.jsonl
    python benchmarks/decision_outputs.py --model decision_v1.json     # another shipped model

The dev splits of every built-in set (a conversation pair by its last prompts); no test split is read. Run under
one fixed hash seed (the script sets ``PYTHONHASHSEED=0`` itself), as ``guards_signals.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from nearhit.decision import DEFAULT_MODEL, Decision, load_model
from nearhit.evaluation.dataset import BUILTIN, load

SIMILARITIES = (0.72, 0.86, 0.95)
"""Under the default threshold (judged in the decision's margin), just over it, and well over it."""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--model", default=DEFAULT_MODEL, help="a model shipped in nearhit/decision/data")
    args = parser.parse_args()
    if os.environ.get("PYTHONHASHSEED") != "0":  # the same set orders in both runs, so the reasons compare
        os.execve(sys.executable, [sys.executable, *sys.argv], {**os.environ, "PYTHONHASHSEED": "0"})
    decision = Decision(model=load_model(args.model))
    for name in BUILTIN:
        for pair in load(name, "dev"):
            for query, candidate in ((pair.b.prompt, pair.a.prompt), (pair.a.prompt, pair.b.prompt)):
                for similarity in SIMILARITIES:
                    judged = decision.judge(query, candidate, similarity)
                    top = [c.to_dict() | {"effect": repr(c.effect)} for c in judged.top]
                    print(
                        json.dumps([name, pair.id, similarity, repr(judged.score), judged.served, top, judged.reason])
                    )


if __name__ == "__main__":
    main()
