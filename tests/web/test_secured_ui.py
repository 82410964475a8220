"""The web UI against a secured server (``NEARHIT_GATEWAY_KEYS`` set): the page asks for a key, keeps it in
sessionStorage (for the tab's life, never in localStorage) and sends it as ``Authorization: Bearer`` on every
call, so the demo works behind keys; without one, the refusal is said in words."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.support.server_process import server_process
from tests.web.conftest import Console, WebServer, _drop, new_page
from tests.web.test_ui import ask, open_chat

pytestmark = pytest.mark.browser

KEY = "key-web-tenant-0123456789"


@pytest.fixture(scope="module")
def secured_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    index_name = f"web_{uuid.uuid4().hex[:10]}"
    env = {
        "REDIS_URL": redis_url,
        "VECTOR_INDEX_NAME": index_name,
        "NEARHIT_GATEWAY_KEYS": f"{KEY}=webtenant",
        "NEARHIT_ADMIN_TOKEN": "admin-web-0123456789abcdef",
    }
    try:
        with server_process(env, tmp_path_factory.mktemp("secured-web-server")) as url:
            yield WebServer(url, index_name)
    finally:
        _drop(redis_url, index_name)


def test_the_page_sends_the_key_it_keeps_for_the_session(
    browser: Browser, console: Console, secured_server: WebServer
) -> None:
    page = new_page(browser, console)
    open_chat(page, secured_server)
    key = page.locator("#api-key")
    expect(key).to_be_visible()

    ask(page, "What is a vector database?")  # no key yet: refused, and the page says why
    expect(page.locator("#col-cache [data-role=error]")).to_contain_text("needs a key")
    expect(page.locator("#col-cache")).not_to_have_attribute("data-status", "done")
    # Chromium logs every 4xx response; those before the key was entered were expected.
    console.errors[:] = [e for e in console.errors if "status of 401" not in e]

    key.fill(KEY)
    key.press("Enter")
    ask(page, "What is a vector database?")  # POST /ask/stream (the SSE reader) with the key
    expect(page.locator("#col-cache")).to_have_attribute("data-status", "done")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "miss")
    assert page.evaluate("() => sessionStorage.getItem('nearhit.key')") == KEY
    assert KEY not in page.evaluate("() => JSON.stringify(localStorage)")
    # The live metrics sum over every tenant: a tenant's key is told they need the admin token (never polled into
    # a 403, which the console would show).
    page.evaluate("() => import('/static/js/metrics.js').then((m) => m.refreshMetrics())")
    expect(page.locator("#metrics-error")).to_contain_text("need the admin token")

    page.reload()  # the same tab: the key is still there
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#api-key")).to_have_value(KEY)
    ask(page, "What is a vector database?")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "exact")
    page.click("#wrong-answer")  # POST /cache/feedback (fetchJSON) with the key
    expect(page.locator("#wrong-answer")).to_have_text("Feedback recorded: not served for this question again")
    page.context.close()
