"""``nearhit serve``: the API, the UI and (when REDIS_URL is unset) the embedded Redis, in one command."""

from __future__ import annotations

import errno
import os
import shutil
import signal
import socket
import sys
import tempfile

import click

from nearhit import redis_server
from nearhit.cli._common import settings
from nearhit.config import Settings
from nearhit.errors import NearhitError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: $PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="The least severe log line written (JSON lines on stderr).",
)
def serve(host: str, port: int | None, workers: int, log_level: str) -> None:
    """Serve the API and the web UI. Without REDIS_URL, starts the embedded Redis first (and stops it on
    exit if this command started it); workers share that one Redis.

    Every other setting comes from the environment or a .env file (README, "Settings"): among them
    NEARHIT_DATA_DIR (the embedded Redis's data), NEARHIT_HEALTH_PORT (a health port answered while the event
    loop is busy; off unless set) and NEARHIT_MAX_HEADER_BYTES / NEARHIT_HEADER_TIMEOUT (65536 bytes, 20 s:
    a slower or bigger request head is a 408 / 431)."""
    import uvicorn

    from nearhit.api import access
    from nearhit.gateway import GatewayConfig

    os.environ.setdefault("NEARHIT_HEALTH_HOST", host)  # the health port listens where the server does
    config = settings()
    try:  # the key and model tables, and who may call what: a mistake is this message, not a worker's traceback
        access.AccessPolicy.from_config(GatewayConfig.from_settings(config), config.admin_token)
    except NearhitError as exc:
        raise click.ClickException(str(exc)) from None
    port = port or _port_from_env()
    _check_places(config)
    if config.health_port == port:
        raise click.ClickException(f"NEARHIT_HEALTH_PORT ({port}) must differ from the server's port")
    _check_port_free(host, port)
    if config.resolved_embedder == "local-multilingual":
        from nearhit.embeddings.multilingual import check_installed

        try:
            check_installed()  # here, not in a worker's start-up traceback
        except NearhitError as exc:
            raise click.ClickException(str(exc)) from None
    started: redis_server.EmbeddedRedis | None = None
    if config.embedded_redis:
        try:
            server, is_new = redis_server.ensure_running(config.data_dir)
        except NearhitError as exc:
            raise click.ClickException(str(exc)) from None
        started = server if is_new else None
        click.echo(f"embedded Redis at {server.url} (data: {config.data_dir})", err=True)
    provider = "simulated LLM (offline)" if config.resolved_llm == "simulated" else f"{config.resolved_llm} LLM"
    click.echo(f"nearhit on http://{host}:{port}  —  {provider}, {config.resolved_embedder} embedder", err=True)
    if (conversations := _conversation_settings(config)) is not None:
        click.echo(f"conversations: {conversations}", err=True)
    if config.health_port is not None:
        click.echo(f"health port on http://{config.health_host}:{config.health_port} (/health, /live)", err=True)
    # uvicorn re-raises the SIGTERM it caught once it has shut down; exiting through SystemExit (not the
    # default "terminate at once") lets the embedded Redis below be stopped too (docker stop, systemd, Ctrl-C).
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    metrics_dir = _prometheus_multiprocess_dir(workers)
    try:
        uvicorn.run(
            "nearhit.api.app:app_factory",
            factory=True,
            http="nearhit.api.protocol:BoundedHeadProtocol",  # the request head bounded (size, time)
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            access_log=False,
            timeout_graceful_shutdown=5,
            log_config=None,  # the workers log JSON (nearhit.logs), not uvicorn's text format
        )
    finally:
        if metrics_dir is not None:
            shutil.rmtree(metrics_dir, ignore_errors=True)
        if started is not None:  # only that start: a Redis a later command started in its place keeps running
            redis_server.stop(config.data_dir, only=started)


def _conversation_settings(config: Settings) -> str | None:
    """The opt-in conversation settings in force, said at start (a variable mistyped in a ``.env`` is otherwise
    silent); None when neither is set."""
    judge = f"the conversation judge {config.conversation_judge!r}" if config.conversation_judge else None
    if config.conversation_strict and judge:
        return f"strict mode with {judge} (a hit strict mode flags is served where the judge is sure of it)"
    return "strict mode" if config.conversation_strict else judge


def _port_from_env() -> int:
    """``$PORT`` (8000 unset), a port number or a message naming it: not a traceback, nor a port out of range."""
    value = os.environ.get("PORT", "").strip() or "8000"
    if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= 65535:
        raise click.ClickException(f"PORT must be a port number from 1 to 65535, not {value[:40]!r}")
    return int(value)


def _check_port_free(host: str, port: int) -> None:
    """The server's port, tried before anything starts: taken (another ``make demo``), the server printed its URL,
    started, and stopped on a JSON log line of uvicorn's, so the URL printed led to the other program. A host that
    does not resolve is left to uvicorn's message; a port taken between this check and uvicorn's bind, too."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0]
    except (OSError, UnicodeError):
        return
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as uvicorn binds: a TIME_WAIT port is free
        try:
            probe.bind(address)
        except OSError as exc:
            other = port + 1 if port < 65535 else 8001
            taken = "the port is in use (another nearhit serve or make demo?)"
            reason = taken if exc.errno == errno.EADDRINUSE else str(exc.strerror or exc)
            raise click.ClickException(
                f"cannot listen on {host}:{port}: {reason}; choose another: nearhit serve --port {other}"
                f" (make demo PORT={other})"
            ) from None


def _check_places(config: Settings) -> None:
    """The folders and the host the workers will use, checked before they start: a mistake named here rather
    than in each worker's start-up traceback (or, for PROMETHEUS_MULTIPROC_DIR, on the first request)."""
    if config.embedded_redis:
        try:
            redis_server.make_data_dir(config.data_dir)
        except NearhitError as exc:
            raise click.ClickException(str(exc)) from None
    metrics_dir = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir and not (os.path.isdir(metrics_dir) and os.access(metrics_dir, os.W_OK)):
        raise click.ClickException(f"PROMETHEUS_MULTIPROC_DIR ({metrics_dir}) is not a folder this user can write")
    if config.health_port is not None:
        try:
            socket.getaddrinfo(config.health_host, config.health_port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as exc:
            raise click.ClickException(
                f"NEARHIT_HEALTH_HOST ({config.health_host!r}) is not an address to listen on: {exc}"
            ) from None


def _prometheus_multiprocess_dir(workers: int) -> str | None:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR (inherited by the workers, removed on exit) so a
    scrape of any worker reports all of them; None when one worker or when the user set the variable."""
    if workers == 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    path = tempfile.mkdtemp(prefix="nearhit-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path
