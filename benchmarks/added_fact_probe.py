"""Readings of a fact one side's user turns add that list no topic words, counted on the pairs a run served (gen24).

The refusals of an added constraint were fitted set by set, so whether a reading generalises is measured on the
traps a code never fitted on a set served there: a ``--reasons`` file of ``conversation_misses.py`` run with the
code of the commit that bundled the set (``git archive <commit> src benchmarks``), next to one of the current code for
the should-hits a reading would lose. Only pairs whose sides both have user turns, one side's user words being the
other's with runs of words inserted (a pure insertion: the shape of ``constraint_added`` and ``irrelevant_detail``);
the longest run of two words or more is the added fact. Readings, none a topic word list:

- ``negation``: a closed-class word of negation or restriction ("can't", "only", "without", "has to");
- ``relevance``: the asker flags the fact as relevant ("if that matters", "should have said");
- ``near@T``: the added run's embedding (the cache's MiniLM) is at least ``T`` (cosine) from the question's.

    python benchmarks/added_fact_probe.py --served base.jsonl                     # current code's run
    python benchmarks/added_fact_probe.py --served old.jsonl --sets v36,v37,v38,v39 --traps-only
"""

from __future__ import annotations

import argparse
import difflib
import json
import re
from collections import Counter

import numpy as np

from nearhit import evaluation
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair, Side

_WORDS = re.compile(r"[a-z0-9£$€%']+")
NEGATION = re.compile(
    r"\b(not|no|never|none|nothing|can't|cannot|couldn't|don't|doesn't|didn't|won't|isn't|aren't|wasn't|without|"
    r"only|avoid|must|need|needs|needed|have to|has to|mustn't|shouldn't|still|but|however|although|though|unless|"
    r"except|strictly|at least|at most)\b"
)
RELEVANCE = re.compile(
    r"\b(if that matters|in case (that|it) matters|if (that|it)'s relevant|if relevant|should have (said|mentioned)|"
    r"should've (said|mentioned)|forgot to (say|mention)|i should (say|mention)|worth mentioning|just so you know|fyi|"
    r"for context|if (that|it) makes a difference|if that changes anything)\b"
)
NEAR = (0.3, 0.4)
"""Cosines tried for ``near``; 0.4 is the lowest at which the current code's served should-hits of the older sets
(v2..v35) lose none."""


def _words(side: Side) -> list[str]:
    said = " ".join(text for role, text in side.history if role == "user")
    return _WORDS.findall(said.casefold().replace("\u2019", "'"))


def added_run(pair: Pair) -> str | None:
    """The longest run of two words or more that one side's user turns insert into the other's, or None when the
    shorter side's words are not all kept in order (a rewording, a swap) or a side has no user turn."""
    shorter, longer = sorted((_words(pair.a), _words(pair.b)), key=len)
    if not shorter:
        return None
    opcodes = difflib.SequenceMatcher(None, shorter, longer, autojunk=False).get_opcodes()
    if any(tag in ("delete", "replace") for tag, *_ in opcodes):
        return None
    runs = [(j2 - j1, " ".join(longer[j1:j2])) for tag, _, _, j1, j2 in opcodes if tag == "insert" and j2 - j1 >= 2]
    return max(runs, key=lambda run: run[0])[1] if runs else None


def readings(run: str, similarity: float) -> list[str]:
    """The readings that refuse an added run whose cosine to the question is ``similarity``."""
    found = [name for name, pattern in (("negation", NEGATION), ("relevance", RELEVANCE)) if pattern.search(run)]
    return found + [f"near@{floor}" for floor in NEAR if similarity >= floor]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--served", required=True, help="a conversation_misses.py --reasons file")
    parser.add_argument("--sets", help="only the sets ending so (comma-separated: v36,v37)")
    parser.add_argument("--traps-only", action="store_true", help="print each served trap's run and readings")
    args = parser.parse_args()
    with open(args.served, encoding="utf-8") as lines:
        served = {row["id"]: row["served"] for row in map(json.loads, lines)}
    wanted = tuple(args.sets.split(",")) if args.sets else None
    found: list[tuple[Pair, str]] = []
    for name in CONVERSATION_SETS:
        if wanted and not name.endswith(wanted):
            continue
        for pair in evaluation.load(name, "dev"):
            run = added_run(pair) if pair.id in served else None
            if run is not None:
                found.append((pair, run))
    vectors = LocalEmbedder().encode([run for _, run in found] + [pair.b.prompt for pair, _ in found])
    counts: Counter[tuple[str, str]] = Counter()
    for n, (pair, run) in enumerate(found):
        kind = "trap" if not pair.same_answer else "should-hit"
        fired = readings(run, float(np.dot(vectors[n], vectors[len(found) + n])))
        counts[(kind, "pairs")] += 1
        counts[(kind, "served")] += served[pair.id]
        for reading in fired:
            counts[(kind, reading)] += 1
            counts[(kind, f"{reading} served")] += served[pair.id]
        if args.traps_only and kind == "trap" and served[pair.id]:
            print(f"{pair.id} {pair.category}: {run!r} -> {', '.join(fired) or 'none'}")
    names = ["negation", "relevance", *(f"near@{floor}" for floor in NEAR)]
    print("| pure insertions | pairs | served | " + " | ".join(f"{n}: fires / on served" for n in names) + " |")
    print("|---" * (3 + len(names)) + "|")
    for kind in ("trap", "should-hit"):
        cells = [f"{counts[(kind, n)]} / {counts[(kind, n + ' served')]}" for n in names]
        print(f"| {kind} | {counts[(kind, 'pairs')]} | {counts[(kind, 'served')]} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
