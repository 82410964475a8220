"""What a lookup model (the check of a conversation's hit, the standalone rewrite) is sent back, read as bounded as
it was asked: a provider that ignores ``max_tokens`` is not read to its end, and the model name an upstream reports
is not taken as given. Through the real server, the real embedded Redis and the fake OpenAI-compatible server on a
real socket."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from nearhit.llm import verify
from tests.api.test_rewrite import FOLLOW_UP, REWRITTEN, SINGLE
from tests.api.test_rewrite import HISTORY as REWRITE_HISTORY
from tests.api.test_verify import HISTORY, QUESTION, REWORDED
from tests.api.test_verify_hostile import ask, live_checking  # noqa: F401 (a fixture)
from tests.support.fake_upstream import FakeUpstream, Pause, Raw, Stream
from tests.support.live import LiveServer


def _long(first: str, upstream: FakeUpstream) -> Stream:
    """``first``, then far more than ``max_tokens`` asked (the provider ignored it), its rest after a 6 s stall: a
    reply read whole takes the stall."""
    items = [upstream.chunk(role=True, content=""), upstream.chunk(first)]
    items += [upstream.chunk(" and more" * 100) for _ in range(5)]
    items += [Pause(6.0), upstream.chunk("x" * 100_000), upstream.chunk(finish_reason="stop")]
    items.append(upstream.chunk(usage=(250, 40_000)))
    return Stream(items)


async def test_a_check_far_longer_than_asked_is_not_read_to_its_end(
    live_checking: LiveServer,  # noqa: F811
    upstream_server: FakeUpstream,
) -> None:
    live = live_checking
    await ask(live, {"prompt": QUESTION, "history": HISTORY})  # stored
    upstream_server.reset(_long("Yes", upstream_server))
    column = await ask(live, {"prompt": QUESTION, "history": REWORDED})
    checked = column["cache_document"]["verify"]
    # Read as far as 5 tokens can go, the rest left unread: what the provider should have cut, served on its "Yes".
    assert column["outcome"] == "semantic" and checked["serves"] is True, column
    assert checked["ms"] < 4000, checked
    assert checked["completion_tokens"] <= verify.MAX_TOKENS * 16, checked


async def test_a_rewrite_far_longer_than_asked_is_not_read_to_its_end(
    live_checking: LiveServer,  # noqa: F811
    upstream_server: FakeUpstream,
) -> None:
    live = live_checking
    await ask(live, {"prompt": SINGLE})
    yes = upstream_server.answer("Yes", usage=(250, 1))
    upstream_server.reset(_long(REWRITTEN, upstream_server), by_model={"gpt-4o-mini": yes})
    column = await ask(live, {"prompt": FOLLOW_UP, "history": REWRITE_HISTORY})
    rewrite = column["cache_document"]["rewrite"]
    assert rewrite["ms"] < 4000, rewrite
    assert rewrite["question"].startswith(REWRITTEN) and len(rewrite["question"]) <= 200 * 16, rewrite


async def _checked(live: LiveServer, upstream: FakeUpstream, reply: Stream) -> dict[str, Any]:
    """The cache column of ``REWORDED`` once ``HISTORY`` is stored, the check's model replying ``reply``."""
    await ask(live, {"prompt": QUESTION, "history": HISTORY})
    upstream.reset(reply)
    return await ask(live, {"prompt": QUESTION, "history": REWORDED})


def _one_long_event(upstream: FakeUpstream, event: dict[str, object] | Raw) -> Stream:
    """ "Yes", then ``event`` (of 2 MB), then a proper end."""
    items = [upstream.chunk(role=True, content=""), upstream.chunk("Yes"), event, upstream.chunk(finish_reason="stop")]
    return Stream([*items, upstream.chunk(usage=(250, 1))])


LINE = b"data: " + b"x" * 100_000 + b"\n"
LONG_EVENTS = {
    "2 MB of text in one chunk": lambda upstream: upstream.chunk("x" * 2_000_000),
    "one event of 20 data lines of 100 kB": lambda upstream: Raw(LINE * 20 + b"\n"),
}


@pytest.mark.parametrize("event", LONG_EVENTS.values(), ids=LONG_EVENTS.keys())
async def test_a_check_sending_one_event_longer_than_any_reply_is_not_read_whole(
    live_checking: LiveServer,  # noqa: F811
    upstream_server: FakeUpstream,
    event: Callable[[FakeUpstream], dict[str, object] | Raw],
) -> None:
    # The SDK reads an event whole before nearhit sees it: the bound between chunks (above) never applied to it, and
    # the check was served on its "Yes" after reading the 2 MB. Now no event past 64 KiB is read: the call fails.
    column = await _checked(live_checking, upstream_server, _one_long_event(upstream_server, event(upstream_server)))
    checked = column["cache_document"]["verify"]
    assert column["outcome"] != "semantic" and column["cache_document"]["rejected_by"] == "verify", column
    assert "longer than 65,536 bytes" in checked["error"], checked


async def test_a_check_of_many_short_events_longer_than_the_bound_together_is_read(
    live_checking: LiveServer,  # noqa: F811
    upstream_server: FakeUpstream,
) -> None:
    empty = [upstream_server.chunk("") for _ in range(600)]  # ~110 kB together, each event ~180 bytes
    yes = upstream_server.answer("Yes", usage=(250, 1))
    column = await _checked(live_checking, upstream_server, Stream([*empty, *yes.items]))
    assert column["outcome"] == "semantic" and column["cache_document"]["verify"]["serves"] is True, column


HOSTILE_NAMES = [
    ("10,000 characters", "m" * 10_000),  # 100,000 made each event of the reply too long to read (below)
    ("a newline and an ANSI escape", "gpt-4o\n\x1b[31mFAKE"),
    ("an RTL override", "gpt-4o\u202emodel"),
]


@pytest.mark.parametrize(("what", "name"), HOSTILE_NAMES, ids=[what for what, _ in HOSTILE_NAMES])
async def test_a_model_name_the_upstream_reports_is_not_kept_as_given(
    live_checking: LiveServer,  # noqa: F811
    upstream_server: FakeUpstream,
    what: str,
    name: str,
) -> None:
    column = await _checked(live_checking, upstream_server, upstream_server.answer("Yes", usage=(250, 1), model=name))
    checked = column["cache_document"]["verify"]
    assert column["outcome"] == "semantic" and checked["serves"] is True, column
    # Shown (and kept with the verdict) as the model asked: a name of no control character, at most 256 long.
    assert name not in str(column), what
    assert checked["model"] == checked["answered_by"] == "gpt-4o-mini", checked


async def test_the_check_names_the_model_asked_whether_it_answered_or_failed(
    live_checking: LiveServer,  # noqa: F811
    upstream_server: FakeUpstream,
) -> None:
    # verify.model is the model configured (NEARHIT_VERIFY_MODEL), asked, failed, kept or skipped alike; the name
    # the upstream gave the model that answered (what priced it) is answered_by, when one answered.
    live = live_checking
    await ask(live, {"prompt": QUESTION, "history": HISTORY})
    upstream_server.reset(upstream_server.answer("Yes", usage=(250, 1), model="gpt-4o-mini-2024-07-18"))
    answered = (await ask(live, {"prompt": QUESTION, "history": REWORDED}))["cache_document"]["verify"]
    kept = (await ask(live, {"prompt": QUESTION, "history": REWORDED}))["cache_document"]["verify"]
    upstream_server.reset(upstream_server.answer("Perhaps", usage=(250, 1), model="gpt-4o-mini-2024-07-18"))
    other = [{"role": "user", "content": "Training for my first 10k; the race is 8 weeks away."}, HISTORY[1]]
    failed = (await ask(live, {"prompt": QUESTION, "history": other}))["cache_document"]["verify"]
    assert answered["serves"] is True and kept["cached"] is True and "error" in failed, (answered, kept, failed)
    assert [answered["model"], kept["model"], failed["model"]] == ["gpt-4o-mini"] * 3
    assert answered["answered_by"] == kept["answered_by"] == "gpt-4o-mini-2024-07-18" and "answered_by" not in failed
