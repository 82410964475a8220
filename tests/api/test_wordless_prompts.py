"""A prompt of no letter and no digit ("?", "...", "¿?", "👍") is answered, and served only its exact repeat: such
prompts normalised to one empty text (or embed side by side), and each was served another's answer."""

from __future__ import annotations

from typing import Any

import pytest

from nearhit import validate
from tests.support.live import LiveServer
from tests.support.sse import ask_stream
from tests.support.waiting import settled

# Pairs another writer could send one after the other: the second must never get the first's answer.
PAIRS = [("?", "..."), ("!!!", "¿?"), ("👍", "👎"), ("🙂🙂", "😡"), ("?!", "!?"), ("+", "−")]


async def _ask(live: LiveServer, surface: str, prompt: str) -> str | None:
    """The match of one request on ``surface`` (None: a miss), looked up from the widest threshold (0)."""
    if surface == "/ask":
        body: dict[str, Any] = {"prompt": prompt, "include_raw": False, "threshold": 0.0}
        response = await live.client.post("/ask", json=body)
        assert response.status_code == 200, response.text
        return response.json()["cache"]["cache_document"]["match"]
    if surface == "/ask/stream":
        stream = await ask_stream(live.client, {"prompt": prompt, "include_raw": False, "threshold": 0.0})
        return next(data for kind, data in stream if kind == "cache_document")["match"]
    chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": prompt}]}
    response = await live.client.post("/v1/chat/completions", json=chat, headers={"x-nearhit-threshold": "0"})
    assert response.status_code == 200, response.text
    verdict = response.headers["x-nearhit-cache"]
    return None if verdict == "miss" else verdict.removeprefix("hit-")


@pytest.mark.parametrize("surface", ["/ask", "/ask/stream", "/v1/chat/completions"])
async def test_a_wordless_prompt_is_served_only_its_exact_repeat(live: LiveServer, surface: str) -> None:
    for first, second in PAIRS:
        assert await _ask(live, surface, first) is None, first
        await settled(live.runtime)
        assert await _ask(live, surface, second) is None, (first, second)  # was served the first's answer
        await settled(live.runtime)
        assert await _ask(live, surface, f" {first} ") == "exact", first  # its repeat still hits
    # A worded prompt never meets a wordless one's entry, nor the other way round.
    assert await _ask(live, surface, "what?") is None
    await settled(live.runtime)
    assert await _ask(live, surface, "?") == "exact"


def test_wordless_means_no_letter_and_no_digit() -> None:
    for text in ("?", "...", "¿?", "!!!", "👍", "🙂🙂", "+ -", "∑", "❤️"):
        assert validate.wordless(text), text
    for text in ("a?", "42", "٣", "日本", "x", "1️⃣", "Ω"):
        assert not validate.wordless(text), text
