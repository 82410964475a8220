"""Which judged candidate a lookup serves, when a scope holds many questions (issue 13, ninth session).

The score is a pass mark, not a ranking, and it was fitted on one question against its own cached look-alike
or paraphrase, never against the other questions a real cache holds (``nearhit eval --shared``). Two rules:

- The nearest candidate that passes is served, as the guards' default serves it: ranked by score, a far
  neighbour no guard reads a difference in (another topic: ``quiet``) outscored the nearer cached paraphrase
  a guard read half a difference in.
- Under the similarity threshold, only the nearest candidate judged: when a nearer cached question was
  refused, the query asks what the cache holds with a slot changed; a farther one, under the threshold, shares
  the topic and asks another thing.
"""

from __future__ import annotations

from collections.abc import Sequence

from nearhit.decision.model import Judgement

__all__ = ["NEAREST_ONLY", "serving"]

NEAREST_ONLY = "a nearer cached question was refused: under the similarity threshold only the nearest is served"


def serving(judged: Sequence[tuple[float, Judgement]], threshold: float) -> int | None:
    """The index in ``judged`` ((similarity, judgement), nearest first) of the candidate to serve, or None:
    the nearest that passes; one under ``threshold`` only when it is the nearest judged."""
    for n, (similarity, judgement) in enumerate(judged):
        if judgement.served and (n == 0 or similarity >= threshold):
            return n
    return None
