"""``nearhit redis``: run, find or stop the embedded Redis."""

from __future__ import annotations

import contextlib
import signal
import threading

import click

from nearhit import redis_server
from nearhit.cli._common import settings
from nearhit.errors import NearhitError


@click.group(invoke_without_command=True)
@click.pass_context
def redis(ctx: click.Context) -> None:
    """Run the embedded Redis in the foreground (Ctrl-C stops it) and print its URL.

    It keeps its data (append-only file) under NEARHIT_DATA_DIR. If a server already runs for that folder,
    its URL is printed and it is left running. Not used when REDIS_URL is set.
    """
    if ctx.invoked_subcommand is not None:
        return
    config = settings()
    if config.redis_url:
        raise click.ClickException("REDIS_URL is set, so nearhit uses that server and runs no embedded Redis")
    try:
        with redis_server.run_foreground(config.data_dir) as server:
            click.echo(f"embedded Redis at {server.url} (data: {server.data_dir}); Ctrl-C stops it")
            stopped = threading.Event()
            signal.signal(signal.SIGTERM, lambda *_: stopped.set())
            with contextlib.suppress(KeyboardInterrupt):
                stopped.wait()
    except NearhitError as exc:
        raise click.ClickException(str(exc)) from None


@redis.command("stop")
def stop() -> None:
    """Stop the embedded Redis of NEARHIT_DATA_DIR (its data is kept)."""
    config = settings()
    if redis_server.stop(config.data_dir):
        click.echo(f"stopped the embedded Redis of {config.data_dir}")
    else:
        click.echo(f"no embedded Redis is running for {config.data_dir}")


@redis.command("url")
def url() -> None:
    """Print the URL of the embedded Redis, starting it (detached) if needed."""
    config = settings()
    if config.redis_url:
        click.echo(config.redis_url)
        return
    try:
        server, _ = redis_server.ensure_running(config.data_dir)
    except NearhitError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(server.url)
