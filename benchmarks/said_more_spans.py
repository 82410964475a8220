"""What "the user's turns say something the other's do not" refuses, by the shape of the span, and the reach of one
reading of it: the same words written otherwise.

Reads a ``conversation_misses.py --reasons`` file (no lookup, no outcome tuned on): for each missed pair whose nearest
candidate that check refused (``conversation._changed_by_user``), the span its reason names ("mine / theirs") is
put in one of four shapes: added by one side (one side empty), the same words written otherwise
(:func:`written_otherwise`), another stretch of at most ``MAX_SPAN`` words a side, a longer one; should-hits by
category, traps by family. ``--reach`` lists every candidate of every pair (any outcome) whose span that check or
the exchanged-thing checks (``swapped_thing``, ``swapped_stretch``: "name another thing") refused and
:func:`written_otherwise` reads as one: the pairs a change reading it so could move, to look up again through the
real cache (``conversation_misses.py --ids``).

The reading was built into the engine on ms38's branch (commit 143a69b3: `_changed_by_user`, `swapped_thing` and
`swapped_stretch` let such a span through) and dropped after validation moved no pair (benchmarks/README.md, ms38);
it lives here so that its reach can be read again on new sets.

    python benchmarks/said_more_spans.py fit_base.jsonl            # the cause's spans by shape
    python benchmarks/said_more_spans.py fit_base.jsonl --reach    # the candidates the reading reads as one
"""

from __future__ import annotations

import argparse
import json
import re
from collections import Counter
from collections.abc import Iterator, Sequence

from nearhit.cache.exchanged import MAX_SPAN, _same_word
from nearhit.guards.lexicon import NUMBER_TABLES
from nearhit.guards.text import typo_of
from nearhit.guards.units import canonical_unit

SHOULD_HIT = re.compile(
    r"-(chatter|irrelevant_detail|irrelevant_history|reworded_history|reworded_question|same_context_\w+|short_vs_long"
    r"|standalone_vs_contextual)-\d+$"
)
_SAID_MORE = re.compile(r"say something the other's do not: ['\"](.*) / (.*)['\"]$")
_ANOTHER_THING = re.compile(r"name another thing: '(.*)' where the other names '(.*)' in the same words")
_NUMBER_AND_UNIT = re.compile(r"(\d+(?:\.\d+)?)([a-z]+)")
_NUMBER_VALUES = {word: str(value) for word, value in (*NUMBER_TABLES["units"].items(), *NUMBER_TABLES["tens"].items())}


def written_otherwise(mine: Sequence[str], theirs: Sequence[str]) -> bool:
    """Whether two stretches of at most ``MAX_SPAN`` words are the same words written otherwise: run together or apart
    ("any more" / "anymore", "20cm" / "20 cm"), a number in digits or in words with its unit in full or short ("2m" /
    "two metres"), a word spelt another way ("centered" / "centred") or its form, synonym or abbreviation
    ("javascript" / "js"), each word of either a word of the other."""
    if not mine or not theirs or max(len(mine), len(theirs)) > MAX_SPAN:
        return False
    if "".join(mine).replace("-", "") == "".join(theirs).replace("-", ""):
        return True
    ours, others = _read_alike(mine), _read_alike(theirs)
    return all(any(_one_word(word, other) for other in others) for word in ours) and all(
        any(_one_word(other, word) for word in ours) for other in others
    )


def _read_alike(words: Sequence[str]) -> list[str]:
    """A number apart from the unit run into it ("20cm"), a number word in digits, a unit by its one name."""
    read: list[str] = []
    for word in words:
        joined = _NUMBER_AND_UNIT.fullmatch(word)
        for part in joined.groups() if joined else (word,):
            number = _NUMBER_VALUES.get(part, part)
            read.append(canonical_unit(number) or number)
    return read


def _one_word(word: str, other: str) -> bool:
    """One word written otherwise; a code's name ("pull_request_target" / "pull_request") has no forms or slips."""
    if word == other:
        return True
    return word.isalpha() and other.isalpha() and (_same_word(word, other) or typo_of(word, (other,)))


def shape(mine: list[str], theirs: list[str]) -> str:
    """Which of the four shapes a refused span is."""
    if not mine or not theirs:
        return "added by one side"
    if written_otherwise(mine, theirs):
        return "the same words written otherwise"
    if max(len(mine), len(theirs)) <= MAX_SPAN:
        return f"another stretch of at most {MAX_SPAN} words a side"
    return "a longer stretch"


def rows(path: str) -> Iterator[dict[str, object]]:
    with open(path, encoding="utf-8") as lines:
        yield from (json.loads(line) for line in lines if line.strip())


def family(pair_id: str) -> str:
    """A pair's category, read from its id ("nhc73-irrelevant_detail-003" -> "irrelevant_detail")."""
    return re.sub(r"-\d+$", "", pair_id.split("-", 1)[1]) if "-" in pair_id else pair_id


def by_shape(path: str) -> None:
    """The missed pairs whose nearest candidate the check refused: should-hits by category and shape, then the
    traps (ours by family; fow-cache's pairs apart, their ids say no category)."""
    shapes: Counter[tuple[str, str]] = Counter()
    traps: Counter[str] = Counter()
    for row in rows(path):
        candidates = row["candidates"]
        if row["served"] or not isinstance(candidates, list) or not candidates:
            continue
        nearest = max(candidates, key=lambda candidate: candidate[0])
        found = _SAID_MORE.search(nearest[3] or "")
        if found is None:
            continue
        pair_id = str(row["id"])
        if not pair_id.startswith("nhc"):
            traps["fow-cache (its label is not in the id)"] += 1
            continue
        if SHOULD_HIT.search(pair_id) is None:
            traps[family(pair_id)] += 1
            continue
        shapes[(family(pair_id), shape(found.group(1).split(), found.group(2).split()))] += 1
    print("| missed should-hit (category) | span's shape | pairs |\n|---|---|---|")
    for (category, kind), count in sorted(shapes.items(), key=lambda item: -item[1]):
        print(f"| {category} | {kind} | {count} |")
    print(
        f"\nother pairs whose nearest candidate the check refused: {sum(traps.values())} ({dict(traps.most_common())})"
    )


def reach(path: str) -> None:
    """Every candidate whose refused span :func:`written_otherwise` reads as one: id, outcome, cosine, span."""
    for row in rows(path):
        candidates = row["candidates"]
        for candidate in candidates if isinstance(candidates, list) else ():
            found = _SAID_MORE.search(candidate[3] or "") or _ANOTHER_THING.search(candidate[3] or "")
            if found is not None and written_otherwise(found.group(1).split(), found.group(2).split()):
                served = "served" if row["served"] else "missed"
                print(f"{row['id']} {served} {candidate[0]:.3f} {found.group(1)!r} / {found.group(2)!r}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reasons", help="a conversation_misses.py --reasons file")
    parser.add_argument("--reach", action="store_true", help="list the candidates the reading reads as one")
    args = parser.parse_args()
    if args.reach:
        reach(args.reasons)
    else:
        by_shape(args.reasons)


if __name__ == "__main__":
    main()
