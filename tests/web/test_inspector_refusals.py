"""What the chat page says when the cache refuses a candidate that would pass on its own, or serves one under
the similarity threshold, in Debian's Chromium against the real server and Redis: the words must be true.
The prompts are those of ``tests/cache/test_stop_past_veto.py`` and ``tests/decision/shared_golden.jsonl``."""

from __future__ import annotations

import pytest
from playwright.sync_api import Locator, Page, expect

from nearhit.decision.choice import NEAREST_ONLY
from tests.web.conftest import WebServer
from tests.web.test_ui import ask, open_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each asks the simulated LLM: ~2.5 s

QUERY = "Which fruit has the least sugar?"
LOOK_ALIKE = "Which fruit has the most sugar?"  # nearest (~0.90): vetoed ('least' vs 'most')
TOPIC = "Which fruits naturally contain sugar?"  # farther (~0.79), above the threshold; its score passes (~0.79)


def seed(server: WebServer, tenant: str, *prompts: str) -> None:
    for prompt in prompts:
        stored = server.post("/cache/store", {"prompt": prompt, "response": f"About: {prompt}", "tenant": tenant})
        assert stored.status_code == 201, stored.text


def follow_up(page: Page, server: WebServer, tenant: str, story: str, question: str) -> Locator:
    """A New conversation told ``story``, then asked ``question``: the cache column's match line."""
    open_chat(page, server, tenant)
    page.click("#new-conversation")
    ask(page, story)
    ask(page, question)
    return page.locator("#col-cache [data-role=match]")


def inspect(page: Page) -> None:
    """Hover the cache column's answer so that the inspector shows."""
    page.hover("#col-cache [data-role=answer]")
    expect(page.locator("#inspector")).to_be_visible()


def test_a_passing_score_refused_past_a_veto_is_not_called_under_the_pass_mark(
    page: Page, web_server: WebServer, tenant: str
) -> None:
    """Decision on: the farther candidate's score passes (0.79 >= 0.65) but it lies past a vetoed one. The
    miss says why: the nearer one's veto (before, 'score 0.79 < 0.65'; then the decision's rule alone, "a nearer
    cached question was refused", which left a reader to find which one and why in the inspector)."""
    seed(web_server, tenant, LOOK_ALIKE, TOPIC)
    open_chat(page, web_server, tenant)
    ask(page, QUERY)
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text("(the nearest, 0.9")
    expect(match).to_contain_text(", rejected by the negation guard: ")
    expect(match).to_contain_text("; none farther is served behind it)")
    expect(match).not_to_contain_text(" < ")
    expect(match).not_to_contain_text(NEAREST_ONLY)
    inspect(page)
    farther = page.locator("#inspector .candidates li").filter(has_text=TOPIC)
    expect(farther).to_contain_text("rejected by decision 0.79")
    expect(farther).to_contain_text(NEAREST_ONLY)


def test_a_failing_score_is_named_as_the_best_one(page: Page, web_server: WebServer, tenant: str) -> None:
    """Decision on, no candidate passes: the miss compares the best score with the pass mark."""
    seed(web_server, tenant, "How do I pause my streaming plan?")  # score ~0.51, no guard vetoes it
    open_chat(page, web_server, tenant)
    ask(page, "How can I cancel my streaming subscription from my phone?")
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text("(no candidate passed the decision: best score 0.")
    expect(match).to_contain_text(" < 0.65)")


def test_a_hit_under_the_threshold_names_what_served_it(page: Page, web_server: WebServer, tenant: str) -> None:
    """Decision on: the nearest, under the 0.76 threshold, passes and is served; the match line and the
    candidate say so in words, not as an unexplained similarity under the threshold row."""
    seed(web_server, tenant, "How do I cancel my gym membership?", "What are the gym opening hours?")
    open_chat(page, web_server, tenant)
    ask(page, "What is the way to stop paying for the gym?")
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "semantic")
    expect(match).to_contain_text("similarity 0.7")
    expect(match).to_contain_text("under the 0.76 threshold: the decision's score passed")
    inspect(page)
    served = page.locator("#inspector .candidates li").first
    expect(served).to_contain_text("served 0.7")
    expect(served).to_contain_text("(under the threshold: the decision's score passed)")


def test_the_vetoes_name_the_veto_and_the_stop_past_it(page: Page, guards_web_server: WebServer, tenant: str) -> None:
    """Guards as vetoes (``NEARHIT_DECISION=false``): the miss names the nearest's veto; the farther candidate,
    above the threshold and vetoed by no guard, is shown as stopped past it, not as vetoed on its own."""
    seed(guards_web_server, tenant, LOOK_ALIKE, TOPIC)
    open_chat(page, guards_web_server, tenant)
    ask(page, QUERY)
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text("(nearest rejected by the negation guard)")
    inspect(page)
    expect(page.locator("#inspector")).to_contain_text("Rejected by")
    expect(page.locator("#inspector")).to_contain_text("negation:")
    farther = page.locator("#inspector .candidates li").filter(has_text=TOPIC)
    expect(farther).to_contain_text("rejected by guard 0.79")
    expect(farther).to_contain_text(NEAREST_ONLY)


def test_every_candidate_vetoed_under_the_decision_is_not_called_the_nearest(
    page: Page, web_server: WebServer, tenant: str
) -> None:
    """Decision on, every candidate vetoed: the one reported is the best scored, not necessarily the nearest."""
    seed(web_server, tenant, LOOK_ALIKE)
    open_chat(page, web_server, tenant)
    ask(page, QUERY)
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text("(every candidate the decision judged was vetoed; the best: rejected by the")
    expect(match).not_to_contain_text("nearest")


def test_a_candidate_the_bound_withholds_is_named_as_the_one_it_would_serve(
    page: Page, bound_web_server: WebServer, tenant: str
) -> None:
    """Under a wrong-hit bound a fresh index has no labels: the paraphrase (~0.93) is withheld to learn. The one
    withheld is the candidate the cache would serve, not necessarily the nearest (under the decision)."""
    seed(bound_web_server, tenant, "How do I reset my password?")
    open_chat(page, bound_web_server, tenant)
    ask(page, "Steps to reset my password?")
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text("(withheld to learn, wrong-hit bound: the candidate it would serve, similarity 0.9")
    expect(match).not_to_contain_text("nearest")


def test_a_conversations_nearest_under_its_own_floor_is_not_called_under_the_threshold(
    page: Page, web_server: WebServer, tenant: str
) -> None:
    """A follow-up whose nearest row (its conversation's first question, ~0.875) is above the 0.76 threshold but
    under the floor of a story told as one question (0.88): the miss said "nearest: 0.875 < 0.76", which is false;
    it now gives the candidate's reason, and the inspector lists it too."""
    match = follow_up(
        page,
        web_server,
        tenant,
        "My cat is 14 and has started drinking a lot of water.",
        "Should I take her to the vet?",
    )
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text("told as one question: 0.8")
    expect(match).not_to_contain_text("< 0.76")
    inspect(page)
    expect(page.locator("#inspector .candidates li").first).to_contain_text("told as one question")


def test_a_follow_up_served_as_one_question_says_what_was_compared(
    page: Page, web_server: WebServer, tenant: str
) -> None:
    """A short follow-up ("How do I stop that?") served its conversation's first message's answer: the match line
    said "Semantic match · similarity 0.946" alone, which reads as a wrong hit; it now says what was compared."""
    story = "I have a 2019 MacBook Air whose battery drains overnight while the lid is closed."
    match = follow_up(page, web_server, tenant, story, "How do I stop that?")
    expect(match).to_have_attribute("data-kind", "semantic")
    expect(match).to_contain_text("· the conversation and this question read as one question")
    inspect(page)
    expect(page.locator("#inspector")).to_contain_text("Matched as one question")
