"""README, "The OpenAI-compatible gateway": its two Python examples run as written (only the port changed) against
a served gateway, and do what their comments say: the OpenAI SDK's call is a miss, then ``hit-exact`` when run
again; LangChain's ``stream`` after its ``invoke`` is replayed from the cache, not a second generation."""

from __future__ import annotations

import asyncio
import contextlib
import io
import re
from pathlib import Path

import pytest

from tests.gateway.conftest import Gateway, ServeGateway

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README.split("## The OpenAI-compatible gateway", 1)[1].split("\n## ", 1)[0]
EXAMPLES = re.findall(r"```python\n(.*?)```", SECTION, re.DOTALL)
README_URL = "http://127.0.0.1:8000/v1"


def example(imports: str) -> str:
    [code] = [block for block in EXAMPLES if block.startswith(imports)]
    assert README_URL in code
    return code


async def run(code: str, gateway: Gateway) -> str:
    """The example's output, run in a thread (its SDK calls block) with the README's URL made the gateway's."""

    def execute() -> str:
        out = io.StringIO()
        with contextlib.redirect_stdout(out):
            exec(code.replace(README_URL, gateway.base_url), {"__name__": "readme"})
        return out.getvalue()

    return await asyncio.to_thread(execute)


async def test_the_openai_example_is_a_miss_then_an_exact_hit(serve: ServeGateway) -> None:
    code = example("from openai import OpenAI")
    async with serve() as gateway:
        first = await run(code, gateway)
        await gateway.wait_entries(2)
        again = await run(code, gateway)
    assert first.startswith("miss ") and again.startswith("hit-exact ")
    assert again.removeprefix("hit-exact ") == first.removeprefix("miss ")  # the stored answers, replayed


async def test_the_langchain_example_streams_its_repeat_from_the_cache(serve: ServeGateway) -> None:
    pytest.importorskip("langchain_openai")
    code = example("from langchain_openai import ChatOpenAI")
    async with serve() as gateway:
        printed = await run(code, gateway)
        assert gateway.runtime.flights.started == 1  # the stream was the invoke's answer, not a new generation
    half = len(printed) // 2  # print(invoke's content), then the stream's chunks: one answer, twice
    invoked, between, streamed = printed[:half], printed[half], printed[half + 1 :]
    assert invoked and between == "\n" and streamed == invoked
