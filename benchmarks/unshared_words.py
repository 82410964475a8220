"""Can the embedder tell a synonym from a swapped entity? The entity guard's vetoes, measured by meaning (issue 13).

For every DEV pair of the question sets (the test split is never loaded) that the entity guard vetoes in the
band (similarity >= the threshold less the quiet margin), the words only one side has, as the guard itself
reports them (its veto's reason), are compared by meaning with the default embedder (MiniLM int8):

- ``words``: the cosine of one side's unshared words against the other's ("buy" / "purchase"); a pair with
  words on one side only gets -1 (no synonym can explain a word the other side lacks);
- ``window``: the same with two words either side of each unshared word (the phrase around it);
- ``swap``: each side with its unshared words replaced by the other side's, against itself (how far the
  sentence moves when the words are exchanged), averaged over both directions;
- ``pair``: the pair's own similarity, the baseline any measure must beat.

Per measure: quartiles for should-hits and traps, ROC-AUC, and the should-hits a veto lifted at a cut would
gain with 0, 1 and 2 traps let through (pooled, and leave-one-set-out: the cut chosen on the other sets). The
gains count only pairs the default would serve without the entity guard (``lifted`` pool).

    PYTHONPATH=src .venv/bin/python benchmarks/unshared_words.py   # ten question dev splits, ~1 minute
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from nearhit import evaluation
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GUARD_NAMES, GuardSet
from nearhit.guards.text import analyse, expand_short_forms
from veto_signals import auc, signal_cells, signal_header, unshared_of

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 10)))
MEASURES = ("words", "window", "swap", "pair")
BUDGETS = (0, 1, 2)
_WINDOW = 2


@dataclass(frozen=True)
class Vetoed:
    """One vetoed dev pair: its set, label, whether lifting the entity veto would serve it, and its measures."""

    name: str
    should_hit: bool
    lifted: bool
    both: bool  # unshared words on both sides (a synonym could explain them)
    values: dict[str, float]
    shown: str


def positions(tokens: Sequence[str], stems: Sequence[str], words: Sequence[str]) -> list[int]:
    """Where the unshared words (stems or names, as the guard reports them) sit among the text's tokens."""
    wanted = set(words)
    return [at for at, (token, word_stem) in enumerate(zip(tokens, stems, strict=True)) if {token, word_stem} & wanted]


def window(tokens: Sequence[str], at: Sequence[int], size: int = _WINDOW) -> str:
    """The unshared words with ``size`` tokens either side, in order, each token once."""
    kept = sorted({n for a in at for n in range(max(0, a - size), min(len(tokens), a + size + 1))})
    return " ".join(tokens[n] for n in kept)


def swapped(tokens: Sequence[str], at: Sequence[int], replacement: Sequence[str]) -> str:
    """``tokens`` with the words at ``at`` replaced by ``replacement`` (put where the first one stood)."""
    if not at:
        return " ".join([*tokens, *replacement])
    out: list[str] = []
    for n, token in enumerate(tokens):
        if n == at[0]:
            out.extend(replacement)
        elif n not in at:
            out.append(token)
    return " ".join(out)


def measure(names: Sequence[str], embedder: LocalEmbedder, full: GuardSet, others: GuardSet) -> list[Vetoed]:
    settings = load_settings()
    threshold, margin = settings.similarity_threshold, full.quiet_margin
    found: list[Vetoed] = []
    for name in names:
        pairs = evaluation.load(name, "dev")
        a = embedder.encode([expand_short_forms(normalise(p.a.prompt)) for p in pairs])
        b = embedder.encode([expand_short_forms(normalise(p.b.prompt)) for p in pairs])
        texts: list[tuple[str, str]] = []  # per vetoed pair: (words, words), (window, window), (swap, own) x2
        kept: list[tuple[bool, bool, float, bool, str]] = []
        for pair, cosine in zip(pairs, (a * b).sum(axis=1), strict=True):
            similarity = float(cosine)
            query, candidate = pair.b.prompt, pair.a.prompt
            vetoed = full.first_rejection(query, candidate, similarity)
            if similarity < threshold - margin or vetoed is None or vetoed.guard != "entities":
                continue
            blocked = others.first_rejection(query, candidate, similarity)
            quiet = others.quiet(query, candidate)
            lifted = blocked is None and (similarity >= threshold or quiet)
            only_q, only_c = unshared_of(vetoed.reason)
            q, c = analyse(query), analyse(candidate)
            at_q, at_c = positions(q.tokens, q.stems, only_q), positions(c.tokens, c.stems, only_c)
            words_q, words_c = [q.tokens[n] for n in at_q], [c.tokens[n] for n in at_c]
            texts += [
                (" ".join(words_q), " ".join(words_c)),
                (window(q.tokens, at_q), window(c.tokens, at_c)),
                (swapped(q.tokens, at_q, words_c), " ".join(q.tokens)),
                (swapped(c.tokens, at_c, words_q), " ".join(c.tokens)),
            ]
            shown = f"{name} {pair.category} {vetoed.reason}\n  a: {candidate}\n  b: {query}"
            kept.append((pair.same_answer, lifted, similarity, bool(words_q and words_c), shown))
        if not kept:
            continue
        left = embedder.encode([t[0] or "-" for t in texts])
        right = embedder.encode([t[1] or "-" for t in texts])
        cos = (left * right).sum(axis=1).reshape(-1, 4)
        for (hit, lifted, similarity, both, shown), row in zip(kept, cos, strict=True):
            values = {
                "words": float(row[0]) if both else -1.0,
                "window": float(row[1]) if both else -1.0,
                "swap": float(np.mean(row[2:])),
                "pair": similarity,
            }
            found.append(Vetoed(name, hit, lifted, both, values, shown))
    return found


def table(items: Sequence[Vetoed], lifted: Sequence[Vetoed]) -> str:
    hits, traps = sum(v.should_hit for v in items), sum(not v.should_hit for v in items)
    lifted_hits = sum(v.should_hit for v in lifted)
    lifted_traps = len(lifted) - lifted_hits
    lines = [
        f"entity vetoes in the band: {hits} should-hits, {traps} traps; "
        f"served if the veto were lifted: {lifted_hits} should-hits, {lifted_traps} traps",
        "",
        *signal_header("measure", BUDGETS),
    ]
    lines += ["| " + " | ".join(signal_cells(items, lifted, key, BUDGETS)) + " |" for key in MEASURES]

    def get(vs: Sequence[Vetoed], k: str, h: bool) -> list[float]:
        return [v.values[k] for v in vs if v.should_hit == h]

    two = [v for v in items if v.both]
    hits_two = sum(v.should_hit for v in two)
    lines += ["", f"words on both sides: {hits_two} should-hits, {len(two) - hits_two} traps"]
    for key in MEASURES:
        lines.append(f"  AUC {key}: {auc(get(two, key, True), get(two, key, False)):.3f}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of single-turn sets (dev split)")
    parser.add_argument("--show", type=float, help="print the lifted pairs whose swap measure reaches this cut")
    args = parser.parse_args()
    settings = load_settings()
    full = GuardSet.default(quiet_margin=settings.guards_quiet_margin)
    others = GuardSet.from_names([n for n in GUARD_NAMES if n != "entities"], quiet_margin=settings.guards_quiet_margin)
    items = measure(args.sets.split(","), LocalEmbedder(), full, others)
    print(table(items, [v for v in items if v.lifted]))
    if args.show is not None:
        for v in sorted(items, key=lambda v: -v.values["swap"]):
            if v.lifted and v.values["swap"] >= args.show:
                print(f"{'should-hit' if v.should_hit else 'TRAP'} swap {v.values['swap']:.3f} {v.shown}")


if __name__ == "__main__":
    main()
