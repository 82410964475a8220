"""The "Wrong answer" button on the cache column, in Debian's Chromium against the real server and Redis."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.web.conftest import WebServer
from tests.web.test_ui import ask, open_chat

pytestmark = pytest.mark.browser


def test_wrong_answer_stops_that_entry_being_served_for_the_question(
    page: Page, web_server: WebServer, tenant: str
) -> None:
    open_chat(page, web_server, tenant)
    button = page.locator("#wrong-answer")
    ask(page, "Why was my card declined at checkout?")
    expect(button).to_be_hidden()  # a miss: nothing was served from the cache
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_contain_text("stored")

    look_alike = "What causes my card to be declined when I check out?"
    ask(page, look_alike)
    expect(match).to_have_attribute("data-kind", "semantic")
    expect(button).to_be_visible()
    button.click()
    expect(button).to_have_text("Feedback recorded: not served for this question again")
    expect(button).to_be_disabled()
    feedback = web_server.get("/telemetry/summary").json()["feedback"]
    assert feedback["feedback_wrong"] == 1 and feedback["labels_feedback"] == 1

    page.click(".advanced summary")
    page.check("#no-store")  # ask again without storing the new answer, so the lookup meets the same entry
    ask(page, look_alike)
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_contain_text("refused by feedback")
    expect(button).to_be_hidden()
