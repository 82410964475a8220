"""What the chat page shows of the model's check of a conversation hit (``NEARHIT_VERIFY_MODEL``,
:mod:`nearhit.cache.verified`), in Debian's Chromium against the real server and Redis, on a real provider: OpenAI's
SDK at a fake OpenAI-compatible server (real sockets) that answers both the chat model and the check's model.

A conversation is stored in the page's conversation (its first turn, the answer, a question), then the page asks the
question after the first turn reworded: the semantic conversation hit of ``tests/api/test_verify.py``. The check says
"no": a miss that names the check and its verdict, answered by the LLM, not an error; "yes": the stored answer
served, the inspector naming the check's model, verdict, time, tokens and price."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Locator, Page, expect

from nearhit.economics.prices import request_cost
from tests.support.fake_upstream import UPSTREAM_MODEL, FakeUpstream
from tests.web.conftest import VERIFY_MODEL, WebServer
from tests.web.test_inspector_refusals import inspect
from tests.web.test_ui import ask, open_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each asks three times: ~3 s

TURN = "I'm training for my first 10k, the race is in 8 weeks."
REWORDED = "I'm training for my first 10k and the race is 8 weeks away."
QUESTION = "How many days a week should I run?"
FIRST = "Great goal! Eight weeks is enough time to prepare well."
STORED = "Three or four days a week, one of them a longer run."  # the answer stored for the other conversation
FRESH = "Four days a week: two easy runs, one tempo run and one long run."  # the LLM's, on a miss
CHECK_SNAPSHOT = "gpt-4o-mini-2024-07-18"  # the model a reply names, priced as it is
CHECK_USAGE = (250, 1)
FRESH_USAGE = (60, 16)
CHECK_USD = request_cost(CHECK_SNAPSHOT, *CHECK_USAGE).usd
"""The check's price (gpt-4o-mini's, ~$0.000038): priced, not $0."""
CHECK_SHOWN = re.compile(rf"— {CHECK_SNAPSHOT}, [\d.]+ ms, 250\+1 tokens, \${CHECK_USD:.6f}$")
"""The check's row after its verdict: the model its reply named, the call's time, tokens and price."""


def converse(
    page: Page, server: WebServer, upstream: FakeUpstream, tenant: str, verdict: str, snapshot: str = CHECK_SNAPSHOT
) -> None:
    """The page's conversation: its first turn (reworded); the other conversation stored in the same conversation
    scope (its first turn as said first, the very same answer after it, the question); then the page asks the
    question, the check's model answering ``verdict`` (its reply naming ``snapshot``)."""
    open_chat(page, server, tenant)
    page.click("#new-conversation")
    conversation = page.locator("#conversation-id").get_attribute("data-id")
    assert conversation
    upstream.reset(upstream.answer(FIRST, usage=(30, 12)))
    ask(page, REWORDED)
    expect(page.locator("#conversation-turns")).to_have_attribute("data-count", "2")
    upstream.reset(upstream.answer(STORED, usage=(60, 14)))
    server.store_in_conversation(tenant, conversation, [("user", TURN), ("assistant", FIRST)], QUESTION)
    check = upstream.answer(verdict, usage=CHECK_USAGE, model=snapshot)
    upstream.reset(upstream.answer(FRESH, usage=FRESH_USAGE), by_model={VERIFY_MODEL: check})
    ask(page, QUESTION)
    checks = [r for r in upstream.chat_requests if r.body and r.body.get("model") == VERIFY_MODEL]
    assert len(checks) == 1, [r.body for r in upstream.chat_requests]


def check_row(page: Page) -> Locator:
    """The inspector's "Model's check" value."""
    return page.locator("#inspector .kv > div").filter(has=page.locator("dt", has_text="Model's check")).locator("dd")


def usd(x: float) -> str:
    """A price as the page's ``fmtUsd`` shows one under a cent: two significant digits."""
    return "$" + format(Decimal(f"{x:.2g}"), "f")


def test_a_conversation_hit_the_model_refuses_is_a_miss_that_says_so(
    page: Page, verifying_web_server: WebServer, model_upstream: FakeUpstream, tenant: str
) -> None:
    """The check says no: a miss (not an error) whose banner names the check, its model and its verdict; the LLM
    answers and is stored; the inspector shows the check and lists the candidate as the check's refusal, not a
    guard's veto; the column's cost counts the check's call beside the LLM's answer."""
    converse(page, verifying_web_server, model_upstream, tenant, "No")
    cache = page.locator("#col-cache")
    match = cache.locator("[data-role=match]")
    expect(match).to_have_attribute("data-kind", "miss")
    expect(match).to_have_text(
        f"Miss (the model's check, {CHECK_SNAPSHOT}, said no: the stored answer was not served) → stored"
    )
    expect(cache).to_have_attribute("data-status", "done")
    expect(cache.locator("[data-role=error]")).to_be_hidden()
    expect(cache.locator("[data-role=answer]")).to_have_text(FRESH)  # the LLM answered it, as any miss
    expect(page.locator("#wrong-answer")).to_be_hidden()
    expect(page.locator("#history .outcome").first).to_have_text("miss")
    answered = request_cost(UPSTREAM_MODEL, *FRESH_USAGE).usd
    cost = cache.locator("[data-stat=cost]")
    expect(cost).to_have_text(usd(answered + CHECK_USD))
    expect(cost).to_have_attribute("title", f"{usd(answered)} the LLM's answer + {usd(CHECK_USD)} the model's check")
    inspect(page)
    expect(check_row(page)).to_have_text(re.compile(r"^said no: the hit refused " + CHECK_SHOWN.pattern))
    expect(page.locator("#inspector")).to_contain_text("Rejected byverify: the model said no")
    refused = page.locator("#inspector .candidates li").filter(has_text=QUESTION)
    expect(refused).to_have_text(f"refused by the model's check 1.000 — {QUESTION} · the model said no")


def test_a_conversation_hit_the_model_confirms_is_served_with_the_check_shown(
    page: Page, verifying_web_server: WebServer, model_upstream: FakeUpstream, tenant: str
) -> None:
    """The check says yes: the stored answer served (the raw column the LLM's); the inspector shows the check's verdict,
    model, time, tokens and price, and the matched turns; the column's cost is the check's, not $0."""
    converse(page, verifying_web_server, model_upstream, tenant, "Yes")
    cache = page.locator("#col-cache")
    match = cache.locator("[data-role=match]")
    expect(match).to_have_attribute("data-kind", "semantic")
    expect(match).to_contain_text("Semantic match · similarity 1.000")  # the very same question, other turns
    expect(cache.locator("[data-role=answer]")).to_have_text(STORED)
    expect(page.locator("#col-raw [data-role=answer]")).to_have_text(FRESH)
    cost = cache.locator("[data-stat=cost]")
    expect(cost).to_have_text(usd(CHECK_USD))
    expect(cost).to_have_attribute("title", f"$0 the answer + {usd(CHECK_USD)} the model's check")
    expect(page.locator("#history .outcome").first).to_have_text("semantic")
    inspect(page)
    expect(check_row(page)).to_have_text(re.compile(r"^said yes: served " + CHECK_SHOWN.pattern))
    context = page.locator("#inspector .kv > div").filter(has=page.locator("dt", has_text="Matched context"))
    expect(context.locator("dd")).to_have_text(
        re.compile(
            rf"^2 earlier turns, similarity 0\.\d{{4}} — user: {re.escape(TURN)} · assistant: {re.escape(FIRST)}$"
        )
    )
    expect(page.locator("#inspector .candidates li").first).to_have_text(f"served 1.000 — {QUESTION}")


def test_a_check_that_fails_refuses_the_hit_in_words(
    page: Page, verifying_web_server: WebServer, model_upstream: FakeUpstream, tenant: str
) -> None:
    """The check's model replies neither yes nor no: the hit refused (fail closed), a miss that says the check
    failed and why, not an error; the inspector's row gives the failure and the call's time (no tokens reported)."""
    converse(page, verifying_web_server, model_upstream, tenant, "Maybe")
    cache = page.locator("#col-cache")
    why = f"{VERIFY_MODEL} replied 'Maybe', not yes or no"
    expect(cache.locator("[data-role=match]")).to_have_text(
        f"Miss (the model's check failed, so the hit was refused: {why}) → stored"
    )
    expect(cache).to_have_attribute("data-status", "done")
    expect(cache.locator("[data-role=error]")).to_be_hidden()
    expect(cache.locator("[data-role=answer]")).to_have_text(FRESH)
    inspect(page)
    expect(check_row(page)).to_have_text(
        re.compile(rf"^failed \({why}\): the hit refused — {VERIFY_MODEL}, [\d.]+ ms$")
    )


def test_a_check_by_a_model_with_no_known_price_says_so(
    page: Page, verifying_web_server: WebServer, model_upstream: FakeUpstream, tenant: str
) -> None:
    """A reply naming a model the price table does not know (a self-hosted one) is priced $0: the row says the
    price is unknown rather than show $0.000000 as a price, and the column's cost is the answer's alone."""
    converse(page, verifying_web_server, model_upstream, tenant, "Yes", snapshot="local-judge-7b")
    cost = page.locator("#col-cache [data-stat=cost]")
    expect(cost).to_have_text("$0")
    expect(cost).not_to_have_attribute("title", re.compile("check"))
    inspect(page)
    expect(check_row(page)).to_have_text(
        re.compile(r"^said yes: served — local-judge-7b, [\d.]+ ms, 250\+1 tokens, no price known for this model$")
    )
