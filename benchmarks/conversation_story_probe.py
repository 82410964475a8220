"""What the context rules serve of stories that keep every fact and change what happened, on invented pairs: six
traps (a fever that has dropped, money sent instead of received, a plan downgraded instead of upgraded, a
rejection instead of an application) and six rewordings of the same stories. Each pair is judged by
``conversation.differs`` with its contexts' similarity from the local embedder. Written for this probe (first
for the facts-pinned floor, since removed), not taken from a dataset; ``cache/events.py`` reads who acts and
opposite words in such stories.

    python benchmarks/conversation_story_probe.py
"""

from __future__ import annotations

from nearhit.cache import conversation
from nearhit.cache.conversation import Context
from nearhit.cache.keys import normalise
from nearhit.embeddings.local import LocalEmbedder


def _context(*user: str) -> Context:
    turns: list[tuple[str, str]] = []
    for said in user:
        turns += [("user", said), ("assistant", "Got it.")]
    return Context(tuple(turns))


STORIES = [
    ("Is that normal?", "My 3 year old has a 39 C fever since Tuesday."),
    ("What happens next?", "I applied for 3 jobs at Siemens in Munich last week."),
    ("How much will it cost?", "I need to ship 2 boxes of 20 kg from Lyon to Porto."),
    ("Is it worth it?", "I'm thinking of upgrading my 2 GB plan with Vodafone to 20 GB for 15 euros."),
    ("What are my options?", "My flight from Oslo to Rome on 3 June was cancelled by Norwegian."),
    ("Do I need to report it?", "I received 5,000 dollars from my aunt in Canada in 2023."),
]
TRAPS = [
    _context("My 3 year old.", "Her temperature dropped to 39 C on Tuesday."),
    _context("Siemens in Munich rejected me.", "All 3 jobs, last week."),
    _context("2 boxes, 20 kg each.", "Someone in Lyon is shipping them to me in Porto."),
    _context("Vodafone.", "Downgrading from 20 GB to 2 GB, saves 15 euros."),
    _context("Norwegian flight Oslo to Rome, 3 June.", "It was delayed 2 hours."),
    _context("I sent my aunt in Canada 5,000 dollars.", "In 2023."),
]
REWORDED = [
    _context("My 3 year old.", "She's been running a 39 C temperature since Tuesday."),
    _context("Siemens in Munich.", "Sent 3 applications there last week."),
    _context("2 boxes, 20 kg each.", "Sending them from Lyon to Porto."),
    _context("Vodafone.", "Going from 2 GB to 20 GB, it costs 15 euros more."),
    _context("Norwegian flight Oslo to Rome, 3 June.", "They cancelled it."),
    _context("My aunt in Canada gave me 5,000 dollars.", "In 2023."),
]


def main() -> None:
    embedder = LocalEmbedder()
    served = {"trap": 0, "reworded": 0}
    for kind, others in (("trap", TRAPS), ("reworded", REWORDED)):
        for (question, told), other in zip(STORIES, others, strict=True):
            cached = _context(told)
            a, b = embedder.encode([normalise(cached.text), normalise(other.text)])
            similarity = float(a @ b)
            reason = conversation.differs(question, other, cached, similarity)
            served[kind] += reason is None
            verdict = "served" if reason is None else "refused"
            print(f"{kind:8} {similarity:.3f} {verdict:7} {other.text.replace(chr(10), ' / ')}")
    print("| pairs | served |\n|---|---|")
    for kind, count in served.items():
        print(f"| {kind} (6) | {count} |")


if __name__ == "__main__":
    main()
