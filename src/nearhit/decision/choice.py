"""Which judged candidate a lookup serves, when a scope holds many questions (issue 13, ninth and tenth sessions).

The score is a pass mark, not a ranking, and it was fitted on one question against its own cached look-alike
or paraphrase and a few of the other questions a real cache holds (``nearhit eval --shared``). Three rules:

- The nearest candidate that passes is served, as the guards' default serves it, not the best score: ranked
  by score, a far neighbour no guard reads a difference in (another topic: ``quiet``) outscored the nearer
  cached paraphrase a guard read half a difference in.
- Under the similarity threshold, only the nearest candidate judged: when a nearer cached question was
  refused, the query asks what the cache holds with a slot changed; a farther one, under the threshold, shares
  the topic and asks another thing.
- Nothing farther than a candidate a guard vetoes, above the threshold too: the veto reads the slot changed,
  and a cached question less similar still shares the topic and asks another thing. On the dev splits of 18
  sets, 17 of the 19 farther candidates served past a vetoed nearest were another pair's question, from 12
  sets (``benchmarks/fit_decision_shared.py``). One refused by the score alone is no such reading: a farther
  one above the threshold is still served past it ("disable dark mode" refused, "switch to dark mode" served
  to "enable dark mode").
"""

from __future__ import annotations

from collections.abc import Sequence

from nearhit.decision.model import Judgement

__all__ = ["NEAREST_ONLY", "serving"]

NEAREST_ONLY = "a nearer cached question was refused: none farther is served under the threshold or past a veto"


def serving(judged: Sequence[tuple[float, Judgement]], threshold: float) -> int | None:
    """The index in ``judged`` ((similarity, judgement), nearest first) of the candidate to serve, or None: the
    nearest that passes; one under ``threshold`` only when it is the nearest judged; none past a vetoed one."""
    for n, (similarity, judgement) in enumerate(judged):
        if judgement.served and (n == 0 or similarity >= threshold):
            return n
        if judgement.veto is not None:
            return None
    return None
