"""The decision's first look at a new pair does only the work its score reads (issue 13's latency target), and
scores exactly as on every guard's signal and every lexical measure: past a veto, the guards it does not weigh are
left, and so are those after a signal at full strength when only the strongest signal is weighed."""

from __future__ import annotations

import pytest

from nearhit.decision import Decision, features, load_model
from nearhit.decision.features import LEXICAL_NAMES, lexical, read_guards, strongest_only
from nearhit.evaluation.dataset import load
from nearhit.guards import GuardSet

# Written for this test: a paraphrase, and one with a backstory; look-alikes vetoed at full strength (a number) and
# under it (another subject: a guard after the veto is stronger still, the scope's or the direction's, then the
# code's); two languages (the language guard is no feature, the guards after it are).
PAIRS = (
    ("What's the best way to get limescale off a shower head?", "How do I remove limescale from a shower head?"),
    ("We moved to Leeds last year. Can my landlord keep the deposit?", "Can my landlord keep the deposit?"),
    ("Can I freeze cooked rice for a week?", "Can I freeze cooked rice for a month?"),
    ("Should I boil all the eggs for the salad?", "Should I boil some potatoes for the salad?"),
    ("Can my landlord sue my tenant over the deposit?", "Can my tenant sue my landlord over the rent?"),
    (
        "Should I boil all the eggs for the salad with os.path?",
        "Should I boil some potatoes for the salad with sys.argv?",
    ),
    ("Should I water my tomatoes every day?", "¿Debo regar mis tomates todos los días?"),
    ("Which foods are low in iron at 7am?", "Which foods are high in iron at 9pm?"),
)


def _on_every_signal(decision: Decision, query: str, candidate: str, similarity: float) -> float:
    """The score as the decision worked it out before: every guard's signal and every lexical measure."""
    guards = decision.guards
    values = features(
        similarity, guards.signals(query, candidate), query, candidate, quiet=guards.quiet(query, candidate)
    )
    return decision.model.score(values)


@pytest.mark.parametrize("model", ["decision_v3.json", "decision_v2.json", "decision_v1.json"])
def test_the_score_is_the_one_on_every_signal(model: str) -> None:
    decision = Decision(model=load_model(model))
    pairs = [*PAIRS, *((p.b.prompt, p.a.prompt) for p in load("nearhit-v19", "dev")[:120])]
    for query, candidate in pairs:
        for similarity in (0.74, 0.93):
            fresh = Decision(model=decision.model)  # a new pair to this decision's memo, and then judged again
            judged = [fresh.judge(query, candidate, similarity).score, fresh.judge(query, candidate, similarity).score]
            assert judged == [_on_every_signal(decision, query, candidate, similarity)] * 2, (model, query, candidate)


def test_past_a_veto_only_the_guards_the_score_weighs_run_and_the_judgement_still_has_every_signal() -> None:
    decision = Decision()
    query, candidate = PAIRS[3]
    deciding = decision.guards.deciding_signals(query, candidate)
    assert len(deciding) < len(decision.guards.guards) and deciding[-1] is not None and deciding[-1].strength < 1.0
    judgement = decision.judge(query, candidate, 0.9)
    assert judgement.veto is not None
    assert next(c.value for c in judgement.top if c.feature == "strongest_signal") == 0.8  # the scope's, after it
    assert judgement.signals == tuple(s for g in GuardSet.default().guards if (s := g.signal(query, candidate)))


def test_a_model_reads_the_guards_and_lexical_measures_it_weighs() -> None:
    assert read_guards(load_model().names) == read_guards(("strongest_signal",)) and strongest_only(load_model().names)
    v1 = load_model("decision_v1.json").names
    assert not strongest_only(v1) and {"numbers", "entities"} <= read_guards(v1)
    assert read_guards(("similarity", "quiet")) == frozenset()
    query, candidate = PAIRS[2]
    every = lexical(query, candidate)
    assert list(every) == list(LEXICAL_NAMES)
    for name in LEXICAL_NAMES:
        assert lexical(query, candidate, (name,)) == {name: every[name]}
