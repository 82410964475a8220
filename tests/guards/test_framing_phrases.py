"""A word that frames a request only in a phrase ("walk me through", "quick question") is a stop word there only:
listed alone it was a stop word everywhere, and so was every word of its synonym group ("quick" made "fast",
"rapid" and "speedy" stop words). Invented pairs, the real embedded Redis and the local embedder."""

from __future__ import annotations

import pytest

from nearhit.cache import Scope, SemanticCache
from nearhit.guards import GuardSet
from nearhit.guards.content import content_words
from nearhit.guards.lexicon import FRAMING_PHRASES, STOP_STEMS, SYNONYMS, groups
from nearhit.guards.stemming import stem
from nearhit.guards.text import analyse

SCOPE = Scope.build(model="gpt-4o", tenant="framing-phrases")


@pytest.mark.parametrize(
    ("text", "word"),
    [
        ("How far should I walk my dog each day?", "walk"),
        ("Is walking after dinner good for digestion?", "walk"),
        ("Is a rapid antigen test reliable?", "quick"),
        ("What is the fastest route to the airport?", "quick"),
    ],
)
def test_a_word_of_a_framing_phrase_names_a_subject_alone(text: str, word: str) -> None:
    assert word in content_words(analyse(text))


@pytest.mark.parametrize(
    "text", ["Can you walk me through setting up a VPN?", "Quick question: how do I set up a VPN?"]
)
def test_a_framing_phrase_names_no_subject(text: str) -> None:
    assert set(content_words(analyse(text))) == set(content_words(analyse("How do I set up a VPN?")))


def test_no_word_of_a_framing_phrase_is_a_stop_word_alone() -> None:
    # Listed as a stop word, it would be one everywhere, with its whole synonym group: the phrase would not be needed.
    for phrase in FRAMING_PHRASES:
        assert any(stem(word) not in STOP_STEMS for word in phrase), phrase


def test_a_synonym_group_headed_by_a_stop_word_is_one_of_verbs_of_asking() -> None:
    # A group whose first word is a stop word makes every member one: only the light verbs of a request may.
    headed = {group[0] for group in groups("synonyms.txt") if SYNONYMS[stem(group[0])] in STOP_STEMS}
    assert headed == {"get", "make", "tell", "help"}


async def test_the_cache_refuses_another_activity_than_the_walk(cache: SemanticCache) -> None:
    cache.guards = GuardSet.default()
    await cache.store("How far should I walk my dog each day?", "Most dogs need 30 to 60 minutes.", SCOPE)
    refused = await cache.lookup("How far should I run with my dog each day?", SCOPE, threshold=0.8)
    assert refused.match is None, refused.candidates
    assert any("walk" in (c.reason or "") for c in refused.candidates), refused.candidates
