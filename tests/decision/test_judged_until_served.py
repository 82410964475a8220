"""The decision judges no candidate past the one it serves (``choose.by_decision``, twelfth session, issue 18): a
first look costs ~1 ms, and no farther judgement changes what is served or reported. Checked against judging every
candidate (the rule before), on the groups of ``shared_golden.jsonl`` and on a cached paraphrase with two more
questions of its topic above the threshold. Pure: ``choose.by_decision`` on KNN rows."""

from __future__ import annotations

import pytest

from nearhit.cache import choose, entry
from nearhit.cache.results import LookupResult
from nearhit.config import DEFAULT_SIMILARITY_THRESHOLD
from nearhit.decision import Decision, Judgement
from nearhit.decision.choice import serving
from nearhit.embeddings.local import LocalEmbedder

from .test_shared_choice import GROUPS, rows

TOPIC = {
    "id": "paraphrase-then-topic",
    "query": "How do I turn on dark mode in the app?",
    "cached": [
        "Turn on dark mode in the app: how?",
        "How do I turn on dark mode in the app on my phone?",
        "How do I turn off dark mode in the app?",
    ],
}


class Counted(Decision):
    """The shipped decision, counting the candidates it judges."""

    def __init__(self) -> None:
        super().__init__()
        self.judged: list[str] = []

    def judge(self, query: str, candidate: str, similarity: float, **kwargs: object) -> Judgement:
        self.judged.append(candidate)
        return super().judge(query, candidate, similarity, **kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize("group", [*GROUPS, TOPIC], ids=[g["id"] for g in [*GROUPS, TOPIC]])
@pytest.mark.parametrize("threshold", [DEFAULT_SIMILARITY_THRESHOLD, 0.8])
def test_what_is_served_is_what_judging_every_candidate_serves(
    group: dict[str, object], threshold: float, local_embedder: LocalEmbedder
) -> None:
    found = rows(group, local_embedder)
    decision = Counted()
    result = LookupResult(match=None, threshold=threshold)
    choose.by_decision(result, str(group["query"]), found, decision)

    # The rule before: every candidate down to the floor judged, then the choice made.
    floor = threshold - decision.margin
    every = [(entry.similarity(f), f) for _, f in found if entry.similarity(f) >= floor]
    judged = [(s, Decision.judge(decision, str(group["query"]), f["prompt"], s)) for s, f in every]
    pick = serving(judged, threshold)
    assert (result.answer.prompt if result.answer is not None else None) == (
        every[pick][1]["prompt"] if pick is not None else None
    )
    if pick is not None:
        assert result.score == judged[pick][1].score and result.rejected_by is None
        # Judged up to the one served, none past it: those are not needed, and unscored.
        assert decision.judged == [f["prompt"] for _, f in every[: pick + 1]]
        past = [c for c in result.candidates if c.similarity >= floor][pick + 1 :]
        assert all(c.outcome == "not_needed" and c.score is None for c in past)
    else:
        assert len(decision.judged) == len(every)  # nothing served: every one judged, the best reported
        best = max(judged, key=lambda j: (j[1].veto is None, j[1].score))[1] if judged else None
        assert result.score == (best.score if best is not None else None)


def test_a_candidate_past_the_one_served_is_not_judged(local_embedder: LocalEmbedder) -> None:
    """The case the rule is for: the nearest served, two more above the threshold, judged before."""
    found = rows(TOPIC, local_embedder)
    assert sum(entry.similarity(f) >= DEFAULT_SIMILARITY_THRESHOLD for _, f in found) == 3
    decision = Counted()
    result = LookupResult(match=None, threshold=DEFAULT_SIMILARITY_THRESHOLD)
    choose.by_decision(result, TOPIC["query"], found, decision)
    assert result.match == "semantic" and result.candidates[0].outcome == "served"
    assert decision.judged == [found[0][1]["prompt"]]
    assert [c.outcome for c in result.candidates[1:]] == ["not_needed", "not_needed"]
