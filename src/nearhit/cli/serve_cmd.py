"""``nearhit serve``: the API, the UI and (when REDIS_URL is unset) the embedded Redis, in one command."""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile

import click

from nearhit import redis_server
from nearhit.cli._common import settings
from nearhit.errors import NearhitError


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", type=click.IntRange(1, 65535), default=None, help="Port (default: $PORT or 8000).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True
)
def serve(host: str, port: int | None, workers: int, log_level: str) -> None:
    """Serve the API and the web UI. Without REDIS_URL, starts the embedded Redis first (and stops it on
    exit if this command started it); workers share that one Redis."""
    import uvicorn

    from nearhit.api import access
    from nearhit.gateway import GatewayConfig

    os.environ.setdefault("NEARHIT_HEALTH_HOST", host)  # the health port listens where the server does
    config = settings()
    try:  # the key and model tables, and who may call what: a mistake is this message, not a worker's traceback
        access.AccessPolicy.from_config(GatewayConfig.from_settings(config), config.admin_token)
    except NearhitError as exc:
        raise click.ClickException(str(exc)) from None
    port = port or int(os.environ.get("PORT", "8000"))
    if config.health_port == port:
        raise click.ClickException(f"NEARHIT_HEALTH_PORT ({port}) must differ from the server's port")
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


def _prometheus_multiprocess_dir(workers: int) -> str | None:
    """With several workers, a fresh PROMETHEUS_MULTIPROC_DIR (inherited by the workers, removed on exit) so a
    scrape of any worker reports all of them; None when one worker or when the user set the variable."""
    if workers == 1 or os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return None
    path = tempfile.mkdtemp(prefix="nearhit-prometheus-")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = path
    return path
