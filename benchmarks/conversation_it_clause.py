"""Which conversation dev pairs the "it" clause of :func:`nearhit.cache.clause.bears_on` changes (issue 14), offline.

Every dev pair of every conversation set whose two sides have a context as the service reads them (``b`` asked
against ``a``, as ``nearhit eval`` does) is judged by :func:`conversation.differs` at a contexts' similarity of
0.95, above every conversation threshold, so every pair the rule could refuse in a lookup is judged: once as the
tree has it, once with the clause never matching. The rule only adds refusals, so a pair it does not change here
is served or missed in ``nearhit eval`` as before; those it changes are printed (should-hits among them are its
cost). No embedding, no Redis: ~10 s of CPU. Dev splits only.

    PYTHONPATH=src:benchmarks python benchmarks/conversation_it_clause.py
"""

from __future__ import annotations

import re
from collections import Counter
from types import SimpleNamespace
from typing import Any

from nearhit import evaluation
from nearhit.cache import clause, conversation
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.evaluation.runner import request

_NEVER = re.compile(r"(?!)")


def main() -> None:
    service: Any = SimpleNamespace(max_prompt_chars=1_000_000)
    shipped = clause._IT_IS
    compared: Counter[str] = Counter()
    changed: Counter[tuple[str, str, bool]] = Counter()
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            stored, asked = request(service, "t", pair.a), request(service, "t", pair.b)
            if stored.context is None or asked.context is None:
                continue
            compared[name] += 1
            outcomes = []
            for pattern in (shipped, _NEVER):
                clause._IT_IS = pattern
                outcomes.append(conversation.differs(pair.b.prompt, asked.context, stored.context, 0.95, pair.a.prompt))
            clause._IT_IS = shipped
            if (outcomes[0] is None) != (outcomes[1] is None):
                changed[name, pair.category, pair.same_answer] += 1
                print(f"{name} {pair.id} {'should-hit' if pair.same_answer else 'trap'}: {outcomes[0]}")
    print(f"pairs with a context on both sides: {sum(compared.values())} over {len(compared)} dev splits")
    print("| set | category | should-hit | pairs refused by the rule |\n|---|---|---|---|")
    for (name, category, same), n in sorted(changed.items()):
        print(f"| {name} | {category} | {same} | {n} |")


if __name__ == "__main__":
    main()
