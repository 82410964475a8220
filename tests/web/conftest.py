"""Browser tests: the real ``nearhit serve`` in a subprocess (the session's embedded Redis, the simulated
LLM made fast) and Debian's Chromium driven by Playwright.

The server runs in its own process because Playwright's sync API blocks the thread it runs in. Screenshots
go to ``artifacts/screenshots/`` under the repository (ignored by git); the test that takes them prints
the folder.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Error, Page, sync_playwright

from tests.support.fake_upstream import FakeUpstream
from tests.support.server_process import server_process

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
REPO = Path(__file__).resolve().parents[2]
SCREENSHOTS = REPO / "artifacts" / "screenshots"
DOCS_IMAGES = REPO / "docs" / "images"
VERIFY_MODEL = "gpt-4o-mini"
"""The model of :func:`verifying_web_server`'s check (``NEARHIT_VERIFY_MODEL``)."""


RULES_ALONE = {"NEARHIT_CONVERSATION_STRICT": "false", "NEARHIT_CONVERSATION_JUDGE": "none"}
"""The rules alone decide a conversation's hit (strict mode and the bundled judge are on by default since the
fifty-second session): the pages' tests say what the page shows of a rule; :func:`strict_judged_web_server` runs the
defaults."""


@dataclass
class WebServer:
    url: str
    index_name: str

    def post(self, path: str, json: object) -> httpx.Response:
        return httpx.post(f"{self.url}{path}", json=json, timeout=30)

    def get(self, path: str) -> httpx.Response:
        return httpx.get(f"{self.url}{path}", timeout=30)

    def store_in_conversation(self, tenant: str, conversation: str, turns: list[tuple[str, str]], prompt: str) -> None:
        """Another conversation stored in a page's conversation scope (``conversation``, the page's id): ``prompt``
        asked after ``turns`` through ``/ask`` with no lookup first (``no_cache``), so that it is stored as it is."""
        body = {
            "prompt": prompt,
            "history": [{"role": role, "content": content} for role, content in turns],
            "tenant": tenant,
            "conversation_id": conversation,
            "no_cache": True,
            "include_raw": False,
        }
        stored = self.post("/ask", body)
        assert stored.status_code == 200, stored.text


@pytest.fixture(scope="session")
def web_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """``nearhit serve`` on a free port, on its own index of the session's Redis, with a fast simulated LLM."""
    # The inspector shows the decision's score: the pages are tested with it on (the default).
    yield from _serve(redis_url, tmp_path_factory, RULES_ALONE)


@pytest.fixture(scope="session")
def guards_web_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """:func:`web_server` with the guards as vetoes (``NEARHIT_DECISION=false``, no calibrated decision)."""
    yield from _serve(redis_url, tmp_path_factory, RULES_ALONE | {"NEARHIT_DECISION": "false"})


@pytest.fixture(scope="session")
def bound_web_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """:func:`web_server` under a wrong-hit bound (``NEARHIT_MAX_WRONG_RATE``), the guards as vetoes (the bound's
    gate unless ``NEARHIT_DECISION`` is set)."""
    yield from _serve(redis_url, tmp_path_factory, RULES_ALONE | {"NEARHIT_MAX_WRONG_RATE": "0.02"})


@pytest.fixture(scope="session")
def judging_web_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """:func:`web_server` with a trained conversation judge (``NEARHIT_CONVERSATION_JUDGE``) that says yes to every
    pair: the tiny ONNX model of ``tests/cache/test_conversation_judge.py``, logit +8, cut 0.95."""
    from tests.cache.test_conversation_judge import YES, judge_folder

    folder = judge_folder(tmp_path_factory.mktemp("judge"), YES)
    env = RULES_ALONE | {"NEARHIT_CONVERSATION_JUDGE": str(folder), "NEARHIT_CONVERSATION_JUDGE_CUT": "0.95"}
    yield from _serve(redis_url, tmp_path_factory, env)


@pytest.fixture(scope="session")
def strict_web_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """:func:`web_server` with the strict setting on (``NEARHIT_CONVERSATION_STRICT``): a conversation hit is refused
    whenever one side's user turns say more than the other's."""
    yield from _serve(
        redis_url, tmp_path_factory, {"NEARHIT_CONVERSATION_STRICT": "true", "NEARHIT_CONVERSATION_JUDGE": "none"}
    )


@pytest.fixture(scope="session")
def strict_judged_web_server(redis_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebServer]:
    """:func:`strict_web_server` with the bundled judge on, the defaults: a hit strict mode flags is served only when
    the judge is sure of it (``judge.refuse_strictly``)."""
    settings = {"NEARHIT_CONVERSATION_STRICT": "true", "NEARHIT_CONVERSATION_JUDGE": "bundled"}
    yield from _serve(redis_url, tmp_path_factory, settings)


@pytest.fixture(scope="session")
def model_upstream() -> Iterator[FakeUpstream]:
    """The fake OpenAI-compatible server (real HTTP on loopback) behind :func:`verifying_web_server`: its chat model's
    and its check's, each test scripting both (``FakeUpstream.reset``, the check's by its model)."""
    upstream = FakeUpstream()
    yield upstream
    upstream.close()


@pytest.fixture(scope="session")
def verifying_web_server(
    redis_url: str, tmp_path_factory: pytest.TempPathFactory, model_upstream: FakeUpstream
) -> Iterator[WebServer]:
    """:func:`web_server` on a real provider, OpenAI's SDK at :func:`model_upstream`, with the model's check of a
    conversation's hit on (``NEARHIT_VERIFY_MODEL``, which the simulated model would ignore)."""
    env = RULES_ALONE | {
        "NEARHIT_LLM": "openai",
        "OPENAI_BASE_URL": model_upstream.base_url,
        "OPENAI_API_KEY": "test-key",
        "NEARHIT_EMBEDDER": "local",
        "NEARHIT_VERIFY_MODEL": VERIFY_MODEL,
    }
    yield from _serve(redis_url, tmp_path_factory, env)


def _serve(redis_url: str, tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> Iterator[WebServer]:
    index_name = f"web_{uuid.uuid4().hex[:10]}"
    env = {
        "REDIS_URL": redis_url,
        "VECTOR_INDEX_NAME": index_name,
        "NEARHIT_SIM_TTFT_MS": "300",
        "NEARHIT_SIM_TOKENS_PER_SECOND": "400",
    } | env
    try:
        with server_process(env, tmp_path_factory.mktemp("web-server")) as url:
            yield WebServer(url, index_name)
    finally:
        _drop(redis_url, index_name)


def _drop(redis_url: str, index_name: str) -> None:
    import redis

    client = redis.Redis.from_url(redis_url)
    try:
        with contextlib.suppress(redis.ResponseError):
            client.execute_command("FT.DROPINDEX", index_name, "DD")
        keys = list(client.scan_iter(match=f"nearhit:{index_name}:*", count=1000))
        if keys:
            client.delete(*keys)
    finally:
        client.close()


# --- The browser -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one module's page tests, stopped when they end: Playwright's sync API runs an event loop in this
    thread while it is open, and a later test's ``asyncio.run`` would refuse to start inside it."""
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's Chromium (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Console:
    """What the page said: console errors and uncaught exceptions (both must stay empty)."""

    errors: list[str] = field(default_factory=list)


def new_page(browser: Browser, console: Console, width: int = 1280, height: int = 900) -> Page:
    """A page in a context of its own (own localStorage) whose console errors are collected."""
    context = browser.new_context(viewport={"width": width, "height": height})
    page = context.new_page()
    page.set_default_timeout(15_000)

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error":
            console.errors.append(f"console: {message.text} ({message.location.get('url')})")

    def on_page_error(error: Error) -> None:
        console.errors.append(f"uncaught: {error}")

    page.on("console", on_console)
    page.on("pageerror", on_page_error)
    return page


@pytest.fixture
def console() -> Iterator[Console]:
    """Collects the console errors of the test's pages, and fails the test if there were any."""
    seen = Console()
    yield seen
    assert seen.errors == [], "the page logged errors:\n" + "\n".join(seen.errors)


@pytest.fixture
def page(browser: Browser, console: Console) -> Iterator[Page]:
    """A fresh 1280 × 900 page (own context: own localStorage) whose console errors fail the test."""
    page = new_page(browser, console)
    yield page
    page.context.close()


@pytest.fixture
def tenant() -> str:
    """A tenant of the test's own: its cache entries are invisible to the other tests."""
    return f"web-{uuid.uuid4().hex[:8]}"
