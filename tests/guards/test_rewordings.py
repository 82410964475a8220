"""Rewordings read by their structure, not their words: a compound spelt out, a verb against its noun, a light
verb in a preposition's place, a German noun's capital, a mistyped stop word, a verb before a particle, a
plural acronym; general near-synonyms. And the look-alikes beside them.
Every pair is invented, in other words than the labelled sets'."""

from __future__ import annotations

import pytest

from nearhit.guards import EntityGuard, GuardSet


def _differs(query: str, candidate: str) -> bool:
    found = EntityGuard().signal(query, candidate)
    return found is not None and found.strength >= EntityGuard().cut


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        # A light verb says how the thing is involved, as the other side's preposition does.
        ("Can I drink coffee while taking antibiotics?", "Can I drink coffee while on antibiotics?"),
        ("How do I measure a room using a laser meter?", "How do I measure a room with a laser meter?"),
        ("Can I donate blood after having a tattoo?", "Can I donate blood after a tattoo?"),
        # A verb and the noun made of it are one action.
        ("What are the rules for deletion of customer data?", "What are the rules to delete customer data?"),
        ("How do I request a cancellation of my gym membership?", "How do I request to cancel my gym membership?"),
        ("Who signs off on the approval of a building permit?", "Who signs off to approve a building permit?"),
        # One word written as two.
        ("Wie versiegle ich einen Holzboden?", "Wie versiegle ich einen hölzernen Boden?"),
        ("Wie reinige ich einen Lederschuh?", "Wie reinige ich einen ledernen Schuh?"),
        # A stop word mistyped, a verb before a state's particle, a plural acronym spelt out.
        ("hwo do i freeze fresh basil", "How do I freeze fresh basil?"),
        ("wat is the fastest way to learn touch typing", "What is the fastest way to learn touch typing?"),
        ("Is it safe to sleep with the fan turned on?", "Is it safe to sleep with the fan on?"),
        ("Can I drive with the fog lights switched off?", "Can I drive with the fog lights off?"),
        ("Are LLCs taxed twice?", "Are limited liability companies taxed twice?"),
        # General near-synonyms.
        ("How do I activate dark mode in Outlook?", "How do I enable dark mode in Outlook?"),
        ("Should I hire an attorney for a speeding ticket?", "Should I hire a lawyer for a speeding ticket?"),
        ("How do I shorten a video in Clipchamp?", "How do I trim a video in Clipchamp?"),
    ],
)
def test_rewordings_by_structure_pass(query: str, candidate: str) -> None:
    assert not _differs(query, candidate)
    assert not _differs(candidate, query)


@pytest.mark.parametrize(
    ("query", "candidate"),
    [
        # A light verb where the other side has a verb of its own is another action.
        ("How do I use a library card?", "How do I get a library card?"),
        # A light verb whose thing the other side does not name adds a subject.
        ("Can I drink coffee while taking melatonin?", "Can I drink coffee while on antibiotics?"),
        # Short roots and adjectives in "-al" are other words.
        ("Where is the nearest station office?", "Where is the nearest state office?"),
        ("How do I apply for a personal loan?", "How do I apply for a person loan?"),
        # A noun before the particle is a new thing.
        ("How do I fix the heater on my car?", "How do I fix the heater fan on my car?"),
        # A compound whose modifier the other side does not name is another thing.
        ("Wie reinige ich einen Lederschuh?", "Wie reinige ich einen Stoffschuh?"),
        ("Wie versiegle ich einen Holzboden?", "Wie versiegle ich einen Steinboden?"),
        ("How do I stay focused on homework?", "How do I stay focused on work from home?"),
        # A light verb where the other side has another preposition.
        ("How do I take photos using a drone?", "How do I take photos of a drone?"),
        # A content word that is a stop word less a letter, beside other words.
        ("What hat size should I buy?", "What size should I buy?"),
        ("How do I sew a hem?", "How do I sew them?"),
        # German nouns are compared as words, and names still differ.
        ("Wie kündige ich meinen Handyvertrag?", "Wie kündige ich meinen Stromvertrag?"),
        (
            "Wie fahre ich am schnellsten von Berlin nach Hamburg?",
            "Wie fahre ich am schnellsten von Berlin nach Bremen?",
        ),
    ],
)
def test_look_alikes_beside_them_still_differ(query: str, candidate: str) -> None:
    assert _differs(query, candidate)


def test_a_light_verb_passes_every_guard() -> None:
    assert (
        GuardSet.default().first_rejection(
            "Which snacks are fine for a child taking insulin?", "Which snacks are fine for a child on insulin?"
        )
        is None
    )
