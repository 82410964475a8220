"""Does a stored answer rest on something the asking conversation does not say? The reading an40 measured, pair by pair.

constraint_added is the wrong-hit problem ("I'm 28 weeks pregnant" told on one side reads, from the turns alone, like
"my name is Sam"). The stored answer may tell them apart: an answer written for a pregnant asker mentions the
pregnancy. Two directions, each over the spans one side's user turns say more than the other's, where one side's words
are (nearly) all in the other's (``conversation._changed_by_user``'s matcher, :data:`story.CONTAINED`; no span of small
talk, ``conversation._small_talk_turn``):

- ``rests_on``: the stored side says more, and its answer takes the span up: content words (stem or synonym class) or
  numbers of the span the answer says and the asking conversation (its turns and question) never does, at least
  :data:`TAKEN_SHARE` of the span's (one word of a passing sentence an answer says anyway, "... for your watch", is
  not a span taken up), none a word naming the talk's own turns ("answer", "ask", "correction": :data:`TALK`);
- ``names_added``: the asking side says more, and the stored answer names the span as a case of its own ("If your mum
  has a Blue Badge, different rules ...") that its own conversation never says.

An empty answer or a tool call (``stored_answer.decode``) gives no signal. Measured in the engine (at the first look and
the second chances in ``context_match.match``, and as a veto of the learned add) at commit 81620bb5 of wip/an40; this
script reads the pairs alone, before any other check, so it counts where the reading could reach, not what the engine
serves (benchmarks/README.md, an40). The files are the dev splits with ``a_answer``, the answer written for ``a``:

    python benchmarks/answer_rests_on.py /tmp/ans36/nearhit-conversations-v8[6-9]_dev.jsonl ...   # per category
    python benchmarks/answer_rests_on.py --spans FILES...   # and each span read, with the words its answer takes up
"""

from __future__ import annotations

import argparse
import difflib
import re
from collections import Counter
from collections.abc import Sequence

from nearhit import evaluation
from nearhit.cache import conversation, stored_answer
from nearhit.cache.story import CONTAINED
from nearhit.evaluation.runner import answer
from nearhit.guards.content import content_words, same_word
from nearhit.guards.text import analyse, folded_words

TAKEN_SHARE = 1 / 3
"""The least share of a span's content words and numbers the answer must take up (chosen on the fit answers: an40)."""
TALK = frozenset(content_words(analyse("ask answer reply correction typo")))
"""Words that name the talk's own turns, which an answer says of any talk ("Good question!"), and a placeholder answer
("cached answer for nhc72-correction-004") too."""
NUMBER = re.compile(r"(?<![\w.])\d+(?:[.,]\d+)?")
"""A number as written, not the digits ending a name ("v2", "nhc93")."""


def said_more_spans(mine: str, theirs: str) -> list[str]:
    """What ``theirs`` (a side's user turns) says where ``mine`` says nothing or other words, span by span, when one
    side's words are (nearly) all in the other's; no span of small talk."""
    a, b = (folded_words(conversation._unpossessed(text)) for text in (mine, theirs))
    if sum((Counter(a) & Counter(b)).values()) < CONTAINED * min(len(a), len(b)):
        return []
    matcher = difflib.SequenceMatcher(None, a, b, autojunk=False)
    if sum(block.size for block in matcher.get_matching_blocks()) < CONTAINED * min(len(a), len(b)):
        return []
    spans = [" ".join(b[j1:j2]) for tag, _, _, j1, j2 in matcher.get_opcodes() if tag != "equal"]
    return [s for s in spans if conversation._has_content(s.split()) and not conversation._small_talk_turn(s, mine)]


def taken_up(span: str, said: str, text: str) -> list[str]:
    """The content words and numbers of ``span`` that ``text`` (an answer) says and ``said`` does not; none unless
    they are at least :data:`TAKEN_SHARE` of the span's."""
    words, told, answered = (content_words(analyse(t)) for t in (span, said, text))
    kinds = {kind: stem for kind, stem in words.items() if kind not in TALK}
    taken = [
        stem for kind, stem in kinds.items() if not same_word(kind, stem, told) and same_word(kind, stem, answered)
    ]
    numbers = list(dict.fromkeys(NUMBER.findall(span)))
    said_numbers, answered_numbers = set(NUMBER.findall(said)), set(NUMBER.findall(text))
    taken += [n for n in numbers if n not in said_numbers and n in answered_numbers]
    return taken if len(taken) >= TAKEN_SHARE * (len(kinds) + len(numbers)) else []


def read(
    question: str, asking: conversation.Context, cached: conversation.Context, asked: str, response: str
) -> dict[str, list[tuple[str, list[str]]]]:
    """Each direction's spans with the words the stored answer takes up (only the spans it takes up)."""
    text, calls = stored_answer.decode(response)
    if calls or not text.strip():
        return {}
    mine, theirs = conversation.users_said(asking), conversation.users_said(cached)
    sides = {
        "rests_on": (said_more_spans(mine, theirs), f"{asking.text}\n{question}"),
        "names_added": (said_more_spans(theirs, mine), f"{cached.text}\n{asked}"),
    }
    found = {way: [(s, taken_up(s, said, text)) for s in spans] for way, (spans, said) in sides.items()}
    return {way: [(s, t) for s, t in spans if t] for way, spans in found.items()}


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
