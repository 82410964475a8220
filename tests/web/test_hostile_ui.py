"""Hostile text in the chat page, in Debian's Chromium against the real server and Redis: markup in stored
answers, prompts and tenant names shown as text and never run, answers that look like an event stream or
hold control characters arriving whole, 1 MB and 10,000-line answers, and right-to-left overrides kept
inside the text that carries them (docs/hostile-testing.md, "Eleventh round, the UI")."""

from __future__ import annotations

import contextlib
import itertools
import json
from typing import Any

import pytest
from playwright.sync_api import Page, Route, expect

from tests.web.conftest import Console, WebServer
from tests.web.test_inspector_refusals import LOOK_ALIKE, QUERY, TOPIC, inspect, seed
from tests.web.test_ui import ask, open_chat

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # each asks the server two or three times: ~3 s

MARKUP = [
    '<img src=x onerror="window.__pwned=1">',
    "</script><script>window.__pwned=2</script>",
    '<svg onload="window.__pwned=3"><circle r=5/></svg>',
    "[click me](javascript:window.__pwned=4)",
    '<a href="javascript:window.__pwned=5">link</a>',
    '<iframe srcdoc="<script>parent.__pwned=6</script>"></iframe>',
    "<style>body{display:none}</style>",
]
RLO = "\u202e"  # RIGHT-TO-LEFT OVERRIDE, never closed

CENSUS = """() => ({
  elements: [...document.querySelectorAll('script, img, iframe, style, object, embed, link, a')]
    .map((e) => `${e.tagName} ${e.getAttribute('src') ?? e.getAttribute('href') ?? ''}`),
  svgs: document.querySelectorAll('svg').length,
  pwned: window.__pwned ?? null,
})"""


def answer_text(page: Page) -> str:
    return str(page.evaluate("() => document.querySelector('#col-cache [data-role=answer]').textContent"))


def scripted(page: Page, server: WebServer, events: list[tuple[str, dict[str, Any]]], times: int) -> None:
    """The chat page in a new conversation, the raw column off, its first ``times`` questions answered by
    ``events`` as ``/ask/stream`` sends them (for what the simulated model cannot say), the later ones by the
    server."""
    stream = "".join(f"event: {event}\r\ndata: {json.dumps(data)}\r\n\r\n" for event, data in events)
    streamed: list[str] = []

    def answer(route: Route) -> None:
        if len(streamed) < times:
            streamed.append(route.request.url)
            route.fulfill(status=200, headers={"content-type": "text/event-stream"}, body=stream)
        else:
            route.continue_()

    page.route("**/ask/stream", answer)
    open_chat(page, server)
    page.click(".advanced summary")
    page.uncheck("#include-raw")
    page.click("#new-conversation")


def test_markup_in_prompts_answers_and_tenants_is_shown_as_text(page: Page, web_server: WebServer, tenant: str) -> None:
    """Every place a stored question, answer or tenant is shown (the column, the inspector's cached prompt and
    candidates, the history) holds text: no element is added, nothing runs (an inline handler the policy
    blocked would be a console error, which fails the test too)."""
    hostile_tenant = f"{tenant}<img src=x onerror=window.__pwned=9>"
    prompt = "What is " + " ".join(MARKUP)
    answer = "Answer:\n" + "\n".join(MARKUP)
    stored = web_server.post("/cache/store", {"prompt": prompt, "response": answer, "tenant": hostile_tenant})
    assert stored.status_code == 201, stored.text
    open_chat(page, web_server, hostile_tenant)
    before = page.evaluate(CENSUS)

    ask(page, prompt)  # exact
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "exact")
    assert answer_text(page) == answer
    ask(page, prompt.replace("What is", "what's"))  # semantic: the inspector lists the candidate
    expect(page.locator("#col-cache [data-role=match]")).to_have_attribute("data-kind", "semantic")
    inspect(page)
    expect(page.locator("#inspector")).to_contain_text(f"Cached prompt{prompt}")
    expect(page.locator("#inspector .candidates li").first).to_contain_text(prompt)
    expect(page.locator("#history")).to_contain_text(hostile_tenant)

    assert page.evaluate(CENSUS) == before
    assert page.locator("body").is_visible()


EVENT_STREAM_SYNTAX = (
    'one\r\n\r\ndata: {"column": "cache", "content": "INJECTED"}\n\nevent: column_complete\ndata: {}\n\n'
    "id: 99\rretry: 1\r\r: comment\n\u2028\u2029\u0085two\u0000three\u001b[31m\ufeff\ufffe four"
)


@pytest.mark.parametrize(
    "answer",
    [EVENT_STREAM_SYNTAX, ("x" * 99 + " ") * 10_000, "\n".join(f"line {i}" for i in range(10_000))],
    ids=["event-stream-syntax", "1-MB", "10k-lines"],
)
def test_a_stored_answer_arrives_whole(page: Page, web_server: WebServer, tenant: str, answer: str) -> None:
    """Event-stream syntax, every kind of line end, NUL and other control characters; 1 MB (1,000 pieces on the
    stream); 10,000 lines: the page shows exactly the stored text, no event invented or cut, and the inspector
    still opens."""
    stored = web_server.post("/cache/store", {"prompt": "Print the whole file", "response": answer, "tenant": tenant})
    assert stored.status_code == 201, stored.text
    open_chat(page, web_server, tenant)
    ask(page, "Print the whole file")
    expect(page.locator("#col-cache")).to_have_attribute("data-status", "done")
    assert answer_text(page) == answer
    expect(page.locator("#col-cache [data-role=error]")).to_be_hidden()
    inspect(page)
    expect(page.locator("#inspector")).to_contain_text("Print the whole file")


# The elements whose content is wider than they are and can be scrolled sideways (fields aside: they scroll their
# own text, as typed).
SCROLLING_SIDEWAYS = """() => [...document.querySelectorAll('body *')]
  .filter((e) => !['INPUT', 'TEXTAREA'].includes(e.tagName) && e.scrollWidth > e.clientWidth + 1
    && !['hidden', 'clip'].includes(getComputedStyle(e).overflowX))
  .map((e) => `${e.tagName}.${e.className} ${e.clientWidth} < ${e.scrollWidth}`)"""


def test_a_long_unbroken_prompt_and_tenant_wrap_where_they_are_shown(
    page: Page, web_server: WebServer, tenant: str
) -> None:
    """A stored question of 3,000 letters without a space, listed among the inspector's candidates, and a tenant
    of 256: the candidate's line ran 26,000 px to the right of the inspector (read by scrolling sideways) and
    each history item's tenant 1,700 px past the sidebar (hv61). Both now wrap; nothing scrolls sideways."""
    long_tenant = f"{tenant}-{'T' * (255 - len(tenant))}"
    stored = "Tell me about " + "B" * 3_000 + " please"
    response = web_server.post("/cache/store", {"prompt": stored, "response": "Bees.", "tenant": long_tenant})
    assert response.status_code == 201, response.text
    open_chat(page, web_server, long_tenant)
    ask(page, "Tell me about " + "B" * 2_990 + " please")  # not the same question: the stored one is a candidate
    inspect(page)
    expect(page.locator("#inspector .candidates li").filter(has_text="B" * 100)).to_have_count(1)
    expect(page.locator("#history")).to_contain_text("T" * 200)
    assert page.evaluate(SCROLLING_SIDEWAYS) == []


UNBROKEN = "upstream said: " + "E" * 5_000  # a provider's error can carry a long id, URL or blob without a space
MISS = ("cache_document", {"seq": 1, "column": "cache", "hit": False, "match": None, "threshold": 0.76})


@pytest.mark.parametrize(
    "end",
    [
        {"status": "error", "outcome": "error", "error": UNBROKEN, "error_status": 502},
        {"status": "done", "outcome": "miss", "finish_reason": "stop", "store": "failed", "store_reason": UNBROKEN},
    ],
    ids=["error", "store-reason"],
)
def test_a_long_unbroken_error_wraps_in_its_column(page: Page, web_server: WebServer, end: dict[str, Any]) -> None:
    """The column's error line and its match line, given a reason of 5,000 characters without a space: the error
    ran 41,000 px to the right, over the other column and off the page, which then scrolled sideways (hv61)."""
    scripted(page, web_server, [MISS, ("column_complete", {"seq": 2, "column": "cache"} | end)], times=1)
    ask(page, "Say something")
    expect(page.locator("#col-cache")).to_contain_text("E" * 100)
    assert page.evaluate(SCROLLING_SIDEWAYS) == []


def test_absurd_telemetry_figures_stay_in_their_cards(page: Page, web_server: WebServer) -> None:
    """Totals another Redis client wrote (10^308 tokens saved, a negative request count), as the summary reads them
    back: the figures ran across the next cards (hv61). Each stays in its own card, cut short or wrapped."""
    summary = web_server.get("/telemetry/summary").json()
    absurd = {"tokens_saved": 10**308, "cost_saved_usd": 1e300, "cache_requests": -5, "hit_rate": -2e19}
    for view in ("all_time", "window"):
        summary[view] |= absurd
    page.route("**/telemetry/summary*", lambda route: route.fulfill(json=summary))
    open_chat(page, web_server)
    expect(page.locator("#m-tokens [data-role=value]")).to_contain_text("100,000,000")
    assert page.evaluate(SCROLLING_SIDEWAYS) == []
    boxes = [page.locator(f"#{card}").bounding_box() for card in ("m-hit", "m-tokens", "m-cost", "m-latency")]
    cards = [box for box in boxes if box is not None]
    assert len(cards) == 4 and all(a["x"] + a["width"] <= b["x"] for a, b in itertools.pairwise(cards))


# The x of the first and last character of a word, the first time it is under `root`.
EDGES = """([root, word]) => {
  const walker = document.createTreeWalker(document.querySelector(root), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.data.indexOf(word);
    if (at < 0) continue;
    const x = (i) => {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      return range.getBoundingClientRect().x;
    };
    return [x(at), x(at + word.length - 1)];
  }
  return null;
}"""


def reads_left_to_right(page: Page, word: str, root: str = "#inspector") -> bool:
    """Whether ``word``, the first time it is in ``root``, is drawn left to right."""
    edges: Any = page.evaluate(EDGES, [root, word])
    assert edges is not None, f"{word!r} is not in {root}"
    return bool(edges[0] < edges[1])


def test_a_right_to_left_override_in_a_prompt_stays_in_it(
    page: Page, guards_web_server: WebServer, tenant: str
) -> None:
    """A cached question starting with an unclosed RIGHT-TO-LEFT OVERRIDE: the candidate's reason drawn after
    it in the inspector read "'tsom' sv 'tsael' :sdrow etisoppo" before (the override ran to the end of the
    line); its own words are still its own to reverse."""
    seed(guards_web_server, tenant, RLO + LOOK_ALIKE, TOPIC)
    open_chat(page, guards_web_server, tenant)
    ask(page, QUERY)
    inspect(page)
    vetoed = page.locator("#inspector .candidates li").filter(has_text=LOOK_ALIKE)
    expect(vetoed).to_contain_text("opposite words")
    assert reads_left_to_right(page, "opposite", "#inspector .candidates")
    # The override still applies to the text that carries it.
    assert not reads_left_to_right(page, "fruit", "#inspector .candidates")


def test_a_right_to_left_override_in_an_earlier_turn_stays_in_it(page: Page, web_server: WebServer) -> None:
    """The inspector's matched context (a conversation's earlier turns) and standalone rewrite, drawn from a
    document as the server sends one for a conversation asked through the API (the page itself sends turns
    only in its own conversations, which reuse only their own answers): the words after a turn or a rewritten
    question that carries the override are not drawn reversed."""
    document = {
        "seq": 1,
        "column": "cache",
        "hit": False,
        "match": None,
        "threshold": 0.76,
        "candidates": [],
        "context": {"turns": [["user", RLO + "I barely use my plan."], ["assistant", "Noted."]], "similarity": 0.9},
        "rewrite": {"question": RLO + "How do I cancel my plan?", "model": "rewriter", "cached": True},
    }
    scripted(page, web_server, [("cache_document", document)], times=1)
    ask(page, "How do I cancel it?")
    inspect(page)
    expect(page.locator("#inspector")).to_contain_text("Matched context")
    assert reads_left_to_right(page, "assistant")
    assert reads_left_to_right(page, "rewriter")


def test_a_conversation_with_long_answers_sends_the_turns_that_fit(page: Page, web_server: WebServer) -> None:
    """Two answers of 60,000 characters in one conversation (streamed here by the test: the simulated model
    answers briefly): the next question carries the newest turns within the server's 100,000 characters and
    is answered. Before, the page sent them all and every later question was a 413."""
    long_answer = {"seq": 1, "column": "cache", "content": "word " * 12_000}
    done = {"seq": 2, "column": "cache", "status": "done", "outcome": "miss", "finish_reason": "stop"}
    scripted(page, web_server, [("content_chunk", long_answer), ("column_complete", done)], times=2)
    ask(page, "Print the first log.")
    ask(page, "Print the second log.")
    expect(page.locator("#conversation-turns")).to_have_attribute("data-count", "4")
    with page.expect_request("**/ask/stream") as sent:
        ask(page, "Which of the two is longer?")
    history = sent.value.post_data_json["history"]
    assert sum(len(turn["content"]) for turn in history) == 100_000
    assert [turn["content"] for turn in history[-2:]] == ["Print the second log.", long_answer["content"]]
    expect(page.locator("#col-cache")).to_have_attribute("data-status", "done")
    expect(page.locator("#col-cache [data-role=error]")).to_be_hidden()


def test_questions_past_the_tabs_storage_still_ask(page: Page, web_server: WebServer, tenant: str) -> None:
    """A history that fills the tab's storage (about 5.2 M characters in Chromium: one question asked under
    NEARHIT_MAX_PROMPT_CHARS=10,000,000 leaves that much): the next question is asked and listed, the oldest
    one is no longer kept. Before, saving the history threw before the question was sent."""
    open_chat(page, web_server, tenant)
    earlier = [{"prompt": "a" * 5_230_000, "outcome": "miss", "at": 0}]
    page.evaluate("(items) => sessionStorage.setItem('nearhit.history', JSON.stringify(items))", earlier)
    open_chat(page, web_server, tenant)  # the page reads its history back
    ask(page, "Summarise this: " + "b" * 20_000)
    expect(page.locator("#col-cache")).to_have_attribute("data-status", "done")
    expect(page.locator("#history li")).to_have_count(2)
    kept = page.evaluate("() => JSON.parse(sessionStorage.getItem('nearhit.history')).map((x) => x.prompt.length)")
    assert kept == [20_016]


def test_an_answer_the_server_did_not_store_is_not_called_stored(page: Page, web_server: WebServer) -> None:
    """A model's answer with a lone surrogate (half an emoji) streams, and the server skips storing it, saying
    why in ``column_complete`` (the events are those ``/ask/stream`` sends for it, the model being an OpenAI
    upstream the test server cannot reach). The match line said "→ stored" before: it guessed from the
    finish reason. In a conversation, the answer is then sent back as an earlier turn."""
    reason = "response contains a lone surrogate (U+D83D) at character 5: it is not valid Unicode text"
    events = [
        ("cache_document", {"seq": 1, "column": "cache", "hit": False, "match": None, "threshold": 0.76}),
        ("content_chunk", {"seq": 2, "column": "cache", "content": "Half \ud83d pair"}),
        (
            "column_complete",
            {"seq": 3, "column": "cache", "status": "done", "outcome": "miss", "finish_reason": "stop"}
            | {"store": "skipped", "store_reason": reason},
        ),
    ]
    scripted(page, web_server, events, times=1)
    ask(page, "Say something odd")
    assert answer_text(page) == "Half \ud83d pair"
    expect(page.locator("#col-cache [data-role=match]")).to_have_text(f"Miss → not stored: {reason}")
    # The conversation goes on: the turn is sent back with U+FFFD for the half pair (the server refuses a lone
    # surrogate, and refused every later question of the conversation before).
    with page.expect_request("**/ask/stream") as sent:
        ask(page, "Why is that odd?")
    assert sent.value.post_data_json["history"][1]["content"] == "Half \ufffd pair"
    expect(page.locator("#col-cache")).to_have_attribute("data-status", "done")


@pytest.mark.parametrize(
    ("field", "value", "said"),
    [
        ("requests_per_day", "1e308", "Check the inputs: Requests per day — Value must be less than or equal to "),
        ("output_tokens", "4.000000000000001", "Check the inputs: Output tokens — Input should be a valid integer."),
        ("region", MARKUP[0], f"The request was refused: unknown region '{MARKUP[0]}': the price table has "),
        ("region", RLO + "eastus2", "The request was refused: unknown region '\\u202eeastus2'"),
    ],
    ids=["huge", "not-an-integer", "markup", "override"],
)
def test_the_calculator_refuses_hostile_inputs_in_one_sentence(
    page: Page, console: Console, web_server: WebServer, field: str, value: str, said: str
) -> None:
    """Out of range (the browser's check), not an integer (the server's), a region of markup or with a
    direction override (the server's, quoted with the override escaped): one sentence with one full stop
    (two before: the message's own and the note's), nothing run."""
    page.goto(f"{web_server.url}/calculator")
    page.wait_for_selector("body[data-ready=true]")
    before = page.evaluate(CENSUS)
    asks = field != "requests_per_day"  # the browser refuses that one itself, without asking the server
    with page.expect_response("**/calculator/estimate") if asks else contextlib.nullcontext():
        page.fill(f"#{field}", value)
    note = page.locator("#form-note")
    expect(note).to_contain_text(said)
    assert not note.inner_text().endswith(".."), note.inner_text()
    assert page.evaluate(CENSUS) == before
    console.errors[:] = [e for e in console.errors if "/calculator/estimate" not in e]  # the refusal itself
