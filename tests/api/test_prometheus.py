"""``/metrics`` for Prometheus: scraped from a real server, parsed with ``prometheus_client.parser``."""

from __future__ import annotations

import asyncio
import re
import uuid

import httpx
import pytest
from prometheus_client.openmetrics.parser import text_string_to_metric_families as openmetrics_families
from prometheus_client.parser import text_string_to_metric_families

from tests.support.live import LiveServer
from tests.support.server_process import TwoWorkers

Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def parse(text: str) -> Samples:
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


async def scrape(live: LiveServer, path: str = "/metrics/prometheus", accept: str | None = None) -> Samples:
    response = await live.client.get(path, headers={"Accept": accept} if accept else {})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    return parse(response.text)


async def ask(live: LiveServer, prompt: str) -> dict:
    response = await live.client.post("/ask", json={"prompt": prompt, "include_raw": False})
    assert response.status_code == 200, response.text
    return response.json()["cache"]


async def test_counters_move_after_a_miss_and_a_hit(live: LiveServer) -> None:
    before = await scrape(live)
    prompt = f"What is the boiling point of water, question {uuid.uuid4().hex[:6]}?"
    assert (await ask(live, prompt))["cache_document"]["match"] is None
    await live.runtime.telemetry.flush()
    assert (await ask(live, prompt))["cache_document"]["match"] == "exact"
    after = await scrape(live)

    def delta(name: str, **labels: str) -> float:
        return value(after, name, **labels) - value(before, name, **labels)

    assert delta("nearhit_lookups_total", result="miss") == 1
    assert delta("nearhit_lookups_total", result="exact") == 1
    assert delta("nearhit_requests_total", column="cache") == 2
    assert delta("nearhit_llm_calls_total", column="cache") == 1
    assert delta("nearhit_tokens_saved_total") > 0 and delta("nearhit_cost_saved_usd_total") > 0
    assert delta("nearhit_lookup_seconds_count", result="exact") == 1
    assert delta("nearhit_first_chunk_seconds_count", column="cache") == 2
    assert delta("nearhit_answer_seconds_bucket", column="cache", le="+Inf") == 2
    assert value(after, "nearhit_index_entries") >= 1


async def test_guard_rejections_are_counted_by_guard(live: LiveServer) -> None:
    await ask(live, "How many moons does Mars have, 2 or 3?")
    await live.runtime.telemetry.flush()
    before = await scrape(live)
    document = (await ask(live, "How many moons does Mars have, 4 or 5?"))["cache_document"]
    after = await scrape(live)
    guard = document["rejected_by"]
    assert guard is not None, document  # the numbers guard refuses the look-alike
    assert (
        value(after, "nearhit_guard_rejections_total", guard=guard)
        - value(before, "nearhit_guard_rejections_total", guard=guard)
        == 1
    )


async def test_metrics_negotiates_json_and_prometheus(live: LiveServer) -> None:
    default = await live.client.get("/metrics")
    assert default.headers["content-type"] == "application/json" and "cache" in default.json()
    asked_json = await live.client.get("/metrics", headers={"Accept": "application/json"})
    assert asked_json.headers["content-type"] == "application/json"
    scraper = "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
    openmetrics = await live.client.get("/metrics", headers={"Accept": scraper})
    assert openmetrics.headers["content-type"].startswith("application/openmetrics-text")
    assert openmetrics.text.rstrip().endswith("# EOF")
    plain = await scrape(live, "/metrics", accept="text/plain")
    assert ("nearhit_index_entries", ()) in plain


@pytest.mark.slow
def test_two_workers_report_together(two_workers: TwoWorkers) -> None:
    """``serve --workers 2`` runs prometheus_client in multi-process mode: any worker's scrape sums both."""
    url = two_workers.url
    with httpx.Client(base_url=url, timeout=30) as first:  # the server is the session's: count from here
        before = value(parse(first.get("/metrics/prometheus").text), "nearhit_requests_total", column="cache")
    for n in range(12):
        with httpx.Client(base_url=url, timeout=30) as fresh:  # new connections spread over both workers
            body = {"prompt": f"Question number {n} about workers?", "include_raw": False}
            assert fresh.post("/ask", json=body).status_code == 200
    scrapes = []
    for _ in range(6):
        with httpx.Client(base_url=url, timeout=30) as fresh:
            scrapes.append(parse(fresh.get("/metrics/prometheus").text))
    for samples in scrapes:
        assert value(samples, "nearhit_requests_total", column="cache") == before + 12
    assert len(list(two_workers.tmpdir.glob("nearhit-prometheus-*"))) == 1  # removed on exit: see two_workers


async def test_single_flight_joins_are_not_llm_calls(live: LiveServer) -> None:
    """Three identical asks at once: one LLM call, the others join it (or, on a loaded machine where an ask comes
    late, are served the stored answer). Asked again with a fresh prompt until a join is seen."""
    for _ in range(5):
        before, started = await scrape(live), live.runtime.flights.started
        prompt = f"Why do identical questions share one call, {uuid.uuid4().hex[:6]}?"
        answers = await asyncio.gather(*(ask(live, prompt) for _ in range(3)))
        after = await scrape(live)
        calls = value(after, "nearhit_llm_calls_total", column="cache") - value(
            before, "nearhit_llm_calls_total", column="cache"
        )
        joins = value(after, "nearhit_singleflight_joins_total") - value(before, "nearhit_singleflight_joins_total")
        served = sum(answer["cache_document"]["match"] is not None for answer in answers)
        assert calls == live.runtime.flights.started - started
        assert calls + joins + served == 3, (calls, joins, served)
        if joins >= 1:
            assert calls == 1
            # The call's price once (hv61: each request that joined it added it again, so a burst of identical
            # questions multiplied the spend reported, in Prometheus and in the telemetry, past the bill).
            paid = [answer["cost_usd"] for answer in answers if not answer["joined"]]
            spent = value(after, "nearhit_cost_usd_total", column="cache") - value(
                before, "nearhit_cost_usd_total", column="cache"
            )
            assert spent == pytest.approx(sum(paid)) and sum(paid) > 0
            assert {answer["cost_usd"] for answer in answers if answer["joined"]} == {0.0}
            return
    pytest.fail("no ask joined another's call in five tries")


HOSTILE_NAMES = ['a"b', "back\\slash", "new\nline", "x" * 10_000, 'q{le="+Inf"} 1e9', "\u2028sep", "日本"]
BOUNDED_LABELS = {
    "column": {"raw", "cache"},
    "result": {"exact", "semantic", "miss", "bypass", "degraded"},
    "operation": {"lookup", "telemetry", "scrape"},
}


async def test_hostile_model_names_and_tenants_never_reach_a_label(live: LiveServer) -> None:
    # Twelfth round: quotes, backslashes, newlines, 10k characters and many distinct values as the model a
    # gateway caller names and as the tenant of /ask. None may become a label value (an escaping bug breaks
    # the exposition; distinct values are a series each, without bound).
    before = await scrape(live)
    for n, name in enumerate(HOSTILE_NAMES * 3):
        question = f"What is hostile label {n}?"
        chat = await live.client.post(
            "/v1/chat/completions", json={"model": name, "messages": [{"role": "user", "content": question}]}
        )
        asked = await live.client.post("/ask", json={"prompt": question, "tenant": f"{name}{n}"})
        assert chat.status_code < 500 and asked.status_code < 500, (chat.text, asked.text)
    await live.runtime.telemetry.flush()
    text = (await live.client.get("/metrics/prometheus", headers={"Accept": "text/plain"})).text
    after = parse(text)
    served = value(after, "nearhit_requests_total", column="cache")
    assert served > value(before, "nearhit_requests_total", column="cache")
    for name in HOSTILE_NAMES:
        assert name[:20] not in text
    for _, labels in after:
        for label, label_value in labels:
            if label in BOUNDED_LABELS:
                assert label_value in BOUNDED_LABELS[label], (label, label_value)
            elif label == "guard":  # a guard's name or a fixed reason ("max-age": the gateway's Cache-Control)
                assert re.fullmatch(r"[a-z][a-z_-]{0,38}", label_value), label_value
            else:
                assert label == "le", label
    openmetrics = await live.client.get("/metrics/prometheus", headers={"Accept": "application/openmetrics-text"})
    assert list(openmetrics_families(openmetrics.text))  # the other format parses too
