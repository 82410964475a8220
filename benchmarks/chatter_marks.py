"""Which conversation dev pairs ch40's chatter readings can reach: the ids to look up again with ``--ids``.

ch40 (thirty-fourth session) read three more marks of small talk in ``conversation.py`` (commits dbb2a0d6 and
91bd54a0 on wip/ch40, dropped from its head after validation): a greeting in another language or drawn out, a
British "ta" and an interjection of feeling ("hola!", "heyyy", "eek", "brrr"); "can't wait" said of what the asker
looks forward to, no negation; a span one side adds closed by emoji ("She's my baby ❤️"). A pair none of whose sides
says such a word or has an emoji in a user turn is looked up the same by either tree, so only the pairs listed here
need a second run (``conversation_misses.py --ids``; merge over a base run's ``--pairs`` lines).

    python benchmarks/chatter_marks.py fit ids.txt          # the fit dev splits (or: validation)
    python benchmarks/chatter_marks.py fit ids.txt --marks  # the words only, not the emoji
"""

from __future__ import annotations

import argparse
import re
from collections import Counter

from conversation_misses import chosen_sets
from nearhit import evaluation
from nearhit.evaluation.dataset import Side
from nearhit.guards.text import tokens_of

MARKS = re.compile(
    r"\b(hi{2,}|hello{2,}|hey{2,}|hola|g day|howdy|namaste|bonjour|ciao|ta|omg|yay|yikes|eek|brr+)\b|\bcan not wait\b"
)
"""The words the reading added to ``_SMALL_TALK`` and ``_EAGER``, as read in a side's tokens (contractions split)."""
EMOJI = re.compile(r"[\U0001F000-\U0001FAFF\u2600-\u27BF]")


def _said(side: Side) -> str:
    return " ".join(content for _, content in side.history) + " " + side.prompt


def _users(side: Side) -> str:
    return " ".join(content for role, content in side.history if role == "user")


def reached(side: Side, marks_only: bool) -> bool:
    """Whether a reading of the three can read ``side`` otherwise than the base does."""
    return MARKS.search(" ".join(tokens_of(_said(side)))) is not None or (
        not marks_only and EMOJI.search(_users(side)) is not None
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("sets", choices=("fit", "validation"))
    parser.add_argument("out", help="write the ids here, one a line")
    parser.add_argument("--marks", action="store_true", help="the words only (the first commit's reach)")
    args = parser.parse_args()
    pairs = [
        pair
        for name in chosen_sets(args.sets)
        for pair in evaluation.load(name, "dev")
        if reached(pair.a, args.marks) or reached(pair.b, args.marks)
    ]
    with open(args.out, "w", encoding="utf-8") as out:
        out.write("".join(f"{pair.id}\n" for pair in pairs))
    print(len(pairs), dict(Counter(pair.category for pair in pairs).most_common()))


if __name__ == "__main__":
    main()
