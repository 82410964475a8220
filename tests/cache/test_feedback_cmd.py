"""``nearhit cache feedback`` end to end (real Redis): a verdict by entry, and the errors a user meets."""

from __future__ import annotations

import asyncio
import json

from click.testing import CliRunner, Result

from nearhit.cache import Scope, SemanticCache
from nearhit.cli import main
from nearhit.config import Settings

CACHED = "Why was my card declined at checkout?"
LOOK_ALIKE = "What causes my card to be declined when I check out?"


async def invoke(settings: Settings, *args: str) -> Result:
    env = {
        "REDIS_URL": settings.redis_url,
        "VECTOR_INDEX_NAME": settings.index_name,
        "NEARHIT_DATA_DIR": str(settings.data_dir),
    }
    return await asyncio.to_thread(CliRunner().invoke, main, ["cache", "feedback", *args], env=env)


async def test_wrong_on_an_entry_with_its_question_stores_a_negative(cache: SemanticCache, settings: Settings) -> None:
    scope = Scope.build(tenant="cli")
    doc_id = await cache.store(CACHED, "Your bank declined it.", scope)
    result = await invoke(settings, "--doc-id", doc_id, "--prompt", LOOK_ALIKE, "--verdict", "wrong", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["action"] == "negative stored"
    assert (await cache.lookup(LOOK_ALIKE, scope)).rejected_by == "feedback"
    text = await invoke(settings, "--doc-id", doc_id, "--verdict", "right")
    assert text.exit_code == 0 and text.stdout.startswith(f"right: positive stored for {doc_id}")


async def test_unknown_ids_and_bad_verdicts(cache: SemanticCache, settings: Settings) -> None:
    unknown = await invoke(settings, "--request-id", "req-404", "--verdict", "wrong")
    assert unknown.exit_code == 1 and "req-404" in unknown.output
    bad = await invoke(settings, "--request-id", "r", "--verdict", "meh")
    assert bad.exit_code == 2 and "'meh' is not one of 'wrong', 'right'" in bad.output
    both = await invoke(settings, "--request-id", "r", "--doc-id", "d", "--verdict", "wrong")
    assert both.exit_code == 2 and "exactly one of" in both.output
    stray = await invoke(settings, "--request-id", "r", "--prompt", "p", "--verdict", "wrong")
    assert stray.exit_code == 2 and "--prompt goes with --doc-id" in stray.output
