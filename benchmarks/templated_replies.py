"""The fit's conversations told in the same turns whose assistant's turns all say nothing in other words on the two
sides ("OK." / "Okay. What would you like to know?"), each ``b`` given ``a``'s replies: what a writer copying one reply
onto both sides would write. A JSONL of dev pairs (their ids kept) for ``conversation_misses.py --files``, to measure
what a reading of the same bare replies (``conversation._other_story_bare_replies``) costs a retold history there
(forty-first session, cx52).

    python benchmarks/templated_replies.py /tmp/templated_dev.jsonl
    python benchmarks/conversation_misses.py --files /tmp/templated_dev.jsonl --pairs after.txt
"""

from __future__ import annotations

import json
import sys
from collections import Counter

from conversation_misses import FIT
from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.evaluation.dataset import Pair, Turn
from nearhit.guards.text import folded_words


def templated(pair: Pair) -> dict[str, object] | None:
    """``pair`` with ``b``'s assistant's turns replaced by ``a``'s, or None: not told in the same turns, the same user
    turns, a reply that says something, or the same replies already."""
    mine = [turn for turn in pair.a.history if turn[0] != "system"]
    theirs = [turn for turn in pair.b.history if turn[0] != "system"]
    told, heard = conversation.context_of(mine, pair.a.prompt), conversation.context_of(theirs, pair.b.prompt)
    if told is None or heard is None or not conversation._same_shape(heard, told) or told.users == heard.users:
        return None
    replies = [content for role, content in told.turns if role == "assistant"]
    others = [content for role, content in heard.turns if role == "assistant"]
    if not replies or not all(conversation._empty_turn(turn) for turn in replies + others):
        return None
    if all(folded_words(x) == folded_words(y) for x, y in zip(replies, others, strict=True)):
        return None
    copied = iter(replies)
    history: list[Turn] = [(role, next(copied) if role == "assistant" else text) for role, text in pair.b.history]

    def side(turns: tuple[Turn, ...] | list[Turn], prompt: str) -> list[dict[str, str]]:
        return [{"role": role, "content": text} for role, text in turns] + [{"role": "user", "content": prompt}]

    return {
        "id": pair.id,
        "category": pair.category,
        "same_answer": pair.same_answer,
        "a": side(pair.a.history, pair.a.prompt),
        "b": side(history, pair.b.prompt),
    }


def main() -> None:
    kinds: Counter[tuple[str, bool]] = Counter()
    with open(sys.argv[1], "w", encoding="utf-8") as out:
        for name in FIT:
            for pair in evaluation.load(name, "dev"):
                item = templated(pair)
                if item is not None:
                    out.write(json.dumps(item, ensure_ascii=False) + "\n")
                    kinds[(pair.category, pair.same_answer)] += 1
    print(sum(kinds.values()), "pairs:", ", ".join(f"{cat} {n}" for (cat, _), n in sorted(kinds.items())))


if __name__ == "__main__":
    main()
