"""Two conversations that differ only in an earlier turn of no letter and no digit ("?" and "...") are two
conversations: such turns normalised to one empty text, so one was served the other's answer."""

from __future__ import annotations

from typing import Any

import pytest

from nearhit.cache import context_match
from tests.support.live import LiveServer
from tests.support.waiting import settled

# A follow-up and its rewording, further apart than the threshold allows (0.71): after the very same turns one
# is served the other's answer (context_match.SAME_TURNS_MARGIN), after other turns it is not.
ASKED, REWORDED = "How much is it a month?", "What's the monthly price for that one?"
# Two wordless turns another writer could send, and whose turn they are.
TURNS = [("?", "...", "user"), ("...", "?", "assistant"), ("!!", "?!", "user"), ("¿?", "👍", "assistant")]


def _history(wordless: str, role: str) -> list[dict[str, str]]:
    said = "My Flixora Standard subscription renews tomorrow."
    if role == "user":
        return [
            {"role": "user", "content": said},
            {"role": "assistant", "content": "Noted."},
            {"role": "user", "content": wordless},
            {"role": "assistant", "content": "Anything else?"},
        ]
    return [{"role": "user", "content": said}, {"role": "assistant", "content": wordless}]


async def _ask(live: LiveServer, surface: str, history: list[dict[str, str]], prompt: str) -> str | None:
    if surface == "/ask":
        body: dict[str, Any] = {"prompt": prompt, "history": history, "include_raw": False}
        response = await live.client.post("/ask", json=body)
        assert response.status_code == 200, response.text
        return response.json()["cache"]["cache_document"]["match"]
    chat = {"model": "gpt-4o", "messages": [*history, {"role": "user", "content": prompt}]}
    response = await live.client.post("/v1/chat/completions", json=chat)
    assert response.status_code == 200, response.text
    verdict = response.headers["x-nearhit-cache"]
    return None if verdict == "miss" else verdict.removeprefix("hit-")


@pytest.mark.parametrize(("first", "second", "role"), TURNS)
@pytest.mark.parametrize("surface", ["/ask", "/v1/chat/completions"])
async def test_conversations_apart_by_a_wordless_turn_do_not_share_an_answer(
    live_without_quiet_band: LiveServer,
    surface: str,
    first: str,
    second: str,
    role: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Not read as the very same turns. (Matched by meaning, a wordless turn says nothing, and the fitted decision for
    turns that matched may serve the rewording: it is off here, so the same turns' margin is tested.)"""
    monkeypatch.setattr(context_match, "matched_margin", lambda: 0.0)
    live = live_without_quiet_band
    assert await _ask(live, surface, _history(first, role), ASKED) is None
    await settled(live.runtime)
    assert await _ask(live, surface, _history(first, role), REWORDED) == "semantic"  # after its very turns
    assert await _ask(live, surface, _history(second, role), REWORDED) is None  # was: read as the same turns
    await settled(live.runtime)
    assert await _ask(live, surface, _history(first, role), ASKED) == "exact"
    assert await _ask(live, surface, _history(second, role), REWORDED) == "exact"
