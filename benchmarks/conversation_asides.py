"""The asides the conversation context checks let through, and two judges of whether such a clause bears on the
question.

Reads a ``conversation_misses.py --pairs`` run, and for each pair it served with earlier turns on both sides calls
:func:`conversation.differs` on the two histories (read from the dev items, the contexts' similarity taken as 1.0:
each was served) with :func:`clause.bears_on` switched off, keeping every phrase one side adds inside a turn that
:func:`conversation._aside` lets through. A row per pair with such an aside (trap or should-hit), then the judges:

- structural: :func:`clause.bears_on` (what the person the question asks about has), no fitted value;
- by meaning: the cosine of the clause's embedding with the question's (one embedding more a lookup, only where
  an aside is found), at a threshold chosen leave-one-set-out: on the other sets, just above their highest
  should-hit (``MARGIN``), kept only if it cuts a trap there; the table says what each held-out set then gets;
- by meaning: how far the question with the clause before it moves from the question alone (``moved``), ranked.

Dev only. An approximation of the live path (as ``conversation_vetoes.py``): confirm a judge end to end.

    python benchmarks/conversation_misses.py --pairs base.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_asides.py base.txt
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from conversation_vetoes import _context, variant
from nearhit import evaluation
from nearhit.cache import clause
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair

MARGIN = 0.02
"""How far above the other sets' highest should-hit a held-out fold's relatedness threshold sits."""


@dataclass(frozen=True)
class Aside:
    """A served pair with the phrases let through as asides, and what each judge says of them."""

    name: str
    pair: Pair
    spans: tuple[str, ...]
    structural: bool
    relatedness: float
    moved: float


def asides_of(pair: Pair) -> tuple[list[str], bool]:
    """The phrases :func:`conversation.differs` lets through as asides for ``pair`` with the structural judge off,
    and whether that judge, on, refuses the pair."""
    found: list[str] = []
    aside = cv._aside

    def recorded(mine: Sequence[str], theirs: Sequence[str], question: str, names: frozenset[str]) -> bool:
        let = aside(mine, theirs, question, names)
        if let:
            found.append(" ".join([*mine, *theirs]))
        return let

    query, cached = _context(pair.b), _context(pair.a)
    with variant({"_aside": recorded, "clause": _Off()}):
        passed = cv.differs(pair.b.prompt, query, cached, 1.0, pair.a.prompt) is None
    if not passed:
        return [], False
    return found, cv.differs(pair.b.prompt, query, cached, 1.0, pair.a.prompt) is not None


class _Off:
    """:mod:`nearhit.cache.clause` with its judge switched off."""

    @staticmethod
    def bears_on(span: Sequence[str], question: str) -> str | None:
        return None


def loso(rows: list[Aside]) -> list[tuple[str, float | None, int, int]]:
    """Per set with an aside, the relatedness threshold chosen without it, and its traps and should-hits cut."""
    folds = []
    for name in sorted({row.name for row in rows}):
        others = [row for row in rows if row.name != name]
        top = max((row.relatedness for row in others if row.pair.same_answer), default=0.0) + MARGIN
        cuts = any(not row.pair.same_answer and row.relatedness >= top for row in others)
        threshold = top if cuts else None
        held = [row for row in rows if row.name == name and threshold is not None and row.relatedness >= threshold]
        traps = sum(not row.pair.same_answer for row in held)
        folds.append((name, threshold, traps, len(held) - traps))
    return folds


def _whole_turns(served: set[str]) -> Counter[bool]:
    """The served pairs with a user turn the other side does not say word for word that :func:`clause.bears_on`
    reads (the judge applied to whole turns, not only to a phrase added inside one), by whether a should-hit."""
    found: Counter[bool] = Counter()
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            if pair.id not in served:
                continue
            mine, theirs = ([text for role, text in side.history if role == "user"] for side in (pair.a, pair.b))
            alone = [text for text in mine if text not in theirs] + [text for text in theirs if text not in mine]
            found[pair.same_answer] += any(
                clause.bears_on(cv._WORDS.findall(t.casefold()), pair.b.prompt) for t in alone
            )
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", help="a conversation_misses.py --pairs file")
    args = parser.parse_args()
    with open(args.pairs, encoding="utf-8") as lines:
        served = {line.split()[0] for line in lines if line.split()[1] == "served"}
    embedder = LocalEmbedder()
    rows: list[Aside] = []
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            if pair.id not in served or not (pair.a.history and pair.b.history):
                continue
            spans, structural = asides_of(pair)
            if spans:
                clause = " ".join(spans)
                said, asked, both = embedder.encode(
                    [normalise(text) for text in (clause, pair.b.prompt, f"{clause}\n{pair.b.prompt}")]
                )
                rows.append(Aside(name, pair, tuple(spans), structural, float(said @ asked), 1.0 - float(both @ asked)))
    print(f"{len(rows)} served pairs with an aside let through, {sum(not r.pair.same_answer for r in rows)} traps\n")
    print("| pair | trap | aside | question | structural | relatedness | moved |\n|---|---|---|---|---|---|---|")
    for row in sorted(rows, key=lambda r: -r.relatedness):
        trap = "" if row.pair.same_answer else "**trap**"
        cells = [row.pair.id, trap, " · ".join(row.spans), row.pair.b.prompt, "cut" if row.structural else ""]
        print(f"| {' | '.join(cells)} | {row.relatedness:.3f} | {row.moved:.3f} |")
    print("\n| held-out set | relatedness threshold chosen without it | traps cut | should-hits cut |")
    print("|---|---|---|---|")
    for name, threshold, traps, hits in loso(rows):
        print(f"| {name} | {'none' if threshold is None else f'{threshold:.3f}'} | {traps} | {hits} |")
    cut = [row for row in rows if row.structural]
    print(f"\nstructural (clause.bears_on): {sum(not r.pair.same_answer for r in cut)} traps cut, ", end="")
    print(f"{sum(r.pair.same_answer for r in cut)} should-hits cut")
    whole = _whole_turns(served)
    print(f"structural on whole user turns one side says (not built): {whole[False]} traps, {whole[True]} should-hits")
    ranked = sorted(rows, key=lambda r: -r.moved)
    ranks = [n for n, row in enumerate(ranked, 1) if not row.pair.same_answer]
    print(f"moved (the question with the clause before it, against the question alone): traps ranked {ranks}")


if __name__ == "__main__":
    main()
