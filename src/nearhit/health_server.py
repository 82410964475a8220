"""The health port: ``/health`` and ``/live`` answered by a small process of its own, never by the event loop.

Under heavy load (hundreds of concurrent streams on one worker) the event loop runs seconds behind, and any
request on it, ``/health`` included, waits its turn: a probe then times out although the service is merely
busy. A thread in the worker is not enough either: it shares the worker's GIL, and each hand-over waits for
the interpreter's switch interval (measured: p99 134 ms for a thread, 29 ms for a process, under the same
load; benchmarks/README.md). So each worker starts ``python -m nearhit.health_server`` (stdlib only, a
``ThreadingHTTPServer``) and feeds it, twice a second from a daemon thread, the status the event loop last
published (``Runtime.health``: a frozen value replaced by one assignment, read without a lock and without
any asyncio call) as a JSON line on the child's stdin, with its age. The child keeps the newest and ages it
by its own clock, so a worker that stops feeding it (its event loop, or the whole process, stuck) is
reported stale: 503, and the body says so. The child exits when its stdin closes: at shutdown, or when the
worker dies; a child that dies while its worker lives (killed, crashed) is started again.

With ``--workers N`` every worker's child tries the port and the first wins; the others retry every
``RETRY_S`` so the port comes back if the winning worker exits. The port then reports that worker.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import logging
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:  # the child process imports the standard library only
    from nearhit.config import Settings
    from nearhit.service.runtime import HealthStatus

RETRY_S = 5.0  # how often a worker that lost the port to another tries it again
FEED_S = 0.5  # how often the worker hands the child its newest status
_START_S = 10.0  # how long the worker waits for its child to bind (or find the port taken)
_RESTART_S = 0.2  # the first pause before a dead child is started again; doubled while restarts fail
_RESTART_MAX_S = 30.0
_IDLE_CONNECTION_S = 30.0  # a kept-alive probe connection left idle longer is closed (it holds a thread)

log = logging.getLogger(__name__)

Snapshot = Callable[[], "HealthStatus | None"]


def health_report(
    redis: dict[str, Any], index: dict[str, Any], age_s: float, stale_s: float
) -> tuple[dict[str, Any], int]:
    """``/health``'s body and status code: 503 when Redis or the index is down, or when the status is too old
    to trust (its check, or the event loop running it, is stuck). Shared by both ports."""
    stale = age_s > stale_s
    ok = bool(redis.get("ok") and index.get("ok")) and not stale
    body: dict[str, Any] = {"status": "ok" if ok else "degraded", "redis": redis, "index": index}
    if stale:
        body["error"] = f"the last health check is {age_s:.0f} s old: the event loop (or the check it runs) is stuck"
    return body | {"checked_s_ago": round(age_s, 3)}, 200 if ok else 503


class _Latest:
    """The newest status the worker fed, dated by this process's clock (its own age when it was sent)."""

    def __init__(self, stale_s: float) -> None:
        self.stale_s = stale_s
        self.value: tuple[dict[str, Any], float] | None = None  # (status, checked_at); replaced, never mutated

    def feed(self, line: str) -> None:
        status = json.loads(line)
        if status is not None:
            self.value = (status, time.monotonic() - float(status.pop("age_s")))

    def answer(self, path: str) -> tuple[dict[str, Any], int]:
        value = self.value
        if path not in ("/health", "/live"):
            return {"error": f"not found: the health port serves /health and /live, not {path}"}, 404
        if value is None:
            return {"status": "degraded", "error": "no health check has run yet"}, 503
        status, checked_at = value
        age_s = time.monotonic() - checked_at
        body, code = health_report(status["redis"], status["index"], age_s, self.stale_s)
        if path == "/health":
            return body, code
        # /live: the event loop turns, whatever Redis says (a replica whose Redis is down still answers,
        # uncached: restarting it would not help).
        if age_s > self.stale_s:
            return {"live": False, "error": body["error"]}, 503
        return {"live": True, "checked_s_ago": body["checked_s_ago"]}, 200


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a probe that polls reuses its connection
    timeout = _IDLE_CONNECTION_S
    server: _Server

    def do_GET(self) -> None:
        body, status = self.server.latest.answer(self.path.partition("?")[0])
        payload = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        """Probes every few seconds would flood the log; the main port's access log is off too."""


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a probe connection never keeps the process alive

    def __init__(self, address: tuple[str, int], latest: _Latest) -> None:
        self.latest = latest
        super().__init__(address, _Handler)


def _say(message: str) -> None:
    """A state line for the worker (it logs it): ``serving``, ``taken`` or ``error <reason>``."""
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def _bind_when_free(host: str, port: int, latest: _Latest, retry_s: float, closed: threading.Event) -> None:
    """Bind (retrying while another worker holds the port) and serve until ``closed``."""
    said_taken = False
    while not closed.is_set():
        try:
            server = _Server((host, port), latest)
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                _say(f"error {exc}")
                return
            if not said_taken:
                _say("taken")
                said_taken = True
            closed.wait(retry_s)
            continue
        _say("serving")
        threading.Thread(target=_shutdown_when, args=(closed, server), daemon=True).start()
        server.serve_forever(poll_interval=0.2)
        server.server_close()
        return


def _shutdown_when(closed: threading.Event, server: _Server) -> None:
    closed.wait()
    server.shutdown()


def main(argv: list[str] | None = None) -> None:
    """The child: serve the port while the worker feeds status lines on stdin; exit when stdin closes."""
    parser = argparse.ArgumentParser(prog="python -m nearhit.health_server")
    parser.add_argument("host")
    parser.add_argument("port", type=int)
    parser.add_argument("--stale-s", type=float, required=True)
    parser.add_argument("--retry-s", type=float, default=RETRY_S)
    args = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the worker closes stdin
    latest, closed = _Latest(args.stale_s), threading.Event()
    serving = threading.Thread(
        target=_bind_when_free, args=(args.host, args.port, latest, args.retry_s, closed), daemon=True
    )
    serving.start()
    for line in sys.stdin:
        latest.feed(line)
    closed.set()
    serving.join(timeout=5)


class HealthServer:
    """The worker's side: starts the child, feeds it the runtime's status, restarts it if it dies, stops it. A
    host or port the child cannot bind raises at :meth:`start`; a port another worker holds is retried by the
    child."""

    def __init__(self, host: str, port: int, snapshot: Snapshot, stale_s: float, retry_s: float = RETRY_S) -> None:
        self.host, self.port, self._snapshot, self._stale_s, self._retry_s = host, port, snapshot, stale_s, retry_s
        self.serving = False  # whether this worker's child holds the port (False while another worker has it)
        self.restarts = 0  # children started again after one died
        self._child: subprocess.Popen[str] | None = None
        self._lock = threading.Lock()  # a restart and stop() never both own a child
        self._stopping = threading.Event()
        self._feeder: threading.Thread | None = None
        self._listener: threading.Thread | None = None

    @property
    def pid(self) -> int | None:
        """The process id of the child serving the port now (None when stopped)."""
        child = self._child
        return child.pid if child is not None else None

    def start(self) -> None:
        first = self._spawn()
        if first is None or first.startswith("error"):
            self.stop()
            reason = first[6:] if first else f"it did not start within {_START_S:.0f} s"
            raise OSError(f"cannot listen on {self.host}:{self.port}: {reason}")

    def stop(self) -> None:
        """Close the child's stdin (it shuts the port and exits), and wait for it; no restart after this."""
        with self._lock:  # the threads are made and started under it (_spawn): never one not yet started
            self._stopping.set()
            child, self._child = self._child, None
            feeder, listener = self._feeder, self._listener
        if child is None:
            return
        if feeder is not None:
            feeder.join(timeout=5)  # it writes to the stdin closed below
        _end(child)
        if listener is not None and listener is not threading.current_thread():
            listener.join(timeout=5)
        self._feeder = self._listener = None
        self.serving = False

    def _spawn(self) -> str | None:
        """Start a child, hand it a status and read its first state line (None: no answer in time); a child
        that started (``serving`` or ``taken``) is fed and listened to from then on."""
        command = [sys.executable, "-m", "nearhit.health_server", self.host, str(self.port)]
        command += ["--stale-s", str(self._stale_s), "--retry-s", str(self._retry_s)]
        with self._lock:
            if self._stopping.is_set():
                return None
            child = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)
            self._child = child
        assert child.stdin is not None and child.stdout is not None
        try:
            self._send(child.stdin)  # a status before the first probe
        except (OSError, ValueError):  # stopped meanwhile, or the child died at once
            return None
        first = _read_line(child.stdout, _START_S)
        if first is None or first.startswith("error"):
            return first
        self._state(first)
        with self._lock:  # a stop() meanwhile ends the child; one now waits for threads already started
            if self._stopping.is_set():
                return first
            self._feeder = threading.Thread(
                target=self._feed, args=(child.stdin,), name="nearhit-health-feed", daemon=True
            )
            self._listener = threading.Thread(target=self._listen, args=(child,), name="nearhit-health", daemon=True)
            self._feeder.start()
            self._listener.start()
        return first

    def _send(self, stdin: IO[str]) -> None:
        status = self._snapshot()
        line = None if status is None else {"redis": status.redis, "index": status.index, "age_s": status.age_s}
        stdin.write(json.dumps(line, default=str) + "\n")
        stdin.flush()

    def _feed(self, stdin: IO[str]) -> None:
        while not self._stopping.wait(FEED_S):
            try:
                self._send(stdin)
            except (OSError, ValueError):  # the child is gone (its log line says why)
                return

    def _listen(self, child: subprocess.Popen[str]) -> None:
        assert child.stdout is not None
        for line in child.stdout:
            self._state(line.strip())
        if self._stopping.is_set():
            return
        # Killed or crashed (its traceback is on stderr): the worker is fine, so start a new child, with a
        # growing pause while one keeps failing.
        self.serving = False
        log.error("health port %s:%d: its process exited (%s); restarting it", self.host, self.port, child.wait())
        _end(child)
        delay = _RESTART_S
        while not self._stopping.wait(delay):
            first = self._spawn()
            if first is not None and not first.startswith("error"):
                self.restarts += 1
                return
            log.error("health port %s:%d: the new process did not start (%s)", self.host, self.port, first)
            with self._lock:
                failed, self._child = self._child, None
            if failed is not None:
                _end(failed)
            delay = min(delay * 2, _RESTART_MAX_S)

    def _state(self, line: str) -> None:
        self.serving = line == "serving"
        if line == "serving":
            log.info("health port: /health and /live on http://%s:%d", self.host, self.port)
        elif line == "taken":
            log.info(
                "health port %s:%d is taken (another worker serves it): trying again every %.0f s",
                self.host,
                self.port,
                self._retry_s,
            )
        else:
            log.error("health port %s:%d: %s", self.host, self.port, line)


def _end(child: subprocess.Popen[str]) -> None:
    """Close the child's stdin (it exits), wait for it (kill it after 5 s), close its stdout."""
    if child.stdin is not None:
        with contextlib.suppress(OSError):  # a dead child's pipe: nothing left to flush
            child.stdin.close()
    try:
        child.wait(timeout=5)
    except subprocess.TimeoutExpired:
        child.kill()
        child.wait()
    if child.stdout is not None:
        child.stdout.close()


def _read_line(stream: IO[str], timeout: float) -> str | None:
    """One line from ``stream`` within ``timeout`` seconds, or None."""
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.append(stream.readline()), daemon=True)
    reader.start()
    reader.join(timeout)
    return (lines[0].strip() or None) if lines else None


def start_for(settings: Settings, snapshot: Snapshot) -> HealthServer | None:
    """The health port started as ``settings`` ask (None when ``NEARHIT_HEALTH_PORT`` is unset)."""
    from nearhit.errors import ConfigError
    from nearhit.service.runtime import HEALTH_STALE_S

    if settings.health_port is None:
        return None
    server = HealthServer(settings.health_host, settings.health_port, snapshot, HEALTH_STALE_S)
    try:
        server.start()
    except OSError as exc:
        raise ConfigError(f"NEARHIT_HEALTH_PORT: {exc}") from exc
    return server


if __name__ == "__main__":
    main()
