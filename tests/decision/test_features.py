"""The decision's features: pure, bounded, and telling a backstory difference from a question-clause one."""

from __future__ import annotations

from importlib import resources

from nearhit.decision import DEFAULT_MODEL, FEATURE_NAMES, features, load_model
from nearhit.decision.features import lexical, signal_features
from nearhit.guards import GuardSet, GuardSignal


def values(query: str, candidate: str, similarity: float = 0.9) -> dict[str, float]:
    return features(similarity, GuardSet.default().signals(query, candidate), query, candidate)


def test_every_feature_is_there_and_bounded() -> None:
    found = values("How do I convert 5 miles to km?", "How can I convert 50 miles to kilometres?")
    assert list(found) == list(FEATURE_NAMES)
    assert all(0.0 <= v <= 1.0 for v in found.values())


def test_silent_guards_give_zero() -> None:
    found = values("How do I reset my password?", "How can I reset my password?")
    assert found["numbers"] == found["negation"] == found["direction"] == found["strongest_signal"] == 0.0


def test_a_number_in_the_question_and_one_in_backstory_are_different_features() -> None:
    asked = values("How much notice after 2 years?", "How much notice after 5 years?")
    assert asked["numbers"] == 1.0 and asked["numbers_backstory"] == 0.0
    told = values("I started in 2021. How do I reset my password?", "How do I reset my password?")
    assert told["numbers"] == 0.0 and 0.0 < told["numbers_backstory"] < 1.0


def test_the_language_guard_is_not_a_feature() -> None:
    signal = GuardSignal("language", 1.0, "languages differ: 'en' vs 'de'")
    assert signal_features([signal]) == {"strongest_signal": 0.0}


def test_a_swapped_slot_in_one_frame() -> None:
    slot = lexical("What vaccines does my puppy need?", "What vaccines does my kitten need?")
    assert slot["one_slot_swapped"] == 1.0 and slot["same_frame"] > 0.6
    reworded = lexical("How do I reset my password?", "I forgot my login, what now?")
    assert reworded["one_slot_swapped"] == 0.0 and reworded["subject_changed"] > slot["subject_changed"]


def test_small_words_changing_is_measured() -> None:
    assert lexical("Flights from London to Paris", "Flights from London to Paris")["function_words_changed"] == 0.0
    assert lexical("How do I do it?", "What should we do about it?")["function_words_changed"] > 0.5


def test_every_shipped_model_reads_only_features_the_code_makes() -> None:
    shipped = [
        f.name for f in resources.files("nearhit.decision").joinpath("data").iterdir() if f.name.endswith(".json")
    ]
    assert DEFAULT_MODEL in shipped and "decision_v1.json" in shipped
    made = set(values("How do I reset my password?", "How can I reset my password?"))
    for name in shipped:
        assert set(load_model(name).names) <= made, name


def test_the_quiet_feature_is_what_the_caller_says() -> None:
    query, candidate = "How do I reset my password?", "How can I reset my password?"
    signals = GuardSet.default().signals(query, candidate)
    assert features(0.9, signals, query, candidate, quiet=True)["quiet"] == 1.0
    assert features(0.9, signals, query, candidate)["quiet"] == 0.0
