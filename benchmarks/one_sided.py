"""Words only one side says: the entity guard's one-sided vetoes, should-hits against traps (issue 13).

The entity guard vetoes a pair when a subject word sits on one side only. Two kinds of pair meet there: a
rewording that adds a word ("When can I go *back* to eating ...", "Which foods *commonly* trigger ...") and
an added constraint ("... for a *toddler*", "... on *Windows*"). For every DEV pair of the question sets (the
test split is never loaded) that the entity guard vetoes in the band (similarity >= the threshold less the
quiet margin) with subject words on ONE side only (its reason "'x', 'y' vs nothing"), each candidate signal
is measured:

- ``deletion``: the cosine between the side with its one-sided words deleted and the side as written (the
  embedder's own input, one extra embedding): an added constraint moves the sentence, a filler barely does;
- ``away``: how much further from the other side the deletion takes it (cosine before less cosine after;
  higher: the other side already says what the words say, in other words);
- ``pair``: the pair's own similarity, the baseline any signal must beat;
- ``share``: the one-sided words' share of the side's content words (fewer, the likelier a filler);
- ``where``: in the question clause, or told around it (backstory, a sentence after, :mod:`guards.clauses`);
- ``kind``: what the word looks like by its ending and its place, no word list: after a preposition
  (a thing a constraint names: "for a toddler"), an adverb ("-ly"), a verb form ("-ing", "-ed"), an
  adjective's ending, else a noun/other;
- ``reworded``: the other side has words of its own too (stop words counted), not a pure addition.

Per numeric signal: quartiles, ROC-AUC, and the should-hits a lifted veto would gain at 0, 1 and 2 traps
(pooled, and leave-one-set-out: each set's cut chosen on the others). Gains count only the pairs the default
would serve with this veto lifted (no other guard vetoes and the similarity reaches the threshold: a lifted
signal still under the cut is no quiet pair). Categorical signals: should-hits and traps per value. Then the
two-signal rule (``deletion`` and ``away``) fitted pooled and left set by set, alone and within two structural
restrictions (``RESTRICTIONS``), with what its cuts would pick in the whole pool; and the extra embedding's
latency (one text, alone).

    PYTHONPATH=src .venv/bin/python benchmarks/one_sided.py              # twelve question dev splits, ~6 min
    PYTHONPATH=src .venv/bin/python benchmarks/one_sided.py --show       # and each one-sided veto
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from nearhit import evaluation
from nearhit.cache.keys import normalise
from nearhit.config import load_settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.guards import GUARD_NAMES, GuardSet
from nearhit.guards.clauses import split_question
from nearhit.guards.content import content_words
from nearhit.guards.languages import prepositions_of
from nearhit.guards.text import analyse, expand_short_forms
from veto_signals import best_cut, loso, signal_cells, signal_header, unshared_of

SETS = ("questions", "nearhit", *(f"nearhit-v{n}" for n in range(2, 12)))
NUMERIC = ("deletion", "away", "pair", "share")
BUDGETS = (0, 1, 2)
LATENCY_MS: list[float] = []  # one deleted side embedded alone, per one-sided veto
_DETERMINERS = frozenset({"a", "an", "the", "my", "your", "his", "her", "its", "our", "their", "this", "that", "some"})
_ADJECTIVE_ENDINGS = ("al", "ive", "ous", "ary", "able", "ible", "ful", "less", "ic")


@dataclass(frozen=True)
class OneSided:
    """One vetoed dev pair with subject words on one side only: its set, label, whether lifting the veto
    would serve it, its numeric signals and its categorical ones."""

    name: str
    should_hit: bool
    lifted: bool
    values: dict[str, float]
    where: str
    kind: str
    shown: str
    reworded: bool = False  # the other side has words of its own too (stop words counted): not a pure addition


def deleted(text: str, words: Sequence[str]) -> str:
    """``text`` with the first occurrence of each of ``words`` (whole words, any case) taken out."""
    for word in words:
        text = re.sub(rf"(?<!\w){re.escape(word)}(?!\w)", "", text, count=1, flags=re.IGNORECASE)
    return re.sub(r"\s+", " ", text).strip()


def kind_of(tokens: Sequence[str], at: int, prepositions: frozenset[str]) -> str:
    """What the word at ``at`` looks like, by its place and ending: after a preposition (determiners and
    numbers skipped), an adverb, a verb form, an adjective, else a noun or other."""
    before = at - 1
    while before >= 0 and (tokens[before] in _DETERMINERS or tokens[before][:1].isdigit()):
        before -= 1
    token = tokens[at]
    if before >= 0 and tokens[before] in prepositions:
        return "after a preposition"
    if token.endswith("ly") and len(token) > 4:
        return "adverb (-ly)"
    if token.endswith(("ing", "ed")) and len(token) > 4:
        return "verb form (-ing/-ed)"
    if token.endswith(_ADJECTIVE_ENDINGS) and len(token) > 5:
        return "adjective ending"
    return "noun/other"


def _where(text: str, tokens: Sequence[str]) -> str:
    clauses = split_question(text)
    if not clauses.backstory:
        return "lone question"
    question = set(analyse(clauses.question).tokens)
    return "question clause" if any(t in question for t in tokens) else "around the question"


def one_sided(reason: str, query: str, candidate: str, asked: str, cached: str) -> tuple[bool, list[str]] | None:
    """From an entity veto's reason: whether the one-sided words are the query's (else the candidate's), and
    those words as the side writes them; ``None`` when both sides have some (a swap) or it names names."""
    if not reason.startswith("different subject"):
        return None
    only_q, only_c = unshared_of(reason)
    if bool(only_q) == bool(only_c):
        return None
    text = analyse(query if only_q else candidate)
    wanted = set(only_q or only_c)
    return bool(only_q), [t for t, s in zip(text.tokens, text.stems, strict=True) if {t, s} & wanted]


def measure(names: Sequence[str], embedder: LocalEmbedder, full: GuardSet, others: GuardSet) -> list[OneSided]:
    settings = load_settings()
    threshold, margin = settings.similarity_threshold, full.quiet_margin
    found: list[OneSided] = []
    for name in names:
        pairs = evaluation.load(name, "dev")
        cached = [expand_short_forms(normalise(p.a.prompt)) for p in pairs]
        asked = [expand_short_forms(normalise(p.b.prompt)) for p in pairs]
        a, b = embedder.encode(cached), embedder.encode(asked)
        rows: list[tuple[str, str, str, bool, bool, float, float, str, str, str, bool]] = []
        for n, (pair, cosine) in enumerate(zip(pairs, (a * b).sum(axis=1), strict=True)):
            similarity = float(cosine)
            query, candidate = pair.b.prompt, pair.a.prompt
            vetoed = full.first_rejection(query, candidate, similarity)
            if similarity < threshold - margin or vetoed is None or vetoed.guard != "entities":
                continue
            read = one_sided(vetoed.reason, query, candidate, asked[n], cached[n])
            if read is None:
                continue
            of_query, tokens = read
            side, written, other = (query, asked[n], cached[n]) if of_query else (candidate, cached[n], asked[n])
            text = analyse(side)
            at = [i for i, t in enumerate(text.tokens) if t in tokens]
            kinds = {kind_of(text.tokens, i, prepositions_of(text)) for i in at}
            kind = "after a preposition" if "after a preposition" in kinds else min(kinds, default="noun/other")
            content = len(content_words(text)) or 1
            blocked = others.first_rejection(query, candidate, similarity)
            lifted = blocked is None and similarity >= threshold
            shown = f"{name} {pair.category} {similarity:.3f} {vetoed.reason}\n  a: {candidate}\n  b: {query}"
            share = len(set(tokens)) / content
            row = (written, deleted(written, tokens), other, pair.same_answer, lifted, similarity, share)
            reworded = bool(set(analyse(candidate if of_query else query).tokens) - set(text.tokens))
            rows.append((*row, _where(side, tokens), kind, shown, reworded))
        if not rows:
            continue
        for r in rows:  # what the signal would add to a miss: one more embedding, alone
            started = time.perf_counter()
            embedder.encode([r[1] or "-"])
            LATENCY_MS.append(1000 * (time.perf_counter() - started))
        whole = embedder.encode([r[0] for r in rows])
        cut = embedder.encode([r[1] or "-" for r in rows])
        other_side = embedder.encode([r[2] for r in rows])
        for row, w, d, o in zip(rows, whole, cut, other_side, strict=True):
            _, _, _, hit, lifted, similarity, share, where, kind, shown, reworded = row
            values = {
                "deletion": float(w @ d),
                "away": float(w @ o) - float(d @ o),
                "pair": similarity,
                "share": -share,  # higher: fewer one-sided words, the likelier a filler
            }
            found.append(OneSided(name, hit, lifted, values, where, kind, shown, reworded))
    return found


def lifts(values: dict[str, float], cuts: tuple[float, float]) -> bool:
    """The two-signal rule: the words barely move their side (``deletion`` at or above the first cut) and
    taking them out brings it no nearer the other side (``away`` at or above the second)."""
    return values["deletion"] >= cuts[0] and values["away"] >= cuts[1]


def best_rule(items: Sequence[OneSided], budget: int) -> tuple[tuple[float, float], int, int]:
    """The rule's cuts gaining most should-hits with at most ``budget`` traps (ties: the stricter cuts)."""
    best: tuple[tuple[float, float], int, int] = ((float("inf"), float("inf")), 0, 0)
    deletions = sorted({v.values["deletion"] for v in items}, reverse=True)
    aways = sorted({v.values["away"] for v in items}, reverse=True)
    for d in deletions:
        for c in aways:
            chosen = [v for v in items if lifts(v.values, (d, c))]
            hits = sum(v.should_hit for v in chosen)
            if len(chosen) - hits <= budget and hits > best[1]:
                best = ((d, c), hits, len(chosen) - hits)
    return best


def rule_table(items: Sequence[OneSided]) -> str:
    """The rule fitted pooled and left set by set, on the lifted pool; and what it would lift in the whole
    pool (the traps it picks that another guard catches today: its exposure on a set those guards miss)."""
    lifted = [v for v in items if v.lifted]
    lines = [
        "| rule (deletion >= d and away >= c) | budget | cuts | lifted pool: hits/traps | "
        "LOSO: hits/traps | whole pool at the pooled cuts: hits/traps |",
        "|---|---|---|---|---|---|",
    ]
    for budget in BUDGETS:
        cuts, hits, traps = best_rule(lifted, budget)
        held_hits = held_traps = 0
        for name in sorted({v.name for v in lifted}):
            train, _, _ = best_rule([v for v in lifted if v.name != name], budget)
            held = [v for v in lifted if v.name == name and lifts(v.values, train)]
            held_hits += sum(v.should_hit for v in held)
            held_traps += sum(not v.should_hit for v in held)
        whole = [v for v in items if lifts(v.values, cuts)]
        whole_hits = sum(v.should_hit for v in whole)
        lines.append(
            f"| | {budget} | {cuts[0]:.3f}, {cuts[1]:+.4f} | {hits}/{traps} | {held_hits}/{held_traps} | "
            f"{whole_hits}/{len(whole) - whole_hits} |"
        )
    return "\n".join(lines)


RESTRICTIONS: dict[str, Callable[[OneSided], bool]] = {
    "a word that is no preposition's object": lambda v: v.kind != "after a preposition",
    "pairs the other side rewords too": lambda v: v.reworded,
}
"""Structural conditions tried with the embedder's signals: the word's kind, and not a pure addition."""


def restricted(items: Sequence[OneSided], keep: Callable[[OneSided], bool]) -> str:
    """The single signals' gains and the rule, within the pairs ``keep`` admits (both pools filtered)."""
    sub = [v for v in items if keep(v)]
    lifted = [v for v in sub if v.lifted]
    hits, lifted_hits = sum(v.should_hit for v in sub), sum(v.should_hit for v in lifted)
    lines = [
        f"{hits} should-hits, {len(sub) - hits} traps; lifted {lifted_hits}/{len(lifted) - lifted_hits}",
        "",
        "| signal | budget | pooled gain: hits/traps (cut) | LOSO: hits/traps | whole pool at the cut: hits/traps |",
        "|---|---|---|---|---|",
    ]
    for key in ("deletion", "away"):
        for budget in BUDGETS[:2]:
            cut, gained, let = best_cut([(v.values[key], v.should_hit) for v in lifted], budget)
            whole = [v for v in sub if v.values[key] >= cut]
            whole_hits = sum(v.should_hit for v in whole)
            held = "{}/{}".format(*loso(lifted, key, budget))
            lines.append(
                f"| {key} | {budget} | {gained}/{let} ({cut:.4f}) | {held} | {whole_hits}/{len(whole) - whole_hits} |"
            )
    return "\n".join(lines) + "\n\n" + rule_table(sub)


def table(items: Sequence[OneSided]) -> str:
    lifted = [v for v in items if v.lifted]
    hits = sum(v.should_hit for v in items)
    lifted_hits = sum(v.should_hit for v in lifted)
    lines = [
        f"one-sided entity vetoes in the band: {hits} should-hits, {len(items) - hits} traps; "
        f"served if lifted: {lifted_hits} should-hits, {len(lifted) - lifted_hits} traps",
        "",
        *signal_header("signal", BUDGETS),
    ]
    lines += ["| " + " | ".join(signal_cells(items, lifted, key, BUDGETS)) + " |" for key in NUMERIC]
    for attribute in ("where", "kind", "reworded"):
        lines += ["", f"| {attribute} | should-hits (lifted) | traps (lifted) |", "|---|---|---|"]
        values = sorted({getattr(v, attribute) for v in items})
        for value in values:
            group = [v for v in items if getattr(v, attribute) == value]
            count = Counter((v.should_hit, v.lifted) for v in group)
            h, t = count[True, True] + count[True, False], count[False, True] + count[False, False]
            lines.append(f"| {value} | {h} ({count[True, True]}) | {t} ({count[False, True]}) |")
    lines += ["", "| set | should-hits (lifted) | traps (lifted) |", "|---|---|---|"]
    for name in dict.fromkeys(v.name for v in items):
        group = [v for v in items if v.name == name]
        h = sum(v.should_hit for v in group)
        lh = sum(v.should_hit and v.lifted for v in group)
        lt = sum(not v.should_hit and v.lifted for v in group)
        lines.append(f"| {name} | {h} ({lh}) | {len(group) - h} ({lt}) |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS), help="comma list of single-turn sets (dev split)")
    parser.add_argument("--show", action="store_true", help="print each one-sided veto with its signals")
    args = parser.parse_args()
    settings = load_settings()
    full = GuardSet.default(quiet_margin=settings.guards_quiet_margin)
    others = GuardSet.from_names([n for n in GUARD_NAMES if n != "entities"], quiet_margin=settings.guards_quiet_margin)
    items = measure(args.sets.split(","), LocalEmbedder(), full, others)
    print(table(items))
    print()
    print(rule_table(items))
    for label, keep in RESTRICTIONS.items():
        print(f"\nwithin {label}:\n")
        print(restricted(items, keep))
    p50, p99 = statistics.quantiles(LATENCY_MS, n=100)[49], statistics.quantiles(LATENCY_MS, n=100)[98]
    print(f"\nthe extra embedding (one text): p50 {p50:.1f} ms, p99 {p99:.1f} ms over {len(LATENCY_MS)}")
    if args.show:
        for v in sorted(items, key=lambda v: -v.values["deletion"]):
            label = "should-hit" if v.should_hit else "TRAP"
            signals = " ".join(f"{k} {x:.3f}" for k, x in v.values.items())
            print(f"{label} lifted={v.lifted} {signals} [{v.where}; {v.kind}] {v.shown}")


if __name__ == "__main__":
    main()
