"""The conversation dev pairs whose stored side is a single question and whose asked side a conversation,
written swapped (the conversation stored, the single question asked) as a JSONL file for ``nearhit eval``: the
direction in which a single question is served by a story (:func:`nearhit.cache.conversation_lookup.from_story`),
measured on the same pairs as the other direction. Dev splits only.

    python benchmarks/conversation_swapped.py /tmp/swapped_dev.jsonl            # the swapped pairs
    python benchmarks/conversation_swapped.py --as-stored /tmp/forward_dev.jsonl  # as the sets have them
    nearhit eval -d /tmp/swapped_dev.jsonl
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from conversation_sweep import SETS  # the conversation dev splits, named once (run from benchmarks/)
from nearhit.evaluation.dataset import Side, load
from nearhit.llm import ChatMessage
from nearhit.service.request import AskRequest


def has_context(side: Side) -> bool:
    """Whether the service matches ``side`` as a conversation (its earlier turns by meaning)."""
    history = tuple(ChatMessage(role, content) for role, content in side.history)  # type: ignore[arg-type]
    query = AskRequest(side.prompt, history=history).checked("default", 32_000).query
    return query is not None and query.context is not None


def messages(side: Side) -> list[dict[str, str]]:
    return [{"role": role, "content": content} for role, content in side.history] + [
        {"role": "user", "content": side.prompt}
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--as-stored", action="store_true", help="write the pairs unswapped")
    args = parser.parse_args()
    written = 0
    with args.out.open("w", encoding="utf-8") as out:
        for name in SETS:
            for pair in load(name, "dev"):
                if has_context(pair.a) or not has_context(pair.b):
                    continue
                stored, asked = (pair.a, pair.b) if args.as_stored else (pair.b, pair.a)
                item = {"id": pair.id, "category": pair.category, "same_answer": pair.same_answer}
                out.write(json.dumps({**item, "a": messages(stored), "b": messages(asked)}, ensure_ascii=False) + "\n")
                written += 1
    print(f"{written} dev pairs written to {args.out}")


if __name__ == "__main__":
    main()
