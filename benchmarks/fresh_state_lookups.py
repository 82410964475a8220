"""The lookups of sets as they were when fresh: run under the tree that packaged them (issue 13, fifteenth
session), before any rule was tuned on them, and dumped as plain tuples for ``decision_operating_point.py
--fresh`` to score with the current decision model.

A set's dev traps read by today's guards understate what a new set meets: the guards were tuned on them since.
Under the tree of the commit that added a set to the package (the session that wrote it had read nothing of
it; the sessions after tuned on its dev split), its lookups are what an unseen set looked like then: the
guards' vetoes and the features they feed, as that tree computed them. DEV splits only.

    git archive COMMIT src benchmarks | tar -x -C /tmp/COMMIT
    PYTHONPATH=/tmp/COMMIT/src:/tmp/COMMIT/benchmarks .venv/bin/python benchmarks/fresh_state_lookups.py \\
        nearhit-v26,nearhit-v27 /tmp/fresh_COMMIT.pickle
"""

from __future__ import annotations

import pickle
import sys
from pathlib import Path
from typing import Any

from decision_bands import Remembering
from fit_decision_shared import lookups
from nearhit.embeddings.local import LocalEmbedder


def plain(seen: Any) -> tuple[float, dict[str, float], bool, bool, bool]:
    """A ``fit_decision_shared.Seen`` as a tuple: the class may differ between trees."""
    return (seen.similarity, dict(seen.values), seen.passes, seen.quiet, seen.own)


def main() -> None:
    sets, out = sys.argv[1].split(","), Path(sys.argv[2])
    found = lookups(Remembering(LocalEmbedder()), sets)
    rows = [(d.dataset, d.same_answer, plain(d.pair), [plain(s) for s in d.shared]) for d in found]
    out.write_bytes(pickle.dumps(rows))
    print(out, len(rows))


if __name__ == "__main__":
    main()
