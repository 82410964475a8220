"""Does a stored answer rest on something the asking conversation does not say? The reading an40 measured, pair by pair.

constraint_added is the wrong-hit problem ("I'm 28 weeks pregnant" told on one side reads, from the turns alone, like
"my name is Sam"). The stored answer may tell them apart: an answer written for a pregnant asker mentions the
pregnancy. Two directions, each over the spans one side's user turns say more than the other's, where one side's words
are (nearly) all in the other's (``conversation._changed_by_user``'s matcher, :data:`story.CONTAINED`; no span of small
talk, ``conversation._small_talk_turn``):

- ``rests_on``: the stored side says more, and its answer takes the span up: content words (stem or synonym class) or
  numbers of the span the answer says and the asking conversation (its turns and question) never does, at least
  :data:`nearhit.cache.answer_rests_on.TAKEN_SHARE` of the span's (one word of a passing sentence an answer says
  anyway, "... for your watch", is not a span taken up), none a word naming the talk's own turns ("answer", "ask",
  "correction");
- ``names_added``: the asking side says more, and the stored answer names the span as a case of its own ("If your mum
  has a Blue Badge, different rules ...") that its own conversation never says.

An empty answer or a tool call (``stored_answer.decode``) gives no signal. The engine reads it
(``nearhit.cache.answer_rests_on``: at the first look and the second chances in ``context_match.match``, and as a veto
of the learned add); this script reads the pairs alone with the engine's ``read``,
before any other check, so it counts where the reading could reach, not what the engine serves (benchmarks/README.md,
an40). The files are the dev splits with ``a_answer``, the answer written for ``a``:

    python benchmarks/answer_rests_on.py /tmp/ans36/nearhit-conversations-v8[6-9]_dev.jsonl ...   # per category
    python benchmarks/answer_rests_on.py --spans FILES...   # and each span read, with the words its answer takes up
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Sequence

from nearhit import evaluation
from nearhit.cache import conversation
from nearhit.cache.answer_rests_on import read
from nearhit.evaluation.runner import answer


def main(files: Sequence[str], spans: bool) -> None:
    reached: Counter[tuple[str, bool, str]] = Counter()
    pairs: Counter[tuple[str, bool]] = Counter()
    for path in files:
        for pair in evaluation.load(path, "dev"):
            sides = [
                conversation.context_of(tuple(s.history), s.prompt) if s.history else None for s in (pair.a, pair.b)
            ]
            if sides[0] is None or sides[1] is None:
                continue  # a single question on a side: no turns to read
            pairs[pair.category, pair.same_answer] += 1
            found = read(pair.b.prompt, sides[1], sides[0], pair.a.prompt, answer(pair))
            for way, taken in found.items():
                reached[pair.category, pair.same_answer, way] += bool(taken)
                for span, words in taken if spans else ():
                    print(f"{pair.id} {way} {', '.join(words)!r} :: {span}")
    print("\n| category (conversations on both sides) | pairs | rests_on | names_added |\n|---|---|---|---|")
    for category, same in sorted(pairs):
        kind = "should-hits" if same else "traps"
        ways = [reached[category, same, way] for way in ("rests_on", "names_added")]
        print(f"| {category} ({kind}) | {pairs[category, same]} | {ways[0]} | {ways[1]} |")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+", help="JSONL sets with a_answer (a bundled set's name: its placeholders)")
    parser.add_argument("--spans", action="store_true", help="print each span read (fit sets only)")
    args = parser.parse_args()
    main(args.files, args.spans)
