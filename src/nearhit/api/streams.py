"""An event stream whose every write is known before the first is sent: a cache hit's whole answer."""

from __future__ import annotations

from collections.abc import Mapping

from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class KnownStream(Response):
    """An event stream whose events are all known (a hit): sent in one write, without the producer task and
    the disconnect watcher a :class:`StreamingResponse` runs for a stream still being made. It stays a stream
    on the wire (chunked, no ``content-length``); one write is one system call, where a write per event
    would cost one each."""

    media_type = "text/event-stream"

    def __init__(
        self, writes: list[bytes], headers: Mapping[str, str], *, background: BackgroundTask | None = None
    ) -> None:
        self.writes = writes
        self.status_code = 200
        self.background = background  # run after the write: what the answer does not wait for
        self.init_headers(headers)  # no body attribute: no content-length, as a stream has none

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await send({"type": "http.response.body", "body": b"".join(self.writes), "more_body": False})
        if self.background is not None:
            await self.background()
