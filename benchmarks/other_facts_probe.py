"""What the "other facts" story check refuses, read from ``conversation_misses.py`` runs: which facts, on which pairs.

The check (``conversation._different_facts``) refuses a candidate when one side's user turns state a number, date
or name the other's do not. To tell a fact that cannot change the answer from one that does, this lists the facts it
refused per kind of pair (should-hit or trap, category) and shape (one side states facts the other states none of,
or both sides state their own), and, for two ``--pairs`` runs compared, the pairs whose outcome changed with the
sentences that state the refused fact.

    python benchmarks/conversation_misses.py --sets fit --pairs base.txt --reasons base.jsonl
    python benchmarks/other_facts_probe.py --sets fit --reasons base.jsonl                 # counts per kind
    python benchmarks/other_facts_probe.py --sets fit --reasons base.jsonl --show trap     # and each refusal
    python benchmarks/conversation_misses.py --sets fit --compare base.txt after.txt > cmp.txt
    python benchmarks/other_facts_probe.py --sets fit --reasons base.jsonl --changed cmp.txt  # what moved, why
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter

from conversation_misses import chosen_sets
from nearhit import evaluation
from nearhit.evaluation.dataset import Pair

_FACTS = re.compile(r"(?:state|states) other facts: (.*)$")
_QUOTED = re.compile(r"'([^']*)'")


def refusals(path: str) -> dict[str, str]:
    """Each pair's first candidate refused as stating other facts, by id: the facts as the reason gives them."""
    found: dict[str, str] = {}
    with open(path, encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            for candidate in row["candidates"]:
                match = _FACTS.search(candidate[3] or "")
                if match is not None and row["id"] not in found:
                    found[row["id"]] = match.group(1)
    return found


def shape(facts: str) -> str:
    """ "one side" when one side states no fact the other lacks ("nothing vs 'two'"), else "both sides"."""
    mine, _, theirs = facts.partition(" vs ")
    return "one side" if "nothing" in (mine, theirs) else "both sides"


def kind(pair: Pair) -> str:
    return "should-hit" if pair.same_answer else "trap"


def stating(pair: Pair, facts: str) -> list[str]:
    """The sentences of each side's user turns and question that hold one of the refused facts' first words."""
    heads = {quoted.split()[0].casefold() for quoted in _QUOTED.findall(facts) if quoted.strip()}
    found = []
    for name, side in (("a", pair.a), ("b", pair.b)):
        told = " | ".join([content for role, content in side.history if role == "user"] + [side.prompt])
        for sentence in re.split(r"(?<=[.!?])\s+| \| ", told):
            if any(head in sentence.casefold() for head in heads):
                found.append(f"{name}: {sentence[:200]}")
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--reasons", required=True, help="a conversation_misses.py --reasons file")
    parser.add_argument("--show", help="print each refusal of this kind (should-hit, trap) or category")
    parser.add_argument("--changed", help="a conversation_misses.py --compare output: the pairs it lists as changed")
    args = parser.parse_args()
    pairs = {pair.id: pair for name in chosen_sets(args.sets) for pair in evaluation.load(name, "dev")}
    found = refusals(args.reasons)
    if args.changed:
        with open(args.changed, encoding="utf-8") as lines:
            ids = [line.split()[1] for line in lines if line.startswith("changed:")]
        for i in sorted(ids, key=lambda i: (pairs[i].same_answer, pairs[i].category, i)):
            print(f"== {i} {kind(pairs[i])} {found.get(i, '?')}")
            for line in stating(pairs[i], found.get(i, "")):
                print(f"   {line}")
        return
    counts: Counter[tuple[str, str, str]] = Counter()
    for i, facts in sorted(found.items()):
        pair = pairs[i]
        counts[(kind(pair), pair.category, shape(facts))] += 1
        if args.show in (kind(pair), pair.category):
            print(f"{i} {kind(pair)} {pair.category} :: {facts}")
    print("\n| kind | category | facts stated by | pairs refused |\n|---|---|---|---|")
    for (what, category, told), n in sorted(counts.items()):
        print(f"| {what} | {category} | {told} | {n} |")


if __name__ == "__main__":
    main()
