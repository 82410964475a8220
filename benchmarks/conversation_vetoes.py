"""Vetoes for the conversation context gate tried offline: the should-hits and traps each would cut of those served.

Reads a ``conversation_misses.py --pairs`` run, and for each pair it served with earlier turns on both sides calls
:func:`conversation.differs` on the two histories (user and assistant turns, read from the dev items; the contexts'
similarity taken as 1.0: each was served), as shipped and then with one variant of the checks. A pair a variant
refuses and the shipped checks do not would be cut (a veto adds no hit). An approximation of the live path (which
also splits statements out of the last message and reads other paths): confirm a variant end to end. Dev only.

    python benchmarks/conversation_misses.py --pairs base.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_vetoes.py base.txt
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Callable, Iterator

from nearhit import evaluation
from nearhit.cache import conversation as cv
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair, Side


def _no_aside(*_: object) -> bool:
    return False


def _thing_first(span: list[str], mine: str, theirs: str) -> bool:
    """:func:`conversation._describes_thing` with the first person read only in a sentence's first two words."""
    for sentence in cv._SENTENCE_END.split(mine) + cv._SENTENCE_END.split(theirs):
        words = cv._WORDS.findall(sentence.casefold())
        opening = {word.split("'")[0] for word in words[:2]}
        if len(words) >= cv.SHORT_SENTENCE and not cv._FIRST_PERSON.intersection(opening) and cv._contains(span, words):
            return True
    return False


def _negation(query: cv.Context, cached: cv.Context) -> str | None:
    mine, theirs = (set(cv._tokens(cv._affirmed(c))) & cv._NEGATIONS for c in (query, cached))
    return "a negation on one side" if bool(mine) != bool(theirs) else None


def _states_more(query: cv.Context, cached: cv.Context) -> str | None:
    return cv.states_more(cv._affirmed(query), cv._affirmed(cached), added_times=False)


def _name_added(query: cv.Context, cached: cv.Context) -> str | None:
    mine, theirs = (cv._said_by(c, "user") for c in (query, cached))
    a, b = cv.analyse(mine).entities, cv.analyse(theirs).entities
    only_a, only_b = cv._unabbreviated(*cv._unclipped(a - b, b - a), mine, theirs)
    return "a name on one side" if only_a or only_b else None


Extra = Callable[[cv.Context, cv.Context], str | None]
VARIANTS: dict[str, tuple[dict[str, object], Extra | None]] = {
    "no aside inside a turn": ({"_aside": _no_aside}, None),
    "a sentence about a thing: first person only in its first two words": ({"_describes_thing": _thing_first}, None),
    "a negation on one side's user turns only": ({}, _negation),
    "states_more on the user turns": ({}, _states_more),
    "a name one side's user turns add": ({}, _name_added),
}


@contextlib.contextmanager
def variant(replaced: dict[str, object]) -> Iterator[None]:
    kept = {name: getattr(cv, name) for name in replaced}
    for name, value in replaced.items():
        setattr(cv, name, value)
    try:
        yield
    finally:
        for name, value in kept.items():
            setattr(cv, name, value)


def _context(side: Side) -> cv.Context:
    return cv.Context(tuple((role, text) for role, text in side.history if role in ("user", "assistant")))


def refused(pair: Pair, extra: Extra | None) -> bool:
    query, cached = _context(pair.b), _context(pair.a)
    if cv.differs(pair.b.prompt, query, cached, 1.0, pair.a.prompt) is not None:
        return True
    return extra is not None and extra(query, cached) is not None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("pairs", help="a conversation_misses.py --pairs file")
    args = parser.parse_args()
    pairs = {pair.id: pair for name in CONVERSATION_SETS for pair in evaluation.load(name, "dev")}
    with open(args.pairs, encoding="utf-8") as lines:
        ids = [line.split()[0] for line in lines if line.split()[1] == "served"]
    both = [pairs[i] for i in ids if pairs[i].a.history and pairs[i].b.history]
    shipped = {pair.id for pair in both if refused(pair, None)}
    print(f"{len(both)} served pairs with earlier turns on both sides ({len(shipped)} refused offline as shipped)\n")
    print("| variant | should-hits cut | traps cut | traps |\n|---|---|---|---|")
    for name, (replaced, extra) in VARIANTS.items():
        with variant(replaced):
            cut = [pair for pair in both if pair.id not in shipped and refused(pair, extra)]
        traps = [pair for pair in cut if not pair.same_answer]
        row = [str(sum(pair.same_answer for pair in cut)), str(len(traps)), ", ".join(p.id for p in traps)]
        print(f"| {name} | {' | '.join(row)} |")


if __name__ == "__main__":
    main()
