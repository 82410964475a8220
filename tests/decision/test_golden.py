"""The decision on clear-cut pairs from the DEV split (``golden_dev.jsonl``): each must come out right.

The pairs are chosen from the dev data the model was fitted on, far from the threshold (paraphrases
scored >= 0.95, look-alikes <= 0.05 or vetoed), so a change that flips one has broken something, not
moved a borderline case. Sources: fow-cache's question pairs (Mabon ap Gwyn, CC BY 4.0,
https://creativecommons.org/licenses/by/4.0/), nearhit's own pairs and nearhit-v2's (English, one pair per
category, picked by the rule above); no pair from the test split.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from nearhit.cache import normalise
from nearhit.decision import Decision
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import split_of
from nearhit.guards.text import expand_short_forms

GOLDEN = Path(__file__).with_name("golden_dev.jsonl")


def golden() -> list[dict[str, Any]]:
    return [json.loads(line) for line in GOLDEN.read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.fixture(scope="module")
def similarities(local_embedder: LocalEmbedder) -> dict[str, float]:
    pairs = golden()
    # The embedder's input as the cache gives it: normalised, short forms spelt out.
    cached = local_embedder.encode([expand_short_forms(normalise(p["cached"])) for p in pairs])
    query = local_embedder.encode([expand_short_forms(normalise(p["query"])) for p in pairs])
    return {p["id"]: float(s) for p, s in zip(pairs, (cached * query).sum(axis=1), strict=True)}


def test_the_golden_pairs_are_dev_pairs_of_both_kinds() -> None:
    pairs = golden()
    assert all(split_of(p["id"]) == "dev" for p in pairs)
    assert sum(p["same_answer"] for p in pairs) >= 20 and sum(not p["same_answer"] for p in pairs) >= 20


def test_every_golden_pair_is_decided_right(similarities: dict[str, float]) -> None:
    decision = Decision()
    wrong = []
    for pair in golden():
        judgement = decision.judge(pair["query"], pair["cached"], similarities[pair["id"]])
        if judgement.served != pair["same_answer"]:
            wrong.append(f"{pair['id']}: {judgement.reason}")
    assert not wrong, "\n".join(wrong)
