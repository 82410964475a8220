"""The dev pairs a reading of an added sentence can move: a span one side's user turns add that opens a sentence, the
asker its subject, before a question judging the asker's own doing (:func:`judged_for_asker`, the candidate ca32
patched into ``conversation._changed_by_user``'s aside test at e36ab97d and dropped; either side's question). The
pairs it prints (one id a line) are those ``conversation_misses.py --ids`` needs to look up on two trees: no other
pair's verdict can change.

    PYTHONPATH=src:benchmarks python benchmarks/asker_judgement_reach.py --sets fit > reach_fit.txt
"""

from __future__ import annotations

import argparse
import difflib
import re
import sys
from collections.abc import Sequence

from conversation_misses import chosen_sets
from nearhit.cache.conversation import _opening, _unpossessed
from nearhit.evaluation import load
from nearhit.evaluation.dataset import Pair, Side
from nearhit.guards.text import folded_words

_OWN_DOING = re.compile(
    r"^(?:(?:so|and|ok|okay|also|but|then|right|well)\W+)*"
    r"(?:(?:can|could|should|shall|may|must|do|would)\s+(?:i|we)\b"
    r"|(?:is|would)\s+it\s+(?:be\s+)?(?:\w+\s+)?(?:ok|okay|safe|fine|alright|all right|wise|advisable|a good idea)\b)"
)
"""A question opening by asking whether the asker may, can or should do something ("Can I take ibuprofen ...?",
"Should we book now?", "Is it safe to ...?"): a closed class of modals and judgement words."""
_OPENERS = frozenset({"oh", "and", "also", "btw", "but", "plus", "so", "ah", "actually"})
_ASKER = frozenset({"i", "we", "i'm", "we're", "i've", "we've", "i'll", "we'll", "i'd", "we'd", "my", "our"})


def judged_for_asker(span: Sequence[str], question: str, *, opens: str) -> bool:
    """Whether a span one side adds opens a sentence (``opens`` ".") with the asker its subject ("I earn just above
    minimum wage.", "We already own a condo") before a question judging the asker's own doing (:data:`_OWN_DOING`).
    The guess: whether the asker may or should do a thing depends on who the asker is, where a how-to does not."""
    words = list(span)
    while words and words[0] in _OPENERS:
        words.pop(0)
    return opens == "." and bool(words) and words[0] in _ASKER and _OWN_DOING.match(question.casefold()) is not None


def _users(side: Side) -> str:
    return "\n".join(text for role, text in side.history if role == "user")


def reached(pair: Pair) -> bool:
    """Whether a span one side's user turns add or change (difflib on the folded words, as
    ``conversation._changed_by_user`` reads them) is what :func:`judged_for_asker` reads."""
    if not pair.a.history or not pair.b.history:
        return False
    mine, theirs = _unpossessed(_users(pair.a)), _unpossessed(_users(pair.b))
    a, b = folded_words(mine), folded_words(theirs)
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        opens = _opening(mine, i1) if i2 > i1 else _opening(theirs, j1)
        span = a[i1:i2] + b[j1:j2]
        if any(judged_for_asker(span, q, opens=opens) for q in (pair.a.prompt, pair.b.prompt)):
            return True
    return False


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sets", choices=("fit", "validation"), default="fit")
    args = parser.parse_args()
    found = [pair.id for name in chosen_sets(args.sets) for pair in load(name, "dev") if reached(pair)]
    print("\n".join(found))
    print(f"{len(found)} pairs in reach", file=sys.stderr)


if __name__ == "__main__":
    main()
