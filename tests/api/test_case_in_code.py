"""Through ``/ask``: a flag or code span in another case is another question ("curl -I" / "curl -i"), the same
question in other prose case is the same one."""

from __future__ import annotations

from typing import Any

from tests.support.live import LiveServer
from tests.support.waiting import settled


async def _ask(live: LiveServer, prompt: str) -> dict[str, Any]:
    response = await live.client.post("/ask", json={"prompt": prompt, "include_raw": False, "threshold": 0.0})
    assert response.status_code == 200, response.text
    document: dict[str, Any] = response.json()["cache"]["cache_document"]
    return document


# (a question, the same with a flag or code span in another case, the first in other prose case)
CASES = [
    ("What does `curl -I` do?", "What does `curl -i` do?", "WHAT DOES `curl -I` DO"),
    ("Explain ls -R", "Explain ls -r", "explain LS -R."),
]


async def test_flags_in_another_case_are_two_questions(live: LiveServer) -> None:
    for first, second, shouted in CASES:
        assert (await _ask(live, first))["match"] is None
        await settled(live.runtime)
        refused = await _ask(live, second)  # was an exact hit, served the first's answer
        assert refused["match"] is None and refused["rejected_by"] == "code", (first, second, refused)
        await settled(live.runtime)
        assert (await _ask(live, second))["match"] == "exact"  # each has its own entry
        assert (await _ask(live, shouted))["match"] == "exact", shouted
