#!/usr/bin/env python3
"""Smoke-test a running nearhit (a container, usually): /health, one /ask/stream round trip, a cache hit.

    python3 deploy/smoke.py http://127.0.0.1:8000             # Redis usable: expects 200 and an exact hit
    python3 deploy/smoke.py http://127.0.0.1:8000 --degraded  # Redis unusable: expects 503 and raw answers
    python3 deploy/smoke.py http://127.0.0.1:8000 --embedder use-multilingual-v3  # and /readiness names it

Standard library only, so it runs with any python3 on the host. Exits non-zero with a reason on failure.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import urllib.error
import urllib.request
import uuid
from typing import Any


def fail(message: str) -> None:
    print(f"smoke: FAIL: {message}", file=sys.stderr)
    raise SystemExit(1)


def get_health(base: str) -> tuple[int, dict[str, Any]]:
    try:
        with urllib.request.urlopen(f"{base}/health", timeout=5) as response:
            return response.status, json.load(response)
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"{}")


def wait_for_health(base: str, want: int, timeout: float) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            status, body = get_health(base)
            if status == want:
                return body
            last = f"{status} {body}"
        except (OSError, ValueError) as exc:
            last = str(exc)
        time.sleep(0.5)
    fail(f"/health did not answer {want} within {timeout:.0f} s (last: {last})")
    raise AssertionError  # unreachable


def ask_stream(base: str, prompt: str) -> list[tuple[str, dict[str, Any]]]:
    """POST /ask/stream and parse the Server-Sent Events into (event, data) pairs."""
    request = urllib.request.Request(
        f"{base}/ask/stream",
        data=json.dumps({"prompt": prompt, "tenant": "smoke"}).encode(),
        headers={"content-type": "application/json", "accept": "text/event-stream"},
        method="POST",
    )
    events: list[tuple[str, dict[str, Any]]] = []
    name, data = "message", ""
    with urllib.request.urlopen(request, timeout=60) as response:
        if response.status != 200:
            fail(f"/ask/stream answered {response.status}")
        for raw in response:
            line = raw.decode("utf-8").rstrip("\r\n")
            if not line:
                if data:
                    events.append((name, json.loads(data)))
                name, data = "message", ""
            elif line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data += line[5:].strip()
    return events


def column(events: list[tuple[str, dict[str, Any]]], name: str) -> dict[str, Any]:
    """The cache document, the text and the completion of one column."""
    found: dict[str, Any] = {"text": "", "document": None, "complete": None}
    for event, data in events:
        if data.get("column") != name:
            continue
        if event == "cache_document":
            found["document"] = data
        elif event == "content_chunk":
            found["text"] += data.get("content", "")
        elif event == "column_complete":
            found["complete"] = data
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base_url")
    parser.add_argument("--degraded", action="store_true", help="expect a Redis that cannot be used")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds to wait for /health")
    parser.add_argument("--embedder", help="the embedder model /readiness must report (e.g. use-multilingual-v3)")
    args = parser.parse_args()
    base = args.base_url.rstrip("/")
    started = time.monotonic()

    health = wait_for_health(base, 503 if args.degraded else 200, args.timeout)
    print(f"smoke: /health {'503' if args.degraded else '200'} after {time.monotonic() - started:.1f} s: {health}")
    if args.embedder:
        with urllib.request.urlopen(f"{base}/readiness", timeout=30) as response:
            model = json.load(response).get("embedder", {}).get("model")
        if model != args.embedder:
            fail(f"/readiness reports the embedder {model!r}, expected {args.embedder!r}")
        print(f"smoke: /readiness: embedder {model}")

    prompt = f"What is the capital of France? (smoke {uuid.uuid4().hex[:8]})"
    events = ask_stream(base, prompt)
    kinds = {event for event, _ in events}
    if "stream_complete" not in kinds:
        fail(f"/ask/stream ended without stream_complete (events: {sorted(kinds)})")
    raw, cached = column(events, "raw"), column(events, "cache")
    if not raw["text"] or not cached["text"]:
        fail(f"a column streamed no text (raw {len(raw['text'])} chars, cache {len(cached['text'])} chars)")
    document = cached["document"]
    if document is None:
        fail("no cache_document event")
    if args.degraded:
        if not document.get("degraded") or not document.get("reason"):
            fail(f"expected a degraded cache column with a reason, got {document}")
        print(f"smoke: degraded as expected, answered by the LLM: {document['reason']}")
        print("smoke: OK (degraded)")
        return
    if document.get("match") is not None:
        fail(f"the first ask should miss, got match={document.get('match')!r}")
    print(f"smoke: first ask streamed {len(cached['text'])} chars, match=None (miss)")

    # The answer is stored in the background once the stream ends: give it a moment.
    for attempt in range(20):
        again = column(ask_stream(base, prompt), "cache")
        match = (again["document"] or {}).get("match")
        if match == "exact":
            if again["text"] != cached["text"]:
                fail("the cached replay differs from the first answer")
            print(f"smoke: second ask: match='exact' (attempt {attempt + 1}), same text replayed")
            print("smoke: OK")
            return
        time.sleep(0.25)
    fail(f"the second identical ask never hit the cache (last match={match!r})")


if __name__ == "__main__":
    main()
