"""Which representation of a conversation's LAST question separates a reworded follow-up from a trap (issue 14).

A follow-up says little by itself ("How do I activate it?"): the cache compares the last questions alone, and a
reworded one reads far less alike than two full questions do. For every pair of the conversation DEV splits whose
two sides both carry a context (as the service reads them) and whose contexts the cache matches today
(:func:`conversation.differs` at the context's similarity, then :func:`conversation.other_referent`: the
candidate is found), each candidate's cosine between the ``a`` and ``b`` sides, with the default embedder:

- ``a alone``: the last question alone (what is compared today);
- ``b resolved``: the last question with its pronoun ("it", "that", "them") replaced by the content words of the
  user's previous turn: a referent resolved offline, word for word (the LLM rewrite of
  :mod:`nearhit.cache.standalone` is off by default and cannot run here);
- ``c prev+q``: the user's previous turn, then the last question;
- ``c told``: every user turn, then the last question (:func:`conversation.told_as_one`, what the twins hold);
- ``d turns``: the user's earlier turns alone;
- ``e told-turns``: ``c told``'s vector less ``d turns``' (normalised): what the question adds to the story.

Per representation: quartiles, AUC, recall at the threshold where 1% / 3% of the traps pass, and the same chosen
leave-one-set-out; then, since the guards still judge the last questions, the same among the pairs the
conversation checks on the questions (:func:`conversation.states_more`, ``other_referent``) and the default guards
(at the question's own similarity) let through. ``today``: served by the question alone at today's floors (the
threshold, less the same-turns margin where it applies, or the quiet band). Dev splits only; the test splits and
every held-out file are never loaded. Then, among those pairs, the should-hits and traps each floor of a
representation adds beyond today's, and the floor of ``c told`` chosen leave-one-set-out. Last, invented pairs
written with other words than the dev sets' (:data:`INVENTED`): each story with a reworded follow-up and with
another question, their similarity alone and told, and whether the checks and guards pass them. Embeddings are
kept in ``--cache`` (a pickle) between runs.

    PYTHONPATH=src:benchmarks python benchmarks/followup_representations.py   # ~5 min on 2 shared cores
"""

from __future__ import annotations

import argparse
import asyncio
import pickle
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from conversation_retold import looked_up
from nearhit.cache import context_match
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.guards import GuardSet
from nearhit.guards.lexicon import STOP_WORDS

THRESHOLD = 0.76
"""The default similarity threshold."""
SHARES = (0.01, 0.03)
KINDS = ("a alone", "b resolved", "c prev+q", "c told", "d turns", "e told-turns")
_PRONOUN = re.compile(r"\b(it|that|this|them|those|these|one)\b", re.IGNORECASE)
_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class Row:
    set: str
    category: str
    should_hit: bool
    same_turns: bool
    checks: bool
    unvetoed: bool
    today: bool
    similarity: dict[str, float]


def _users(context: cv.Context) -> list[str]:
    return [content for role, content in context.turns if role == "user"]


def resolved(context: cv.Context, question: str) -> str:
    """``question`` with its first pronoun replaced by the content words of the user's previous turn."""
    users = _users(context)
    if not users:
        return question
    named = " ".join(w for w in _WORD.findall(users[-1].casefold()) if w not in STOP_WORDS)
    return _PRONOUN.sub(named, question, count=1) if named else question


def texts(context: cv.Context, question: str) -> list[str]:
    users = _users(context)
    return [
        question,
        resolved(context, question),
        "\n".join([*users[-1:], question]),
        cv.told_as_one(context, question),
        "\n".join(users),
    ]


class Vectors:
    """The default embedder's vectors, kept in a pickle of this run's own making between runs."""

    def __init__(self, path: Path) -> None:
        self.path, self.embedder = path, LocalEmbedder()
        self.kept: dict[str, np.ndarray] = pickle.loads(path.read_bytes()) if path.exists() else {}

    async def of(self, items: Sequence[str]) -> list[np.ndarray]:
        keys = [normalise(text) for text in items]
        todo = sorted({k for k in keys if k not in self.kept})
        if todo:
            for key, vector in zip(todo, await self.embedder.embed(todo), strict=True):
                self.kept[key] = np.asarray(vector, dtype=np.float32)
        return [self.kept[k] for k in keys]

    def save(self) -> None:
        self.path.write_bytes(pickle.dumps(self.kept))


def _unit(v: np.ndarray) -> np.ndarray:
    return v / (np.linalg.norm(v) or 1.0)


async def rows(sets: Sequence[str], vectors: Vectors, guards: GuardSet) -> list[Row]:
    found: list[Row] = []
    for name in sets:
        for pair in dataset.load(name, "dev"):
            (ca, qa), (cb, qb) = looked_up(pair.a), looked_up(pair.b)
            if ca is None or cb is None:
                continue
            va, vb = await vectors.of(texts(ca, qa)), await vectors.of(texts(cb, qb))
            xa, xb = await vectors.of([ca.text, cb.text])
            context = float(xa @ xb)
            if cv.differs(qb, cb, ca, context, qa) is not None or cv.other_referent(qb, qa) is not None:
                continue  # the candidate is not found: its context is another
            sim = {k: float(va[n] @ vb[n]) for n, k in enumerate(KINDS[:-1])}
            sim["e told-turns"] = float(_unit(va[3] - va[4]) @ _unit(vb[3] - vb[4]))
            same = context_match.same_turns(ca, cb)
            checks = cv.states_more(qb, qa) is None and cv.other_referent(qb, qa) is None
            unvetoed = checks and guards.first_rejection(qb, qa, sim["a alone"]) is None
            margin = context_match.SAME_TURNS_MARGIN if same and checks else 0.0
            quiet = sim["a alone"] >= THRESHOLD - guards.quiet_margin and guards.quiet(qb, qa)
            today = unvetoed and (sim["a alone"] >= THRESHOLD - margin or quiet)
            found.append(Row(name, pair.category, pair.same_answer, same, checks, unvetoed, today, sim))
    return found


def auc(hits: Sequence[float], traps: Sequence[float]) -> float:
    if not hits or not traps:
        return float("nan")
    h, t = np.asarray(hits)[:, None], np.asarray(traps)[None, :]
    return float(((h > t).sum() + 0.5 * (h == t).sum()) / (h.size * t.size))


def threshold_for(traps: Sequence[float], allowed: int) -> float:
    ordered = sorted(traps, reverse=True)
    return ordered[allowed] + 1e-9 if allowed < len(ordered) else -1.0


def served(rows: Sequence[Row], key: str, threshold: float) -> tuple[int, int]:
    through = [r for r in rows if r.similarity[key] >= threshold]
    return sum(r.should_hit for r in through), sum(not r.should_hit for r in through)


def loso(rows: Sequence[Row], key: str, share: float) -> tuple[int, int]:
    hits = traps = 0
    for name in sorted({r.set for r in rows}):
        rest = [r.similarity[key] for r in rows if r.set != name and not r.should_hit]
        threshold = threshold_for(rest, int(share * len(rest)))
        h, t = served([r for r in rows if r.set == name], key, threshold)
        hits, traps = hits + h, traps + t
    return hits, traps


def _q(values: Sequence[float]) -> str:
    return "/".join(f"{q:.2f}" for q in np.percentile(values, [25, 50, 75])) if values else "-"


def table(title: str, rows: Sequence[Row]) -> None:
    hits = [r for r in rows if r.should_hit]
    traps = [r for r in rows if not r.should_hit]
    today = [r for r in rows if r.today]
    print(
        f"\n{title}: {len(hits)} should-hits, {len(traps)} traps; today served "
        f"{sum(r.should_hit for r in today)}/{sum(not r.should_hit for r in today)}\n"
    )
    print("| representation | should-hit q1/med/q3 | trap q1/med/q3 | AUC | @1% | @3% | LOSO @1% | LOSO @3% |")
    print("|---|---|---|---|---|---|---|---|")
    for key in KINDS:
        h, t = [r.similarity[key] for r in hits], [r.similarity[key] for r in traps]
        cells = [key, _q(h), _q(t), f"{auc(h, t):.3f}"]
        for share in SHARES:
            threshold = threshold_for(t, int(share * len(t)))
            cells.append("{}/{} (≥{:.2f})".format(*served(rows, key, threshold), threshold))
        cells += ["{}/{}".format(*loso(rows, key, share)) for share in SHARES]
        print("| " + " | ".join(cells) + " |")


def floors(title: str, rows: Sequence[Row], key: str, values: Sequence[float]) -> None:
    """Should-hits and traps at or above each floor of ``key`` that today's rule does not already serve."""
    print(f"\n{title} ({key}; beyond today's)\n\n| at least | should-hits | traps |\n|---|---|---|")
    for floor in values:
        more = [r for r in rows if not r.today and r.similarity[key] >= floor]
        print(f"| {floor:.2f} | {sum(r.should_hit for r in more)} | {sum(not r.should_hit for r in more)} |")


STORIES = {
    "dog": "I just adopted a rescue greyhound who is very nervous around strangers.",
    "dough": "My sourdough starter smells like nail polish remover.",
    "piano": "I bought a second-hand electric piano with a few sticky keys.",
    "boat": "We're taking our small sailing dinghy out on the estuary this Saturday.",
    "loft": "I'm converting the loft of our 1930s semi into a bedroom.",
    "bike": "The rear derailleur on my road bike keeps skipping gears.",
    "visa": "My brother is visiting me in Canada from India for a month.",
    "sheet": "I have a spreadsheet of 5,000 customer emails with lots of duplicates.",
    "fish": "I set up a 60-litre freshwater aquarium last week.",
    "speech": "I'm giving a speech at my sister's wedding next month.",
}
INVENTED = (
    ("dog", "How can I help him relax?", "What can I do to make him calmer?", "How do I stop him pulling on the lead?"),
    ("dough", "How do I fix it?", "What should I do to get it back to normal?", "Can I freeze it?"),
    (
        "piano",
        "How do I clean them?",
        "What's the safest way to get the gunk off the keys?",
        "Is it worth getting it serviced?",
    ),
    (
        "boat",
        "What should we check before launching?",
        "Anything we need to inspect before we put in the water?",
        "What should we do if we capsize?",
    ),
    ("loft", "Do I need planning permission?", "Will the council have to approve it?", "How much will it cost?"),
    (
        "bike",
        "How do I adjust it?",
        "What's the way to tune the derailleur so it stops jumping?",
        "Should I replace the chain?",
    ),
    (
        "visa",
        "What documents does he need?",
        "Which papers should he bring for the application?",
        "Can he work while he's here?",
    ),
    (
        "sheet",
        "How do I remove them?",
        "What's the quickest way to get rid of the repeated rows?",
        "How do I sort them alphabetically?",
    ),
    (
        "fish",
        "When can I add fish?",
        "How long should I wait before putting fish in?",
        "How often should I change the water?",
    ),
    ("speech", "How long should it be?", "How many minutes should I aim to talk for?", "Should I include jokes?"),
)
"""Invented stories (one user turn), each with a question, a rewording of it and another question about the story."""


async def invented(vectors: Vectors, guards: GuardSet) -> None:
    print("\nInvented pairs\n\n| kind | alone | told | checks and guards | stored / asked |\n|---|---|---|---|---|")
    for story, stored, reworded, other in INVENTED:
        context = cv.Context((("user", STORIES[story]),))
        for kind, asked in (("rewording", reworded), ("other question", other)):
            a, b, ta, tb = await vectors.of(
                [stored, asked, cv.told_as_one(context, stored), cv.told_as_one(context, asked)]
            )
            alone = float(a @ b)
            said = cv.states_more(asked, stored) or cv.other_referent(asked, stored)
            veto = guards.first_rejection(asked, stored, alone)
            verdict = said or (f"{veto.guard} vetoes" if veto else "pass")
            print(f"| {kind} | {alone:.2f} | {float(ta @ tb):.2f} | {verdict} | {stored} / {asked} |")


TOLD_FLOORS = (0.95, 0.93, 0.9, 0.88, 0.87, 0.85, 0.83, 0.8, 0.78, 0.75, 0.7)


def told_loso(rows: Sequence[Row]) -> None:
    """The floor of ``c told`` chosen on the other sets (should-hits less three per trap beyond today's, among the
    pairs the checks and guards pass), read on the set left out."""

    def beyond(part: Sequence[Row], floor: float) -> tuple[int, int]:
        more = [r for r in part if r.unvetoed and not r.today and r.similarity["c told"] >= floor]
        return sum(r.should_hit for r in more), sum(not r.should_hit for r in more)

    def gain(part: Sequence[Row], floor: float) -> int:
        hits, traps = beyond(part, floor)
        return hits - 3 * traps

    print("\n| left out | floor chosen | beyond today at it (should-hits, traps) |\n|---|---|---|")
    for name in sorted({r.set for r in rows}):
        rest = [r for r in rows if r.set != name]
        chosen = max(TOLD_FLOORS, key=lambda f: (gain(rest, f), f))
        print(f"| {name} | {chosen:.2f} | {beyond([r for r in rows if r.set == name], chosen)} |")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/followup_vectors.pickle"))
    args = parser.parse_args()
    vectors = Vectors(args.cache)
    found = await rows(dataset.CONVERSATION_SETS, vectors, GuardSet.default())
    vectors.save()
    reworded = ("reworded_question", "reworded_history")
    mine = [r for r in found if not r.should_hit or r.category in reworded]
    table("Contexts matched: reworded should-hits against every trap", mine)
    table("... the same turns only", [r for r in mine if r.same_turns])
    table("... other (matched) turns only", [r for r in mine if not r.same_turns])
    passing = [r for r in mine if r.unvetoed]
    table("Contexts matched, the question checks and guards pass", passing)
    for key in ("c told", "c prev+q", "b resolved", "e told-turns"):
        floors("Contexts matched, checks and guards pass", passing, key, TOLD_FLOORS)
    told_loso(found)
    await invented(vectors, GuardSet.default())
    vectors.save()


if __name__ == "__main__":
    asyncio.run(main())
