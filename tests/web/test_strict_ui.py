"""What the chat page says when the strict setting (``NEARHIT_CONVERSATION_STRICT``, :mod:`nearhit.cache.strict`)
refuses a conversation's hit, in Debian's Chromium against the real server and Redis: the miss names the setting and
quotes what the other conversation said, and the inspector lists the refused candidate with its reason as it lists
a guard's veto. The beech box is the one of ``tests/cache/test_conversation_strict.py``: served by default."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from nearhit.cache import judge
from tests.web.conftest import WebServer
from tests.web.test_inspector_refusals import inspect
from tests.web.test_ui import ask, open_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each asks the simulated LLM: ~2.5 s

BOX = "I've made a small beech box with a sliding lid as a gift"
FINISH = "What finish should I use on it?"
NEPHEW = " for my nephew, who's 1"
SAID = "for my nephew who's 1"  # the span as the reason quotes it (its words, punctuation left out)


@pytest.mark.parametrize(
    ("asked", "stored", "said", "reason"),
    [
        (f"{BOX}{NEPHEW}.", f"{BOX}.", "this conversation said", "this conversation says"),
        (f"{BOX}.", f"{BOX}{NEPHEW}.", "the other conversation said", "the stored one says"),
    ],
    ids=["this-one-adds", "the-stored-one-adds"],
)
def test_a_conversation_that_adds_a_condition_is_refused_in_words(
    page: Page, strict_web_server: WebServer, tenant: str, asked: str, stored: str, said: str, reason: str
) -> None:
    """One conversation tells the box is for a one-year-old, the other, in the same conversation scope with the very
    same answer after it, does not (the page's, or the stored one). Strict: a miss that says so, not "rejected by the
    conversation_strict guard"."""
    open_chat(page, strict_web_server, tenant)
    page.click("#new-conversation")
    conversation = page.locator("#conversation-id").get_attribute("data-id")
    assert conversation
    ask(page, asked)
    answer = page.locator("#col-cache [data-role=answer]").inner_text()
    # The other conversation: its story, then the same follow-up, stored (no lookup first).
    strict_web_server.store_in_conversation(tenant, conversation, [("user", stored), ("assistant", answer)], FINISH)
    ask(page, FINISH)
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text(f'(Strict conversations: not served — {said} "{SAID}")')
    expect(match).not_to_contain_text("guard")
    inspect(page)
    expect(page.locator("#inspector")).to_contain_text("Rejected by")
    expect(page.locator("#inspector")).to_contain_text("conversation_strict: strict:")
    refused = page.locator("#inspector .candidates li").filter(has_text=FINISH)
    expect(refused).to_contain_text("rejected by guard 1.000")  # the very same question
    expect(refused).to_contain_text(f'{reason} "{SAID}"')
    expect(refused).to_contain_text("NEARHIT_CONVERSATION_STRICT")


def test_with_the_judge_the_refusal_names_its_p(page: Page, strict_judged_web_server: WebServer, tenant: str) -> None:
    """Strict mode with the bundled judge: the judge is not sure of the nephew's box (p under its cut), so the miss
    says what the conversation said and the judge's p."""
    server = strict_judged_web_server
    open_chat(page, server, tenant)
    page.click("#new-conversation")
    conversation = page.locator("#conversation-id").get_attribute("data-id")
    assert conversation
    ask(page, f"{BOX}{NEPHEW}.")
    answer = page.locator("#col-cache [data-role=answer]").inner_text()
    server.store_in_conversation(tenant, conversation, [("user", f"{BOX}."), ("assistant", answer)], FINISH)
    ask(page, FINISH)
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text(f'(Strict conversations: not served — this conversation said "{SAID}"; the judge not')
    cut = re.escape(f"{judge.own_cut(judge.BUNDLED_FOLDER):g}")  # the bundled judge's own
    expect(match).to_contain_text(re.compile(rf"the judge not sure: p 0\.\d{{3}} < {cut}\)"))
