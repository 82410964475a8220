"""The health port: ``/health`` and ``/live`` answered by a thread of their own, never by the event loop.

Under heavy load (hundreds of concurrent streams on one worker) the event loop runs several times behind,
and any request on it, ``/health`` included, waits its turn: a probe then times out although the service is
merely busy. This server runs in a daemon thread (stdlib ``ThreadingHTTPServer``) on ``NEARHIT_HEALTH_PORT``
and reads the snapshot the event loop publishes every second (``Runtime.health``: a frozen value replaced
by one attribute assignment, so reading it from another thread needs no lock and no asyncio call). A
snapshot older than ``HEALTH_STALE_S`` means the event loop (or the check it runs) is stuck: that is itself
unhealthy, and the answer says so.

With ``--workers N`` every worker tries the port and the first one wins; the others retry every
``RETRY_S`` so the port comes back if the winning worker exits. The port then reports that worker.
"""

from __future__ import annotations

import errno
import json
import logging
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from nearhit.config import Settings
from nearhit.errors import ConfigError
from nearhit.runtime import HEALTH_STALE_S, HealthStatus

RETRY_S = 5.0  # how often a worker that lost the port to another tries it again
_IDLE_CONNECTION_S = 30.0  # a kept-alive probe connection left idle longer is closed (it holds a thread)

log = logging.getLogger(__name__)

Snapshot = Callable[[], HealthStatus | None]


def health_report(status: HealthStatus) -> tuple[dict[str, Any], int]:
    """``/health``'s body and status code for ``status``: 503 when Redis or the index is down, or when the
    status is too old to trust (its check, or the event loop running it, is stuck)."""
    stale = status.age_s > HEALTH_STALE_S
    ok = status.ok and not stale
    body: dict[str, Any] = {"status": "ok" if ok else "degraded", "redis": status.redis, "index": status.index}
    if stale:
        body["error"] = (
            f"the last health check is {status.age_s:.0f} s old: the event loop (or the check it runs) is stuck"
        )
    return body | {"checked_s_ago": round(status.age_s, 3)}, 200 if ok else 503


def liveness_report(status: HealthStatus | None) -> tuple[dict[str, Any], int]:
    """``/live``: 200 while the event loop keeps publishing fresh checks, whatever Redis says (a replica whose
    Redis is down still answers, uncached: restarting it would not help)."""
    if status is None:
        return {"live": False, "error": "no health check has run yet"}, 503
    if status.age_s > HEALTH_STALE_S:
        return {"live": False, "error": health_report(status)[0]["error"]}, 503
    return {"live": True, "checked_s_ago": round(status.age_s, 3)}, 200


def _answer(path: str, snapshot: Snapshot) -> tuple[dict[str, Any], int]:
    status = snapshot()
    if path == "/live":
        return liveness_report(status)
    if path != "/health":
        return {"error": f"not found: the health port serves /health and /live, not {path}"}, 404
    if status is None:
        return {"status": "degraded", "error": "no health check has run yet"}, 503
    return health_report(status)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a probe that polls reuses its connection
    timeout = _IDLE_CONNECTION_S
    server: _Server

    def do_GET(self) -> None:
        body, status = _answer(self.path.partition("?")[0], self.server.snapshot)
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would flood stderr; the main port's access log is off too."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a probe connection never keeps the process alive

    def __init__(self, address: tuple[str, int], snapshot: Snapshot) -> None:
        self.snapshot = snapshot
        super().__init__(address, _Handler)


class HealthServer:
    """The health port's server thread: :meth:`start` once the runtime has its first status, :meth:`stop` at
    shutdown. A bad host or a port it may not bind raises at :meth:`start`; a port taken (by another worker)
    is retried in the background."""

    def __init__(self, host: str, port: int, snapshot: Snapshot, retry_s: float = RETRY_S) -> None:
        self.host, self.port, self._snapshot, self._retry_s = host, port, snapshot, retry_s
        self._stopping = threading.Event()
        self._lock = threading.Lock()  # between the thread publishing its server and stop() shutting it down
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def serving(self) -> bool:
        """Whether this process holds the port (False while another worker has it)."""
        return self._server is not None

    def start(self) -> None:
        first = self._bind()
        self._thread = threading.Thread(target=self._run, args=(first,), name="nearhit-health-port", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and close the port (waits for the serving loop to notice, under a second)."""
        self._stopping.set()
        with self._lock:
            server = self._server
        if server is not None:
            server.shutdown()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _bind(self) -> _Server | None:
        """A server on the port, or None when it is taken (another worker serves it)."""
        try:
            return _Server((self.host, self.port), self._snapshot)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            return None

    def _run(self, server: _Server | None) -> None:
        if server is None:
            log.info(
                "health port %s:%d is taken (another worker serves it): trying again every %.0f s",
                self.host,
                self.port,
                self._retry_s,
            )
        while server is None:
            if self._stopping.wait(self._retry_s):
                return
            try:
                server = self._bind()
            except OSError:
                log.exception("health port %s:%d cannot be bound", self.host, self.port)
                return
        with self._lock:
            if self._stopping.is_set():
                server.server_close()
                return
            self._server = server
        log.info("health port: /health and /live on http://%s:%d", self.host, self.port)
        try:
            server.serve_forever(poll_interval=0.2)
        finally:
            server.server_close()
            with self._lock:
                self._server = None


def start_for(settings: Settings, snapshot: Snapshot) -> HealthServer | None:
    """The health port started as ``settings`` ask (None when ``NEARHIT_HEALTH_PORT`` is unset)."""
    if settings.health_port is None:
        return None
    server = HealthServer(settings.health_host, settings.health_port, snapshot)
    try:
        server.start()
    except OSError as exc:
        raise ConfigError(
            f"NEARHIT_HEALTH_PORT: cannot listen on {settings.health_host}:{settings.health_port}: {exc}"
        ) from exc
    return server
