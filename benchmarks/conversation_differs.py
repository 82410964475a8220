"""What :func:`nearhit.cache.conversation.differs` says of every conversation dev pair (issue 14), offline.

Every dev pair of every conversation set whose two sides have a context as the service reads them (``b`` asked
against ``a``, as ``nearhit eval`` does) is judged by ``differs`` at a contexts' similarity of 0.95, above every
conversation threshold, so every pair a change to its checks could refuse is judged. One line per pair (id,
should-hit, reason or None) to ``--out``; two such files compared with ``--compare`` list the pairs read
differently. A change that only turns a None into a refusal can only take a served pair away: the pairs it
changes, should-hits among them, are its whole cost, to be confirmed end to end with ``conversation_misses.py
--served-in``. No embedding, no Redis: ~15 s of CPU. Dev splits only.

    PYTHONPATH=src python benchmarks/conversation_differs.py --out before.tsv   # on the base tree
    PYTHONPATH=src python benchmarks/conversation_differs.py --out after.tsv    # on the changed tree
    python benchmarks/conversation_differs.py --compare before.tsv after.tsv
"""

from __future__ import annotations

import argparse
from types import SimpleNamespace
from typing import Any

from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.evaluation.runner import request


def dump(path: str) -> None:
    service: Any = SimpleNamespace(max_prompt_chars=1_000_000)
    with open(path, "w", encoding="utf-8") as out:
        for name in CONVERSATION_SETS:
            for pair in evaluation.load(name, "dev"):
                stored, asked = request(service, "t", pair.a), request(service, "t", pair.b)
                if stored.context is None or asked.context is None:
                    continue
                why = conversation.differs(pair.b.prompt, asked.context, stored.context, 0.95, pair.a.prompt)
                out.write(f"{pair.id}\t{'should-hit' if pair.same_answer else 'trap'}\t{why}\n")


def compare(before: str, after: str) -> None:
    def read(path: str) -> dict[str, tuple[str, str]]:
        with open(path, encoding="utf-8") as lines:
            return {pid: (kind, why) for pid, kind, why in (line.rstrip("\n").split("\t", 2) for line in lines)}

    old, new = read(before), read(after)
    changed = [(pid, old[pid], new[pid][1]) for pid in old if pid in new and old[pid][1] != new[pid][1]]
    for pid, (kind, was), now in changed:
        print(f"{pid} ({kind}): {was} -> {now}")
    print(f"{len(old)} pairs, {len(changed)} read differently")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", help="write each pair's reason to this file")
    parser.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"), help="two --out files")
    args = parser.parse_args()
    if args.compare:
        compare(*args.compare)
    elif args.out:
        dump(args.out)
    else:
        parser.error("--out or --compare")


if __name__ == "__main__":
    main()
