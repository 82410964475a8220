"""Two conversations' earlier turns compared with the similarity floors taken away, on the dev splits: what a
rule on the context similarity (and on signals beside it) would serve.

Each pair runs through the real cache as ``nearhit eval`` runs it with ``CONTEXT_THRESHOLD`` and
``RETOLD_FLOOR`` at 0, so only the story checks and the question's own match decide; every call of
``conversation.differs`` that passes is recorded (the two contexts, their similarity, whether the history is
retold in the same turns). A pair then served would be served under a rule iff the rule accepts the recorded
context. Dev splits only (the test splits are never loaded).

    PYTHONPATH=src:benchmarks python benchmarks/context_probe.py --out /tmp/context.jsonl
"""

from __future__ import annotations

import argparse
import asyncio
import json
from pathlib import Path
from typing import Any

from nearhit.cache import context_match, conversation
from told_as_one_probe import each_dev_pair


async def probe() -> list[dict[str, Any]]:
    calls: list[dict[str, Any]] = []
    original = conversation.differs

    def recorded(question: str, query: Any, cached: Any, similarity: float, cached_question: str = "") -> str | None:
        reason: str | None = original(question, query, cached, similarity, cached_question)
        if reason is None:
            calls.append(
                {
                    "query": [list(t) for t in query.turns],
                    "cached": [list(t) for t in cached.turns],
                    "similarity": similarity,
                    "retold": conversation.retold(query, cached),
                }
            )
        return reason

    context_match.conversation.differs = recorded  # type: ignore[attr-defined]
    conversation.CONTEXT_THRESHOLD = 0.0
    conversation.RETOLD_FLOOR = 0.0
    rows = []
    async for name, pair, result in each_dev_pair(None, calls.clear):
        rows.append(
            {
                "set": name,
                "id": pair.id,
                "category": pair.category,
                "same": pair.same_answer,
                "served": result.match is not None,
                "by_context": result.match is not None and bool(result.context and result.context.get("turns")),
                "calls": list(calls),
            }
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True)
    rows = asyncio.run(probe())
    Path(parser.parse_args().out).write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )


if __name__ == "__main__":
    main()
