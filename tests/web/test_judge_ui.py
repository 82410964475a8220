"""What the chat page says when the trained conversation judge (``NEARHIT_CONVERSATION_JUDGE``,
:mod:`nearhit.cache.judge`) serves a conversation the rules missed, in Debian's Chromium against the real server and
Redis: the match line names the judge with its p and cut, and the inspector lists the served candidate. The judge is
the tiny ONNX model of ``tests/cache/test_conversation_judge.py`` that says yes to every pair."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.cache.test_conversation_judge import REWORDED, REWORDED_QUESTION, STORED, STORED_QUESTION
from tests.web.conftest import WebServer
from tests.web.test_inspector_refusals import inspect
from tests.web.test_ui import ask, open_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each asks the simulated LLM: ~2.5 s


def test_a_conversation_the_judge_serves_says_so(page: Page, judging_web_server: WebServer, tenant: str) -> None:
    """The page tells the beech box in other words, then asks for a coating; another conversation of its scope told
    it plainly and asked for a finish. The rules miss it; the judge serves it, and the line says by what."""
    open_chat(page, judging_web_server, tenant)
    page.click("#new-conversation")
    conversation = page.locator("#conversation-id").get_attribute("data-id")
    assert conversation
    ask(page, REWORDED[0][1])
    answer = page.locator("#col-cache [data-role=answer]").inner_text()
    judging_web_server.store_in_conversation(tenant, conversation, [STORED[0], ("assistant", answer)], STORED_QUESTION)
    ask(page, REWORDED_QUESTION)
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "semantic")
    expect(match).to_contain_text("· the conversation judge: p 1.000 ≥ 0.95")
    inspect(page)
    served = page.locator("#inspector .candidates li").filter(has_text=STORED_QUESTION)
    expect(served).to_contain_text("served")
