"""A token-aligned judge of two conversations' earlier turns (in the spirit of BERTScore), measured leave-one-set-out.

The default embedder's ``last_hidden_state`` (the token vectors it mean-pools) is read for each side's user turns and
for its whole context; each content token (not a stop word, not punctuation) is aligned to its best match on the
other side (cosine). Per pair: the greedy-matched precision, recall and F1, and the spans of words one side says
with no token matched above a cut ("what one side says that the other does not"). Two uses are measured against
:func:`conversation.differs` as it is (the contexts' similarity is the cosine of their pooled embeddings, as a
lookup computes it; the rest of ``differs`` unchanged):

1. ``floor``: a pair refused as "about something else" (the cosine under ``CONTEXT_THRESHOLD``) whose alignment F1
   is at least the floor is judged as if the cosine had passed;
2. ``spans``: a pair refused as "the user's turns say something the other's do not" whose unmatched spans (both
   sides, the user turns', at a token cut) are each at most ``L`` words and carry no constraint, negation or
   correction word (``conversation._CONSTRAINT``, ``_CORRECTION``) is judged with that check off.

Each held-out set is judged at the values chosen on the other sets: for (1), ``MARGIN`` above the highest F1 of a trap
the floor would let through there (so no trap on them); for (2), the (cut, L) letting through the most should-hits
with no trap on them, and no trap either one step looser (the margin). Dev splits only; offline (the question's own
match and the turns' second chance of :mod:`nearhit.cache.turns` are not modelled: a pair it lets through is to be
confirmed end to end with ``conversation_misses.py``).

    PYTHONPATH=src:benchmarks python benchmarks/conversation_aligned.py            # the tables (~2 min)
    PYTHONPATH=src:benchmarks python benchmarks/conversation_aligned.py --show 0.9  # and each pair over F1 0.9
    PYTHONPATH=src:benchmarks python benchmarks/conversation_aligned.py --cost      # what it would cost a lookup
"""

from __future__ import annotations

import argparse
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import pairwise

import numpy as np

from conversation_vetoes import variant
from nearhit import evaluation
from nearhit.cache import conversation as cv
from nearhit.cache.keys import normalise
from nearhit.embeddings.base import l2_normalise
from nearhit.embeddings.local import LocalEmbedder, _load
from nearhit.evaluation.dataset import CONVERSATION_SETS, Pair
from nearhit.guards.lexicon import STOP_WORDS

MARGIN = 0.02
"""How far above the other sets' highest trap a held-out fold's F1 floor sits."""
CUTS = (0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7)
"""Token cosines under which a token has no match on the other side."""
LENGTHS = (1, 2, 3, 4, 5, 6, 8)
"""The most words of an unmatched span for it to be let through."""
_WORD = re.compile(r"\w")


@dataclass(frozen=True)
class Tokens:
    """A text's content tokens: their unit vectors and the word (index, text) each belongs to."""

    vectors: np.ndarray
    words: tuple[int, ...]
    texts: tuple[str, ...]


@dataclass
class Row:
    name: str
    pair: Pair
    reason: str
    similarity: float
    f1_context: float
    f1_user: float
    gated: bool  # differs passes once the cosine gate is passed
    spans: dict[float, list[str]]  # per cut: the user turns' unmatched spans, both sides
    relaxed: bool  # differs passes with the user-turn check off


def tokens_of(texts: list[str]) -> list[Tokens]:
    """Each text's content token vectors from the default embedder's last hidden state (one text a call)."""
    tokenizer, session = _load(None)
    out = []
    for text in texts:
        encoding = tokenizer.encode(text)
        feed = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        (hidden,) = session.run(["last_hidden_state"], feed)
        keep, words, names = [], [], []
        for n, (word, (start, end)) in enumerate(zip(encoding.word_ids, encoding.offsets, strict=True)):
            if word is None:
                continue
            whole = _word_text(text, encoding, word)
            if not _WORD.search(text[start:end]) or whole.casefold() in STOP_WORDS:
                continue
            keep.append(n)
            words.append(word)
            names.append(whole)
        out.append(Tokens(l2_normalise(hidden[0, keep]), tuple(words), tuple(names)))
    return out


def _word_text(text: str, encoding: object, word: int) -> str:
    span = encoding.word_to_chars(word)  # type: ignore[attr-defined]
    return text[span[0] : span[1]] if span else ""


def f1(a: Tokens, b: Tokens) -> float:
    if not len(a.words) or not len(b.words):
        return 0.0
    s = a.vectors @ b.vectors.T
    recall, precision = float(s.max(axis=1).mean()), float(s.max(axis=0).mean())
    return 2 * recall * precision / max(recall + precision, 1e-9)


def unmatched(a: Tokens, b: Tokens, cut: float) -> list[str]:
    """The runs of ``a``'s words none of whose tokens match a token of ``b`` at ``cut`` or more."""
    if not len(a.words):
        return []
    best = (a.vectors @ b.vectors.T).max(axis=1) if len(b.words) else np.zeros(len(a.words))
    matched = {w for w, score in zip(a.words, best, strict=True) if score >= cut}
    names = dict(zip(a.words, a.texts, strict=True))
    spans: list[list[int]] = []
    for word in sorted(names):
        if word in matched:
            continue
        if spans and word - spans[-1][-1] <= 1:
            spans[-1].append(word)
        else:
            spans.append([word])
    return [" ".join(names[w] for w in span) for span in spans]


def bears(span: str) -> bool:
    """Whether an unmatched span says a constraint, a negation or a correction."""
    folded = span.casefold()
    return bool(cv._CONSTRAINT.search(folded) or cv._CORRECTION.search(folded))


def rows() -> list[Row]:
    pairs = []
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            query = cv.context_of(pair.b.history, pair.b.prompt)
            cached = cv.context_of(pair.a.history, pair.a.prompt)
            if query is not None and cached is not None and cv.comparable(query) and cv.comparable(cached):
                pairs.append((name, pair, query, cached))
    embedder = LocalEmbedder()
    texts = sorted({normalise(c.text) for _, _, q, k in pairs for c in (q, k)})
    pooled = dict(zip(texts, embedder.encode(texts), strict=True))
    whole = sorted({c.text for _, _, q, k in pairs for c in (q, k)})
    user = sorted({cv._said_by(c, "user") for _, _, q, k in pairs for c in (q, k)})
    tokens = dict(zip(whole, tokens_of(whole), strict=True))
    said = dict(zip(user, tokens_of(user), strict=True))
    out = []
    for name, pair, query, cached in pairs:
        similarity = float(pooled[normalise(query.text)] @ pooled[normalise(cached.text)])
        reason = cv.differs(pair.b.prompt, query, cached, similarity, pair.a.prompt) or ""
        gated = cv.differs(pair.b.prompt, query, cached, max(similarity, cv.CONTEXT_THRESHOLD), pair.a.prompt) is None
        with variant({"_changed_by_user": lambda *_, **__: None}):
            relaxed = cv.differs(pair.b.prompt, query, cached, similarity, pair.a.prompt) is None
        mine, theirs = said[cv._said_by(query, "user")], said[cv._said_by(cached, "user")]
        spans = {cut: unmatched(mine, theirs, cut) + unmatched(theirs, mine, cut) for cut in CUTS}
        f1_context = f1(tokens[query.text], tokens[cached.text])
        out.append(Row(name, pair, reason, similarity, f1_context, f1(mine, theirs), gated, spans, relaxed))
    return out


def floor_passes(rows: Iterable[Row], floor: float, which: str) -> list[Row]:
    return [r for r in rows if getattr(r, which) >= floor]


def loso_floor(all_rows: list[Row], which: str, cut: float | None = None) -> None:
    """(1) at a floor chosen leave-one-set-out; with ``cut``, only pairs with no unmatched span at that token cut
    that carries a constraint, negation or correction word (:func:`bears`)."""
    extra = f", and no unmatched span at {cut} bears a constraint" if cut is not None else ""
    print(f"\n#### (1) F1 floor on {which}: a pair under CONTEXT_THRESHOLD let through at F1 >= floor{extra}\n")
    candidates = [
        r
        for r in all_rows
        if r.reason.startswith(cv.ABOUT_ELSE)
        and r.gated
        and (cut is None or not any(bears(span) for span in r.spans[cut]))
    ]
    hits = sorted(getattr(r, which) for r in candidates if r.pair.same_answer)
    traps = sorted(getattr(r, which) for r in candidates if not r.pair.same_answer)
    print(f"refused under the threshold and passed by the rest of differs: {len(hits)} should-hits, {len(traps)} traps")
    print(f"F1 should-hits q1/med/q3/max: {_quartiles(hits)}; traps: {_quartiles(traps)}")
    print(f"AUC (should-hit over trap): F1 {_auc(candidates, which):.3f}, the contexts' cosine ", end="")
    print(f"{_auc(candidates, 'similarity'):.3f}")
    print("\n| held out | floor (others' highest trap + margin) | should-hits added | traps added |\n|---|---|---|---|")
    total = [0, 0]
    for name in CONVERSATION_SETS:
        others = [getattr(r, which) for r in candidates if r.name != name and not r.pair.same_answer]
        floor = max(others, default=0.0) + MARGIN
        got = floor_passes((r for r in candidates if r.name == name), floor, which)
        added = [sum(r.pair.same_answer for r in got), sum(not r.pair.same_answer for r in got)]
        total = [total[0] + added[0], total[1] + added[1]]
        print(f"| {name} | {floor:.3f} | {added[0]} | {added[1]} |")
    print(f"| pooled over the left-out folds | | **{total[0]}** | **{total[1]}** |")


def span_passes(rows: Iterable[Row], cut: float, length: int) -> list[Row]:
    return [
        r
        for r in rows
        if r.reason.startswith(cv.SAID_MORE)
        and r.relaxed
        and all(len(span.split()) <= length and not bears(span) for span in r.spans[cut])
    ]


def loso_spans(all_rows: list[Row]) -> None:
    print("\n#### (2) short unmatched spans with no constraint word relax SAID_MORE\n")
    candidates = [r for r in all_rows if r.reason.startswith(cv.SAID_MORE)]
    relaxed = [r for r in candidates if r.relaxed]
    print(
        f"refused as said-more: {sum(r.pair.same_answer for r in candidates)} should-hits, "
        f"{sum(not r.pair.same_answer for r in candidates)} traps; passed by the rest of differs with that check "
        f"off: {sum(r.pair.same_answer for r in relaxed)} / {sum(not r.pair.same_answer for r in relaxed)}"
    )
    print("\npooled, every (cut, L): should-hits / traps let through\n")
    print("| cut | " + " | ".join(f"L={n}" for n in LENGTHS) + " |\n|---|" + "---|" * len(LENGTHS))
    for cut in CUTS:
        cells = []
        for length in LENGTHS:
            got = span_passes(relaxed, cut, length)
            cells.append(f"{sum(r.pair.same_answer for r in got)}/{sum(not r.pair.same_answer for r in got)}")
        print(f"| {cut:.2f} | " + " | ".join(cells) + " |")
    print("\n| held out | (cut, L) | should-hits added | traps added |\n|---|---|---|---|")
    total = [0, 0]
    for name in CONVERSATION_SETS:
        others = [r for r in relaxed if r.name != name]
        best: tuple[int, float, int] | None = None
        for i, cut in enumerate(CUTS):
            for j, length in enumerate(LENGTHS):
                looser = span_passes(others, CUTS[max(i - 1, 0)], LENGTHS[min(j + 1, len(LENGTHS) - 1)])
                got = span_passes(others, cut, length)
                if any(not r.pair.same_answer for r in looser + got):
                    continue
                gain = sum(r.pair.same_answer for r in got)
                if gain and (best is None or gain > best[0]):
                    best = (gain, cut, length)
        if best is None:
            print(f"| {name} | none | 0 | 0 |")
            continue
        got = span_passes((r for r in relaxed if r.name == name), best[1], best[2])
        added = [sum(r.pair.same_answer for r in got), sum(not r.pair.same_answer for r in got)]
        total = [total[0] + added[0], total[1] + added[1]]
        print(f"| {name} | ({best[1]:.2f}, {best[2]}) | {added[0]} | {added[1]} |")
    print(f"| pooled over the left-out folds | | **{total[0]}** | **{total[1]}** |")


def _auc(rows: list[Row], which: str) -> float:
    hits = [getattr(r, which) for r in rows if r.pair.same_answer]
    traps = [getattr(r, which) for r in rows if not r.pair.same_answer]
    wins = sum((h > t) + 0.5 * (h == t) for h in hits for t in traps)
    return wins / max(len(hits) * len(traps), 1)


def _quartiles(values: list[float]) -> str:
    if not values:
        return "-"
    q = np.quantile(values, [0.25, 0.5, 0.75, 1.0])
    return "/".join(f"{v:.3f}" for v in q)


def show(all_rows: list[Row], floor: float) -> None:
    for r in all_rows:
        if r.reason.startswith((cv.ABOUT_ELSE, cv.SAID_MORE)) and max(r.f1_context, r.f1_user) >= floor:
            kind = "hit " if r.pair.same_answer else "TRAP"
            print(f"{kind} {r.name} {r.pair.id} cos {r.similarity:.3f} F1 ctx {r.f1_context:.3f} user {r.f1_user:.3f}")
            print(f"     {r.reason[:100]}")
            print(f"     unmatched @0.5: {r.spans[0.5]}")


def cost() -> None:
    """What the judge would cost a lookup: the cached side's token vectors stored (int8: bytes an entry) or
    computed again (one embedding of the cached context, CPU), and the alignment itself (CPU)."""
    contexts = []
    for name in CONVERSATION_SETS:
        for pair in evaluation.load(name, "dev"):
            found = cv.context_of(pair.a.history, pair.a.prompt)
            if found is not None:
                contexts.append(found.text)
    texts = sorted(set(contexts))
    embedder = LocalEmbedder()
    embedder.encode(texts[:8])
    started = time.process_time()
    for text in texts:
        embedder.encode([normalise(text)])
    embed_ms = (time.process_time() - started) / len(texts) * 1e3
    started = time.process_time()
    found = tokens_of(texts)
    tokens_ms = (time.process_time() - started) / len(texts) * 1e3
    counts = np.array([len(t.words) for t in found])
    started = time.process_time()
    for a, b in pairwise(found):
        f1(a, b)
        unmatched(a, b, 0.5)
    align_ms = (time.process_time() - started) / (len(found) - 1) * 1e3
    q = np.quantile(counts, [0.5, 0.95, 1.0])
    print(f"{len(texts)} dev stored contexts; content tokens p50/p95/max {q[0]:.0f}/{q[1]:.0f}/{q[2]:.0f}")
    print(f"int8 token vectors an entry, p50/p95/max: {' / '.join(f'{n * 384 / 1024:.1f} KiB' for n in q)}")
    print(f"one cached context embedded again, CPU ms: {embed_ms:.2f} (pooled), {tokens_ms:.2f} (token vectors)")
    print(f"alignment (F1 and the unmatched spans at one cut), CPU ms a pair: {align_ms:.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=float, help="print each refused pair with an F1 at least this")
    parser.add_argument("--cost", action="store_true", help="only what the judge would cost a lookup")
    args = parser.parse_args()
    if args.cost:
        cost()
        return
    started = time.process_time()
    all_rows = rows()
    refused = [r for r in all_rows if r.reason]
    print(f"{len(all_rows)} dev pairs with a context on both sides; {len(refused)} refused offline; ", end="")
    print(f"CPU {time.process_time() - started:.0f} s")
    for which in ("f1_context", "f1_user"):
        loso_floor(all_rows, which)
        loso_floor(all_rows, which, cut=0.5)
    loso_spans(all_rows)
    if args.show is not None:
        show(all_rows, args.show)


if __name__ == "__main__":
    main()
