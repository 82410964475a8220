"""The web UI in a real browser: the chat page's two columns, the inspector, history, safety against
markup in answers, the calculator chart, and the phone layout."""

from __future__ import annotations

import os
import re
import shutil
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.support.waiting import eventually_sync
from tests.web.conftest import DOCS_IMAGES, SCREENSHOTS, Console, WebServer, new_page

pytestmark = pytest.mark.browser


def open_chat(page: Page, server: WebServer, tenant: str | None = None) -> None:
    page.goto(f"{server.url}/")
    page.wait_for_selector("body[data-ready=true]")
    if tenant:
        page.fill("#tenant", tenant)


def ask(page: Page, prompt: str) -> None:
    """Type the prompt, press Enter, wait until both columns are complete."""
    page.fill("#prompt", prompt)
    page.press("#prompt", "Enter")
    page.wait_for_selector("body[data-busy=false]", state="attached")


def test_ask_streams_both_columns(page: Page, web_server: WebServer, tenant: str) -> None:
    open_chat(page, web_server, tenant)
    expect(page.locator("#model-name")).to_have_text("simulated-gpt-4o")  # the shared header (header.js)
    expect(page.locator(".topbar .nav a[aria-current=page]")).to_have_text("Chat")
    expect(page.locator(".topbar-end #hover-toggle")).to_be_visible()  # the page's own control, at the end
    expect(page.locator("#model-sim")).to_be_visible()
    expect(page.locator("#sim-hint")).to_contain_text("set OPENAI_API_KEY or AZURE_OPENAI_* to use a real model")

    # Shift+Enter is a new line, not a question.
    page.click("#prompt")
    page.keyboard.type("first line")
    page.keyboard.press("Shift+Enter")
    page.keyboard.type("second line")
    assert page.input_value("#prompt") == "first line\nsecond line"
    assert page.get_attribute("#col-raw", "data-status") == "idle"

    # Record every status and answer length the raw column goes through: "streaming" may last a few hundred
    # milliseconds, too short to be sure a polling wait would see it on a loaded machine.
    page.evaluate(
        """() => {
            window.__rawStates = [];
            const column = document.querySelector('#col-raw');
            const answer = column.querySelector('[data-role=answer]');
            new MutationObserver(() => window.__rawStates.push([column.dataset.status, answer.textContent.length]))
                .observe(column, {attributes: true, childList: true, subtree: true, characterData: true});
        }"""
    )
    page.fill("#prompt", "What is a vector database?")
    page.press("#prompt", "Enter")
    page.wait_for_selector("#col-raw[data-status=done]")
    page.wait_for_selector("#col-cache[data-status=done]")
    page.wait_for_selector("body[data-busy=false]", state="attached")
    states = page.evaluate("() => window.__rawStates")
    streaming_lengths = {length for status, length in states if status == "streaming" and length > 0}
    assert len(streaming_lengths) > 1, states  # text arrived in pieces while streaming, not all at the end

    for column in ("raw", "cache"):
        root = page.locator(f"#col-{column}")
        expect(root).to_have_attribute("data-status", "done")
        assert len(root.locator("[data-role=answer]").inner_text()) > 50
        for stat in ("ttft", "total", "tokens", "cost"):
            assert root.locator(f"[data-stat={stat}]").inner_text() not in ("", "—")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "miss")
    expect(page.locator("#col-cache [data-role=match]")).to_contain_text("stored")
    expect(page.locator("#history li")).to_have_count(1)
    expect(page.locator("#history .outcome").first).to_have_text("miss")


def test_exact_then_semantic_hit_answers_first(page: Page, web_server: WebServer, tenant: str) -> None:
    open_chat(page, web_server, tenant)
    ask(page, "How do I reset my password?")
    expect(page.locator("#col-cache [data-role=match]")).to_contain_text("stored")

    ask(page, "how do I reset my password")  # same words, other case and punctuation
    match = page.locator("#col-cache [data-role=match]")
    expect(match).to_have_attribute("data-kind", "exact")
    expect(page.locator("#col-cache")).to_have_attribute("data-rank", "1")
    assert page.locator("#col-cache [data-stat=tokens_saved]").inner_text() not in ("", "—", "0")

    page.click(".advanced summary")
    page.fill("#threshold", "0.8")
    ask(page, "What's the way to reset my password?")
    expect(match).to_have_attribute("data-kind", "semantic")
    expect(match).to_contain_text("similarity 0.")
    expect(page.locator("#col-cache")).to_have_attribute("data-rank", "1")
    expect(page.locator("#col-raw")).to_have_attribute("data-rank", "2")
    expect(page.locator("#col-cache")).to_have_attribute("data-status", "done")

    outcomes = page.locator("#history .outcome")
    expect(outcomes).to_have_text(["semantic", "exact", "miss"])
    # A history entry asks again (and is now an exact hit).
    page.locator("#history .history-item").nth(2).click()
    page.wait_for_selector("body[data-busy=false]", state="attached")
    expect(outcomes.first).to_have_text("exact")
    assert page.input_value("#prompt") == "How do I reset my password?"


def test_metric_cards_are_drawn_and_filled(page: Page, web_server: WebServer, tenant: str) -> None:
    """The cards' parts come from metrics.js (drawCards): each has its detail and chart, and the numbers arrive."""
    open_chat(page, web_server, tenant)
    ask(page, "What is the boiling point of water?")
    ask(page, "what is the boiling point of water")
    page.evaluate("() => document.querySelector('input[name=window][value=all_time]').click()")
    for card in ("m-hit", "m-tokens", "m-cost"):
        expect(page.locator(f"#{card} > [data-role]")).to_have_count(3)
    expect(page.locator("#m-latency > [data-role]")).to_have_count(2)
    expect(page.locator("#m-hit [data-role=value]")).to_have_text(re.compile(r"^\d+(\.\d+)?%$"))
    expect(page.locator("#m-latency [data-role=chart] svg")).to_have_count(1)


def test_hover_toggle_shows_and_hides_the_inspector(
    browser: Browser, console: Console, web_server: WebServer, tenant: str
) -> None:
    page = new_page(browser, console)
    open_chat(page, web_server, tenant)
    page.click(".advanced summary")
    page.fill("#threshold", "0.8")
    ask(page, "Which city is the capital of France?")
    ask(page, "What is the capital city of France?")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "semantic")

    inspector = page.locator("#inspector")
    toggle = page.locator("#hover-toggle")
    expect(toggle).to_have_text("Hover: On")
    page.hover("#col-cache [data-role=answer]")
    expect(inspector).to_be_visible()
    expect(inspector).to_contain_text("Similarity")
    expect(inspector).to_contain_text("Threshold")
    expect(inspector).to_contain_text("Decision")  # the calibrated score and what weighed most
    expect(inspector).to_contain_text(re.compile(r"score [01]\.\d+ \(needs ≥ 0\.\d+\)"))
    expect(inspector).to_contain_text("FT.SEARCH")  # the Redis query, as JSON
    expect(inspector.locator("pre.json")).to_contain_text('"command": "FT.SEARCH"')
    expect(inspector).to_contain_text("dims)")  # the truncated embedding
    expect(inspector).to_contain_text(f"nearhit:{web_server.index_name}:entry:")  # the doc id

    page.mouse.move(5, 5)
    expect(inspector).to_be_hidden()
    toggle.click()
    expect(toggle).to_have_text("Hover: Off")
    expect(toggle).to_have_attribute("aria-checked", "false")
    page.hover("#col-cache [data-role=answer]")
    page.wait_for_timeout(200)
    expect(inspector).to_be_hidden()

    page.reload()  # remembered across reloads
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator("#hover-toggle")).to_have_text("Hover: Off")
    page.context.close()


def test_script_in_an_answer_is_shown_not_run(page: Page, web_server: WebServer, tenant: str) -> None:
    answer = 'Here it is: <script>window.__pwned=1</script><img src="/x.png" onerror="window.__pwned=2"> done.'
    stored = web_server.post("/cache/store", {"prompt": "Show me the snippet", "response": answer, "tenant": tenant})
    assert stored.status_code == 201, stored.text

    open_chat(page, web_server, tenant)
    ask(page, "Show me the snippet")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "exact")
    cached = page.locator("#col-cache [data-role=answer]")
    expect(cached).to_have_text(answer)
    assert page.evaluate("() => window.__pwned") is None
    assert cached.locator("script, img").count() == 0


def test_new_conversation_is_a_new_scope(page: Page, web_server: WebServer, tenant: str) -> None:
    open_chat(page, web_server, tenant)
    ask(page, "What does TTL mean in a cache?")
    ask(page, "What does TTL mean in a cache?")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "exact")
    page.click("#new-conversation")
    expect(page.locator("#conversation-id")).to_have_text(re.compile(r"^conv-[0-9a-f]{8}$"))
    ask(page, "What does TTL mean in a cache?")  # the same question, another conversation: not shared
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "miss")


def test_a_conversation_sends_its_earlier_turns(page: Page, web_server: WebServer, tenant: str) -> None:
    open_chat(page, web_server, tenant)
    with page.expect_request("**/ask/stream") as shared:
        ask(page, "What does TTL mean in a cache?")
    assert "history" not in shared.value.post_data_json  # the shared conversation sends single questions
    page.click("#new-conversation")
    expect(page.locator("#conversation-turns")).to_have_attribute("data-count", "0")
    ask(page, "I have a Flixora Standard subscription that I barely use.")
    expect(page.locator("#conversation-turns")).to_have_attribute("data-count", "2")
    with page.expect_request("**/ask/stream") as follow_up:
        ask(page, "How do I cancel it?")
    body = follow_up.value.post_data_json
    assert [m["role"] for m in body["history"]] == ["user", "assistant"]
    assert body["history"][0]["content"] == "I have a Flixora Standard subscription that I barely use."
    assert "Simulated answer" in body["history"][1]["content"]  # the cache column's answer to the first question
    expect(page.locator("#conversation-turns")).to_have_attribute("data-count", "4")
    page.click("#new-conversation")  # a new conversation starts with no earlier turns
    expect(page.locator("#conversation-turns")).to_have_attribute("data-count", "0")
    with page.expect_request("**/ask/stream") as fresh:
        ask(page, "How do I cancel it?")
    assert "history" not in fresh.value.post_data_json


def test_a_conversations_id_is_shown_whole(page: Page, web_server: WebServer) -> None:
    """The sidebar's id (conv-xxxxxxxx) was cut to "conv-1670…" by the New conversation button beside it."""
    open_chat(page, web_server)
    page.click("#new-conversation")
    expect(page.locator("#conversation-id")).to_have_text(re.compile(r"^conv-[0-9a-f]{8}$"))
    whole = "() => { const c = document.querySelector('#conversation-id'); return c.scrollWidth <= c.clientWidth; }"
    assert page.evaluate(whole)


def test_a_conversation_told_again_in_other_words_is_served(page: Page, web_server: WebServer, tenant: str) -> None:
    """Start over (the same conversation, its turns dropped): a retelling in other words can be served the first
    telling's follow-up, which a new conversation, a scope of its own, never is."""
    open_chat(page, web_server, tenant)
    restart = page.locator("#restart-conversation")
    expect(restart).to_be_hidden()  # the shared conversation sends no turns: nothing to start over
    page.click("#new-conversation")
    conversation = page.locator("#conversation-id").inner_text()
    assert re.fullmatch(r"conv-[0-9a-f]{8}", conversation)
    expect(restart).to_be_hidden()  # no turns yet
    ask(page, "I have a Flixora Standard subscription that I barely use.")
    ask(page, "How do I cancel it?")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "miss")
    expect(restart).to_be_visible()

    restart.click()
    expect(page.locator("#conversation-turns")).to_have_attribute("data-count", "0")
    expect(page.locator("#conversation-id")).to_have_text(conversation)  # the same scope
    expect(restart).to_be_hidden()
    expect(page.locator("#conversation-note")).to_contain_text("Started over in the same conversation")
    ask(page, "I've got a Flixora Standard plan that I hardly ever use.")
    with page.expect_request("**/ask/stream") as follow_up:
        ask(page, "How can I cancel it?")
    body = follow_up.value.post_data_json
    assert body["conversation_id"] == conversation
    retelling = "I've got a Flixora Standard plan that I hardly ever use."
    assert body["history"][0]["content"] == retelling
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "semantic")


def test_server_errors_are_shown_in_words(
    browser: Browser, console: Console, web_server: WebServer, tenant: str
) -> None:
    page = new_page(browser, console)
    open_chat(page, web_server, tenant)
    ask(page, "x" * 40_000)  # over the server's prompt limit (NEARHIT_MAX_PROMPT_CHARS, 32,000)
    for column in ("raw", "cache"):
        error = page.locator(f"#col-{column} [data-role=error]")
        expect(error).to_be_visible()
        expect(error).to_contain_text("Some input is not valid: prompt is 40,000 characters; the limit is 32,000")
        expect(page.locator(f"#col-{column}")).to_have_attribute("data-status", "error")
    expect(page.locator("#history .outcome").first).to_have_text("error")
    # Chromium logs every 4xx response; that one was expected.
    console.errors[:] = [e for e in console.errors if "status of 422" not in e]
    page.context.close()


def test_calculator_chart_follows_the_hit_rate(page: Page, web_server: WebServer) -> None:
    page.goto(f"{web_server.url}/calculator")
    page.wait_for_selector("body[data-ready=true]")
    expect(page.locator(".topbar .nav a[aria-current=page]")).to_contain_text("Calculator")
    expect(page.locator("#model-name")).to_have_text("simulated-gpt-4o")
    # The form's limits come from /calculator/inputs (the scenario's bounds), percentages × 100.
    limits = {name: page.get_attribute(f"#{name}", "max") for name in ("hnsw_m", "hit_rate", "headroom")}
    assert limits == {"hnsw_m": "512", "hit_rate": "100", "headroom": "1000"}
    # The offline embedders are free and of known size: the default first and chosen, then the multilingual one.
    expect(page.locator("#embedding_model")).to_have_value("local")
    expect(page.locator("#embedding_model option").nth(1)).to_have_text(
        "local-multilingual (USE multilingual v3), free"
    )
    marker = page.locator("#curve-chart [data-marker=current] circle")
    expect(marker).to_have_count(1)
    expect(page.locator("#curve-chart [data-marker=breakeven]")).to_have_count(1)
    before_x = marker.get_attribute("cx")
    before_savings = page.inner_text("#k-savings")
    for selector in ("#k-without", "#k-with", "#be-seed", "#be-full", "#sku-name", "#working-set"):
        assert page.inner_text(selector) not in ("", "—"), selector

    page.fill("#hit_rate", "70")
    expect(marker).not_to_have_attribute("cx", before_x or "")
    expect(page.locator("#k-savings")).not_to_have_text(before_savings)
    assert float(marker.get_attribute("cx") or 0) > float(before_x or 0)
    assert page.input_value("#hit_rate_range") == "70"

    # A value out of range is explained, in words, next to the inputs.
    page.fill("#requests_per_day", "0")
    expect(page.locator("#form-note")).to_contain_text("Requests per day")
    expect(page.locator("#requests_per_day")).to_have_attribute("aria-invalid", "true")
    page.fill("#requests_per_day", "100000")
    expect(page.locator("#form-note")).to_have_text("")


def test_calculator_fills_from_observed_telemetry(page: Page, web_server: WebServer, tenant: str) -> None:
    def totals() -> dict[str, Any]:
        return dict(web_server.get("/telemetry/summary").json()["all_time"])

    before = totals()["cache_requests"]  # the server is shared: other tests' answers are counted too
    open_chat(page, web_server, tenant)
    ask(page, "Explain the CAP theorem briefly")
    ask(page, "explain the cap theorem briefly")

    # The answers' telemetry is written in the background, shortly after each answer ends: wait until both
    # are counted, so the totals the page reads are the ones compared against.
    summary = eventually_sync(lambda: (now := totals())["cache_requests"] >= before + 2 and now)
    observed = web_server.get("/calculator/observed").json()
    page.goto(f"{web_server.url}/calculator")
    page.wait_for_selector("body[data-ready=true]")
    page.click("#fill-observed")
    expect(page.locator("#form-note")).to_contain_text("Filled from")
    assert float(page.input_value("#hit_rate")) == pytest.approx(summary["hit_rate"] * 100, abs=0.01)
    assert int(page.input_value("#input_tokens")) == observed["input_tokens"]
    assert page.input_value("#model") == "gpt-4o"


@pytest.mark.parametrize("path", ["/", "/calculator"])
def test_phone_layout_stacks(browser: Browser, console: Console, web_server: WebServer, path: str) -> None:
    page = new_page(browser, console, width=390, height=844)
    page.goto(f"{web_server.url}{path}")
    page.wait_for_selector("body[data-ready=true]")
    overflow = page.evaluate("() => document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px at 390 px"
    if path == "/":
        raw = page.locator("#col-raw").bounding_box()
        cache = page.locator("#col-cache").bounding_box()
        assert raw and cache
        assert cache["y"] >= raw["y"] + raw["height"] - 1  # one above the other
        assert abs(cache["x"] - raw["x"]) < 2 and cache["width"] > 300
    page.screenshot(path=str(SCREENSHOTS / f"phone{path.replace('/', '-') or '-'}.png"), full_page=True)
    page.context.close()


def test_screenshots(browser: Browser, console: Console, web_server: WebServer, tenant: str) -> None:
    """Both pages at 1280 px, for people reviewing a change (artifacts/) and, with NEARHIT_UPDATE_DOCS_IMAGES=1
    (`make screenshots`), for the README (docs/images): a plain test run leaves tracked files alone."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page = new_page(browser, console, width=1280, height=900)
    open_chat(page, web_server, tenant)
    page.click(".advanced summary")
    page.fill("#threshold", "0.8")
    page.click(".advanced summary")  # closed again: the screenshot shows the scope, not the options
    ask(page, "How does Redis store vectors for similarity search?")
    ask(page, "How are vectors stored in Redis for similarity search?")
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "semantic")
    page.evaluate("() => window.scrollTo(0, 0)")
    page.locator("#prompt").blur()
    chat = SCREENSHOTS / "chat.png"
    page.screenshot(path=str(chat), full_page=True)
    page.hover("#col-cache [data-role=answer]")
    expect(page.locator("#inspector")).to_be_visible()
    page.screenshot(path=str(SCREENSHOTS / "chat-inspector.png"), full_page=True)

    page.goto(f"{web_server.url}/calculator")
    page.wait_for_selector("body[data-ready=true]")
    calculator = SCREENSHOTS / "calculator.png"
    page.screenshot(path=str(calculator), full_page=True)
    page.context.close()

    assert chat.stat().st_size > 10_000 and calculator.stat().st_size > 10_000
    if os.environ.get("NEARHIT_UPDATE_DOCS_IMAGES") == "1":
        shutil.copyfile(chat, DOCS_IMAGES / "chat.png")
        shutil.copyfile(calculator, DOCS_IMAGES / "calculator.png")
    print(f"\nscreenshots: {SCREENSHOTS}")
