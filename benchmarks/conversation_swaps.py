"""Context and detail swaps: which the rules' context stage lets through, which came near, and what structural
readings of the turns would refuse (issue 14, twenty-eighth session, helper cs30).

For each dev pair whose two sides both carry a context as the service reads them: the turns' cosine (the local
embedder, as the lookup embeds them), :func:`conversation.differs` at that cosine (the rules' context verdict) and
at 1.0 (what the checks after the cosine make of it: a trap refused only by the cosine, close under its floor, is one
rewording away from a wrong hit). Then readings, each a veto on a context the rules let through:

- ``slots``: the user's turns said in one frame with things exchanged in its slots (``exchanged.swapped_slots``,
  shipped): "making gluten-free shortbread with rice flour and cornflour" / "making a gluten-free sandwich loaf with
  rice flour and tapioca starch".
- ``named``: the thing the user's first turn names first, its first noun phrase after an article or a possessive
  (:func:`first_named`), on each side, read only when the question names nothing of its own (it points back at the
  turns: "how often should I clean it?"), compared as words are (form, synonym, shortening).
- ``unanchored``: under the turns' threshold, user turns that share no number, date or name (:func:`unanchored`);
  ``unanchored_one_turn``: the same, one user turn on each side in the same turns (every served swap's shape).
- with ``--rows``, two cosines: ``rest``, of what each side's user turns say that the other's do not
  (:func:`remainder`); ``apart``, of the user turns that differ where some are said word for word on both sides
  (:func:`differing_turns`: a long support chat with one stretch swapped). ``--table`` prints how far under a
  floor they put the swaps and the should-hits the rules pass.

Dev splits only: ``--sets fit`` (up to -v61 and fow-cache's), ``--sets validation`` (-v62 .. -v67); -v68 .. -v71 and
every test split are never loaded. Run ``--rows`` on the tree before ``swapped_slots`` (main 6f6c9d5) for ``slots``
to show what it adds: on a tree with it, the rules' verdict already counts it. ``--pairs``: a
``conversation_misses.py --pairs`` file, for which traps were served; ``--fired``: the ids a reading fires on, to
look up with ``conversation_misses.py --ids`` for which should-hits were.

    PYTHONPATH=src:benchmarks python benchmarks/conversation_swaps.py --sets fit --rows fit_rows.jsonl   # ~10 min
    PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --sets fit \
        --categories context_swap,detail_swap --pairs fit_swaps.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_swaps.py --table fit_rows.jsonl --pairs fit_swaps.txt \
        --fired fired.txt
    PYTHONPATH=src:benchmarks python benchmarks/conversation_misses.py --sets fit --ids fired.txt --pairs fired.txt
"""

from __future__ import annotations

import argparse
import asyncio
import json
from collections import Counter
from collections.abc import Callable, Sequence

from conversation_retold import compared, looked_up
from nearhit.cache import conversation as cv
from nearhit.cache import exchanged
from nearhit.cache.exchanged import _NOT_CONTENT, _same_word
from nearhit.cache.keys import normalise
from nearhit.cache.lookup import exact_text
from nearhit.cache.referent import POINTER
from nearhit.embeddings.local import LocalEmbedder
from nearhit.evaluation import dataset
from nearhit.evaluation.dataset import CONVERSATION_SETS
from nearhit.guards.content import content_words
from nearhit.guards.lexicon import STOP_WORDS, words
from nearhit.guards.numbers import all_dates, quantities, unmatched
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse, folded_words

FIT = tuple(
    name
    for name in CONVERSATION_SETS
    if name in ("conversations", "nearhit-conversations") or int(name.rsplit("-v", 1)[-1]) <= 61
)
VALIDATION = tuple(f"nearhit-conversations-v{n}" for n in range(62, 68))
SWAPS = ("context_swap", "detail_swap")
NEAR = 0.05
"""How far under its floor a trap's turns' cosine may read and still count as near-served."""
_ENGLISH = words("english_vocabulary.txt")
_DETERMINERS = frozenset({"a", "an", "the", "my", "our", "his", "her", "their", "your", "this", "that"})


def _users(context: cv.Context) -> str:
    return "\n".join(text for role, text in context.turns if role == "user")


def first_named(turn: str) -> str | None:
    """The head of the first noun phrase after an article or a possessive: its last content word before a word
    that is not one ("a white filling put in" -> "filling")."""
    words = folded_words(turn)
    for at, word in enumerate(words):
        if word not in _DETERMINERS:
            continue
        head = None
        for after in words[at + 1 : at + 5]:
            if after in _NOT_CONTENT:
                break
            head = after
        if head is not None:
            return head
    return None


def points_back(question: str) -> bool:
    """Whether a question names nothing of its own: a pointing-back word, or at most one content word."""
    return POINTER.search(question) is not None or len(content_words(analyse(question))) <= cv.BARE_QUESTION


def named_differs(question: str, query: cv.Context, cached: cv.Context) -> str | None:
    """The first user turns' first named things, when they differ and the question points back at the turns."""
    firsts = [next((text for role, text in c.turns if role == "user"), "") for c in (query, cached)]
    heads = [first_named(text) for text in firsts]
    if not points_back(question) or None in heads or _same_word(heads[0] or "", heads[1] or ""):
        return None
    return f"{heads[0]!r} / {heads[1]!r}"


def unanchored(query: cv.Context, cached: cv.Context, similarity: float) -> str | None:
    """Under :data:`conversation.CONTEXT_THRESHOLD`, user turns that share no number, date or name (a word outside
    the English vocabulary): nothing but the turns' cosine and the story checks tie them as one story."""
    if similarity >= cv.CONTEXT_THRESHOLD:
        return None
    mine, theirs = _users(query), _users(cached)
    texts = analyse(mine), analyse(theirs)
    numbers = quantities(texts[0].tokens), quantities(texts[1].tokens)
    if len(unmatched(*numbers)[0]) < len(numbers[0]) or all_dates(texts[0], mine) & all_dates(texts[1], theirs):
        return None
    if _names(mine) & _names(theirs):
        return None
    return "no number, date or name shared"


def _names(text: str) -> set[str]:
    return {stem(w) for w in folded_words(text) if w not in STOP_WORDS and w.isascii() and w not in _ENGLISH}


def _one_turn(query: cv.Context, cached: cv.Context) -> bool:
    """One user turn on each side, the same turns in the same roles: the shape of every served swap."""
    roles = [[role for role, _ in c.turns] for c in (query, cached)]
    return roles[0] == roles[1] and roles[0].count("user") == 1


READINGS: dict[str, Callable[[str, cv.Context, cv.Context, float], str | None]] = {
    "slots": lambda question, query, cached, similarity: exchanged.swapped_slots(_users(query), _users(cached)),
    "named": lambda question, query, cached, similarity: named_differs(question, query, cached),
    "unanchored": lambda question, query, cached, similarity: unanchored(query, cached, similarity),
    "unanchored_one_turn": lambda question, query, cached, similarity: (
        unanchored(query, cached, similarity) if _one_turn(query, cached) else None
    ),
}
"""Text readings, re-read at every ``--table``; ``rest`` and ``apart`` (cosines, written by ``--rows``) below."""


def remainder(mine: str, theirs: str) -> str:
    """The content words of ``mine`` whose stems ``theirs`` does not say, in order."""
    said = {stem(w) for w in folded_words(theirs) if w not in STOP_WORDS}
    return " ".join(w for w in folded_words(mine) if w not in STOP_WORDS and stem(w) not in said)


def differing_turns(query: cv.Context, cached: cv.Context) -> tuple[str, str, int]:
    """Each side's user turns the other does not say word for word, and how many user turns both say."""
    turns = [[text for role, text in c.turns if role == "user"] for c in (query, cached)]
    said = [{exact_text(text) for text in side} for side in turns]
    apart = [[text for text in side if exact_text(text) not in said[1 - n]] for n, side in enumerate(turns)]
    return "\n".join(apart[0]), "\n".join(apart[1]), len(turns[0]) - len(apart[0])


async def _cosines(embedder: LocalEmbedder, query: cv.Context, cached: cv.Context) -> dict[str, float | int | None]:
    """``rest``: the cosine of what each side's user turns say that the other's do not (:func:`remainder`);
    ``apart``: of the user turns that differ, where both sides share one word for word (:func:`differing_turns`)."""
    mine, theirs = _users(query), _users(cached)
    rest = remainder(mine, theirs), remainder(theirs, mine)
    *apart, shared = differing_turns(query, cached)
    texts = [normalise(text or "-") for text in (*rest, *apart)]
    vectors = await embedder.embed(texts)
    return {
        "rest": round(float(vectors[0] @ vectors[1]), 4) if all(rest) else None,
        "apart": round(float(vectors[2] @ vectors[3]), 4) if shared and all(apart) else None,
        "shared_turns": shared,
    }


async def rows(sets: Sequence[str]) -> list[dict[str, object]]:
    embedder = LocalEmbedder()
    found: list[dict[str, object]] = []
    for name in sets:
        async for pair, cached, asked, query, question, similarity in compared(name, embedder):
            row: dict[str, object] = {
                "id": pair.id,
                "set": name,
                "category": pair.category,
                "same": pair.same_answer,
                "turns": len(query.turns),
                "ctx_sim": round(similarity, 4),
                "differs": cv.differs(question, query, cached, similarity, asked),
                "differs_at_1": cv.differs(question, query, cached, 1.0, asked),
            }
            if row["differs"] is None or (pair.category in SWAPS and similarity >= cv.CONTEXT_THRESHOLD - 0.1):
                row |= await _cosines(embedder, query, cached)
            found.append(row)
    return found


def readings(sets: set[str], similarity: dict[str, float]) -> dict[str, dict[str, str | None]]:
    """Each reading's verdict on each dev pair of ``sets`` with a context on both sides (text only: re-read at
    every ``--table``, so a reading changed needs no embedding again)."""
    found: dict[str, dict[str, str | None]] = {}
    for name in sets:
        for pair in dataset.load(name, "dev"):
            (cached, _), (query, question) = looked_up(pair.a), looked_up(pair.b)
            if cached is not None and query is not None and pair.id in similarity:
                found[pair.id] = {
                    reading: read(question, query, cached, similarity[pair.id]) for reading, read in READINGS.items()
                }
    return found


def table(path: str, pairs: str | None, fired_out: str | None = None) -> None:
    with open(path, encoding="utf-8") as lines:
        found = [json.loads(line) for line in lines if line.strip()]
    read = readings({str(row["set"]) for row in found}, {str(row["id"]): float(row["ctx_sim"]) for row in found})
    for row in found:
        row |= read[row["id"]]
    served: dict[str, bool] = {}
    if pairs:
        with open(pairs, encoding="utf-8") as lines:
            served = {line.split()[0]: line.split()[1] == "served" for line in lines if line.strip()}
    print("| swap traps (both sides conversations) | pairs |\n|---|---|")
    swaps = [row for row in found if row["category"] in SWAPS and not row["same"]]
    passed = [row for row in swaps if row["differs"] is None]
    near = [
        row
        for row in swaps
        if row["differs"] is not None and row["differs_at_1"] is None and row["ctx_sim"] >= cv.CONTEXT_THRESHOLD - NEAR
    ]
    print(f"| all | {len(swaps)} |\n| context passed | {len(passed)} |")
    print(f"| refused only by the cosine, >= {cv.CONTEXT_THRESHOLD - NEAR:.2f} | {len(near)} |")
    for row in passed + near:
        outcome = "served" if served.get(row["id"]) else "missed" if row["id"] in served else "?"
        marks = " ".join(f"{r}={'Y' if row[r] else '-'}" for r in READINGS)
        print(f"    {row['id']} {row['ctx_sim']:.3f} {outcome} {marks} {row['differs'] or ''}"[:200])
    ids = sorted({str(row["id"]) for row in found for r in READINGS if row["differs"] is None and row[r]})
    if fired_out:
        with open(fired_out, "w", encoding="utf-8") as out:
            out.write("\n".join(ids) + "\n")
    for reading in READINGS:
        fired: Counter[tuple[str, str]] = Counter()
        for row in found:
            if row["differs"] is None and row[reading]:
                kind = "trap" if not row["same"] else "should-hit"
                fired[kind, row["category"]] += 1
                if served.get(row["id"]):
                    fired[f"{kind} served", row["category"]] += 1
        print(f"\n| {reading}: fires on a context the rules pass | pairs |\n|---|---|")
        for (kind, category), n in sorted(fired.items()):
            print(f"| {kind} {category} | {n} |")
    cosines(found, served)


def cosines(found: list[dict[str, object]], served: dict[str, bool]) -> None:
    """Under each floor, the ``rest`` and ``apart`` cosines: should-hits whose context the rules pass, swap traps
    the rules pass (served: with ``--pairs``) and swap traps of any verdict (how wide a margin the floor adds)."""
    print("\n| cosine under | should-hits passed | swaps passed (served) | swaps, any verdict |\n|---|---|---|---|")
    for key in ("rest", "apart"):
        for floor in (0.4, 0.5, 0.6, 0.7):
            under = [row for row in found if isinstance(row.get(key), float) and float(row[key]) < floor]  # type: ignore[arg-type]
            swaps = [row for row in under if row["category"] in SWAPS and not row["same"]]
            passed = [row for row in swaps if row["differs"] is None]
            kept = sum(1 for row in under if row["same"] and row["differs"] is None)
            hits = sum(served.get(str(row["id"]), False) for row in passed)
            print(f"| {key} < {floor} | {kept} | {len(passed)} ({hits}) | {len(swaps)} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"))
    parser.add_argument("--rows", help="write one JSON row per pair with a context on both sides")
    parser.add_argument("--table", metavar="ROWS", help="read a --rows file: the swaps and what each reading fires on")
    parser.add_argument("--pairs", help="with --table: a conversation_misses --pairs file, for the served outcomes")
    parser.add_argument("--fired", help="with --table: write the ids of the pairs any reading fires on, one a line")
    args = parser.parse_args()
    if args.table:
        table(args.table, args.pairs, args.fired)
        return
    found = asyncio.run(rows(FIT if args.sets == "fit" else VALIDATION))
    with open(args.rows, "w", encoding="utf-8") as out:
        out.write("\n".join(json.dumps(row) for row in found) + "\n")


if __name__ == "__main__":
    main()
