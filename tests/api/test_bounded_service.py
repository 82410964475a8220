"""The error-bounded cache in the running service: explorations labelled from the fresh answer, the judge."""

from __future__ import annotations

import logging

import pytest

from nearhit.cache import SemanticCache
from nearhit.config import Settings
from nearhit.embeddings.local import LocalEmbedder
from nearhit.llm.judge import Judge, build_judge
from nearhit.llm.openai_compatible import build_openai
from nearhit.service.runtime import Runtime
from tests.api.test_access import CALLERS, secured
from tests.api.test_feedback import CACHED, LOOK_ALIKE
from tests.support.fake_upstream import FakeUpstream
from tests.support.live import fast_llm, serve
from tests.support.waiting import eventually, settled


async def test_an_exploration_is_answered_by_the_llm_and_labelled(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    own = settings.model_copy(update={"max_wrong_rate": 0.02})
    runtime = Runtime(own, local_embedder, fast_llm())
    try:
        async with serve(own, runtime) as live:
            await live.client.post("/cache/store", json={"prompt": CACHED, "response": "Your bank declined it."})
            response = await live.client.post("/ask", json={"prompt": LOOK_ALIKE, "include_raw": False})
            document = response.json()["cache"]["cache_document"]
            assert document["match"] is None and document["rejected_by"] == "bound"
            assert document["bound"]["action"] == "explore" and document["probe"]["exploration"]
            assert "cached_response" not in document["probe"]
            cache = await runtime.cache()

            async def labelled() -> bool:
                return (await cache.feedback.counters())["labels_answer"] == 1

            assert await eventually(
                labelled, timeout=10
            )  # the simulated answer differs from the cached one: a negative
            summary = (await live.client.get("/telemetry/summary")).json()["feedback"]
            assert summary["labels_answer"] == 1
    finally:
        cache = await runtime.cache()
        await cache.clear()
        await runtime.close()


async def test_a_tenant_is_told_what_became_of_its_lookup_not_the_index_evidence(
    settings: Settings, local_embedder: LocalEmbedder
) -> None:
    """``bound.served_from`` and the counts in the bound's reason are every tenant's labels: a key polling them saw
    them move as other tenants gave feedback. A tenant's key gets the action and a reason without them (as
    ``rejection_reason``); the admin token still gets the evidence."""
    own = secured(settings).model_copy(update={"max_wrong_rate": 0.02, "guards": True})
    runtime = Runtime(own, local_embedder, fast_llm())
    admin, alpha = CALLERS["admin"], CALLERS["own"]
    try:
        async with serve(own, runtime) as live:
            stored = {"prompt": CACHED, "response": "Your bank declined it.", "tenant": "alpha"}
            assert (await live.client.post("/cache/store", json=stored, headers=admin)).status_code == 201
            cache = await runtime.cache()
            # The first is explored and labelled; the second, worded apart (not stored), is judged on that label too.
            for prompt in (LOOK_ALIKE, f"Please tell me: {LOOK_ALIKE}"):
                asked = {"prompt": prompt, "include_raw": False, "no_store": prompt != LOOK_ALIKE}
                document = (await live.client.post("/ask", json=asked, headers=alpha)).json()["cache"]["cache_document"]
                assert document["rejected_by"] == "bound" and "served_from" not in document["bound"], document
                reason = document["bound"]["reason"]
                assert document["rejection_reason"] == reason and not any(c.isdigit() for c in reason), reason
                await settled(runtime)
                await eventually(lambda: _labelled(cache), timeout=10)
            response = await live.client.post("/ask", json=asked | {"tenant": "alpha"}, headers=admin)
            document = response.json()["cache"]["cache_document"]
            assert document["bound"]["served_from"] > 0 and any(c.isdigit() for c in document["bound"]["reason"])
    finally:
        cache = await runtime.cache()
        await cache.clear()
        await runtime.close()


async def _labelled(cache: SemanticCache) -> bool:
    return (await cache.feedback.counters())["labels_answer"] >= 1


async def test_an_unreachable_judge_leaves_the_static_decision_serving_and_says_so(
    settings: Settings, local_embedder: LocalEmbedder, caplog: pytest.LogCaptureFixture
) -> None:
    own = settings.model_copy(update={"max_wrong_rate": 0.02, "llm_max_retries": 0, "llm_timeout": 2.0})
    judge = Judge(build_openai(own.model_copy(update={"openai_base_url": "http://127.0.0.1:9/v1", "chat_model": "j"})))
    runtime = Runtime(own, local_embedder, fast_llm(), judge)
    try:
        with caplog.at_level(logging.WARNING, logger="nearhit.llm.judge"):
            async with serve(own, runtime) as live:
                readiness = (await live.client.get("/readiness")).json()
                assert readiness["ready"] is True
                assert readiness["judge"]["ok"] is False and "static decision" in readiness["judge"]["error"]
                await live.client.post("/cache/store", json={"prompt": CACHED, "response": "Your bank declined it."})
                response = await live.client.post("/ask", json={"prompt": LOOK_ALIKE, "include_raw": False})
                document = response.json()["cache"]["cache_document"]
                assert document["match"] == "semantic" and document["bound"] is None  # static decision
        assert any("judge j unreachable" in r.getMessage() for r in caplog.records)
    finally:
        cache = await runtime.cache()
        await cache.clear()
        await runtime.close()


def test_the_simulated_model_is_never_a_judge(settings: Settings) -> None:
    assert build_judge(settings.model_copy(update={"judge_model": "gpt-4o-mini", "llm": "simulated"})) is None
    assert build_judge(settings) is None
    judge = build_judge(
        settings.model_copy(update={"judge_model": "small", "openai_base_url": "http://127.0.0.1:9/v1"})
    )
    assert judge is not None and judge.model == "small"


async def test_a_reachable_judge_labels_the_exploration(
    settings: Settings, local_embedder: LocalEmbedder, upstream_server: FakeUpstream
) -> None:
    upstream_server.reset(upstream_server.answer("yes"))
    own = settings.model_copy(update={"max_wrong_rate": 0.02})
    judge = build_judge(
        own.model_copy(update={"judge_model": "judge-small", "openai_base_url": upstream_server.base_url})
    )
    assert judge is not None
    runtime = Runtime(own, local_embedder, fast_llm(), judge)
    try:
        async with serve(own, runtime) as live:
            assert (await live.client.get("/readiness")).json()["judge"] == {"ok": True, "model": "judge-small"}
            stored = await live.client.post(
                "/cache/store", json={"prompt": CACHED, "response": "Your bank declined it."}
            )
            doc_id = stored.json()["doc_id"]
            response = await live.client.post("/ask", json={"prompt": LOOK_ALIKE, "include_raw": False})
            assert response.json()["cache"]["cache_document"]["rejected_by"] == "bound"
            cache = await runtime.cache()

            async def labelled() -> bool:
                return (await cache.feedback.counters())["labels_judge"] == 1

            assert await eventually(labelled, timeout=10)
            observations, _ = await cache.feedback.state([doc_id], histogram=False)
            assert [o.right for o in observations[doc_id]] == [True]
            asked = upstream_server.chat_requests[-1].body
            assert asked is not None and asked["model"] == "judge-small"
            assert LOOK_ALIKE in asked["messages"][-1]["content"] and CACHED in asked["messages"][-1]["content"]
    finally:
        cache = await runtime.cache()
        await cache.clear()
        await runtime.close()
