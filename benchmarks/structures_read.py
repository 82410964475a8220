"""Which dev pairs the eleventh session's five structural rules read, traps and should-hits apart (issue 13).

For every DEV pair of the named sets (questions and conversations: their last prompts), whether each rule fires
on it: two words exchanged between slots (``direction._slots_exchanged``), the whole plain question then words
narrowing it (``restriction._tail_added``, where no clause opener is), a way / consequence / reason in another
language the rules read (``intent.ask_type_in``), whether a rule permits it against how to do it (``intent``,
"allowed"), members carved out of a whole on one side only (``scope._carve_out``). Prints, per rule, the traps
and the should-hits it reads and in how many sets, then each should-hit it reads. Only dev items are read.

    PYTHONPATH=src .venv/bin/python benchmarks/structures_read.py questions nearhit nearhit-v2 ... nearhit-v19 \
        conversations nearhit-conversations nearhit-conversations-v2 ... nearhit-conversations-v11
"""

from __future__ import annotations

import argparse
from collections import Counter, defaultdict

from nearhit import evaluation
from nearhit.guards.direction import _passive, _slots_exchanged
from nearhit.guards.intent import _BY_LANGUAGE, ask_type, ask_type_in
from nearhit.guards.languages import COVERED, detect, pair_language
from nearhit.guards.restriction import _clause, _tail_added
from nearhit.guards.scope import _carve_out
from nearhit.guards.text import analyse


def rules_read(a: str, b: str) -> list[str]:
    """The rules that fire on the pair (``b`` looked up against ``a``)."""
    fired = []
    if any(_clause(mine) is None and _tail_added(mine, other) for mine, other in ((b, a), (a, b))):
        fired.append("tail after the whole question")
    q, c = analyse(b), analyse(a)
    if _passive(q) == _passive(c) and _slots_exchanged(q, c):
        fired.append("slots exchanged")
    if (_carve_out(q) is None) != (_carve_out(c) is None):
        fired.append("a carve-out on one side")
    if detect(a) in COVERED and detect(b) in COVERED:
        if {ask_type(a), ask_type(b)} == {"allowed", "how_to"}:
            fired.append("allowed vs how-to")
    elif (language := pair_language(b, a)) in _BY_LANGUAGE:
        kinds = {ask_type_in(language, a), ask_type_in(language, b)}
        if None not in kinds and len(kinds) == 2:
            fired.append("ask-types of the read languages")
    return fired


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sets", nargs="+", help="built-in sets; their dev splits only")
    args = parser.parse_args()
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    trap_sets: dict[str, set[str]] = defaultdict(set)
    should_hits = []
    for name in args.sets:
        for pair in evaluation.load(name, "dev"):
            for rule in rules_read(pair.a.prompt, pair.b.prompt):
                counts[rule]["should-hits" if pair.same_answer else "traps"] += 1
                if pair.same_answer:
                    should_hits.append(f"| {rule} | {name} | {pair.category} | {pair.a.prompt} | {pair.b.prompt} |")
                else:
                    trap_sets[rule].add(name)
    print("| rule | traps read | sets with a trap read | should-hits read |")
    print("|---|---|---|---|")
    for rule, found in counts.items():
        print(f"| {rule} | {found['traps']} | {len(trap_sets[rule])} | {found['should-hits']} |")
    print("\n| rule | set | category | a | b |")
    print("|---|---|---|---|---|")
    print("\n".join(should_hits))


if __name__ == "__main__":
    main()
