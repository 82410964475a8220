"""``nearhit eval`` with the model's check on (``NEARHIT_VERIFY_MODEL``) and its provider failing: the report says
the check failed, and on how many lookups, instead of reading as if the model had said no (real Redis, the fake
OpenAI-compatible server on a real socket answering HTTP 500)."""

from __future__ import annotations

import json
from pathlib import Path

from nearhit.cache import SemanticCache
from nearhit.config import Settings
from tests.api.test_verify import HISTORY, QUESTION, REWORDED
from tests.evaluation.test_eval_cmd import invoke
from tests.support.fake_upstream import FakeUpstream, Status

ANSWER = "Run three to four days a week, with one longer run at the weekend."


def pairs_file(folder: Path) -> Path:
    a = [*HISTORY, {"role": "user", "content": QUESTION}]
    b = [*REWORDED, {"role": "user", "content": QUESTION}]
    path = folder / "pairs.jsonl"
    pair = {"id": "p1", "a": a, "b": b, "same_answer": True, "category": "reworded_history", "a_answer": ANSWER}
    path.write_text(json.dumps(pair) + "\n")
    return path


async def test_eval_says_when_the_check_failed(
    cache: SemanticCache, settings: Settings, upstream_server: FakeUpstream, tmp_path: Path
) -> None:
    upstream_server.reset(Status(500, "the provider is down"))
    down = {
        "NEARHIT_LLM": "openai",
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": upstream_server.base_url,
        "NEARHIT_VERIFY_MODEL": "gpt-4o-mini",
        # The rules' hit is what the check reads (strict mode and the judge would refuse this rewording first).
        "NEARHIT_CONVERSATION_STRICT": "false",
        "NEARHIT_CONVERSATION_JUDGE": "none",
    }
    args = ("eval", "-d", str(pairs_file(tmp_path)), "--no-neighbours")
    result = await invoke(settings, *args, "--json", **down)
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["scores"]["hits"] == 0 and len(upstream_server.chat_requests) == 1  # refused: fail closed
    # Not told as the model's "no": the failure has its own row and count.
    assert report["rejected_by"] == {"verify failed": {"traps": 0, "should_hit": 1}}, report["rejected_by"]
    assert report["check_failures"] == 1
    text = await invoke(settings, *args, **down)
    assert "the model's check (NEARHIT_VERIFY_MODEL) failed on 1 lookup" in text.stdout, text.stdout
    assert "the provider is down" in text.stdout
