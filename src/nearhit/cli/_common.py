"""What every command shares: settings, running a coroutine, turning nearhit errors into clean exits."""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import sys
from collections.abc import AsyncIterator, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import click

from nearhit import redis_server, validate
from nearhit.cache import SemanticCache
from nearhit.config import Settings, load_settings
from nearhit.errors import InvalidInput, NearhitError
from nearhit.service import bootstrap

T = TypeVar("T")

json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
THRESHOLD = click.FloatRange(*validate.THRESHOLD_RANGE)
"""A similarity threshold option: the rule of :func:`nearhit.validate.threshold`."""


def settings(threshold: float | None = None) -> Settings:
    """The configured settings; a ``--threshold`` given stands for SEMANTIC_SIMILARITY_THRESHOLD set to it (a
    floor: no margin under it unless one is set too, ``Settings.threshold_set``)."""
    try:
        config = load_settings()
    except NearhitError as exc:
        raise click.ClickException(str(exc)) from None
    if threshold is None:
        return config
    return config.model_copy(update={"similarity_threshold_env": threshold, "distance_threshold_env": None})


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine``; bad input exits with code 2, other nearhit errors with code 1, both with a message.
    SIGTERM (``timeout``, a CI job cancelled, ``kill``) stops it as Ctrl-C does: cancelled, so what it cleans up
    on the way out is cleaned up (``eval``'s scratch index), then exit code 143. A command that started the embedded
    Redis says so (:func:`_say_embedded_started`)."""
    data_dir = _embedded_data_dir()
    idle = data_dir is not None and redis_server.find_running(data_dir) is None
    terminated = False

    async def main() -> T:
        task = asyncio.current_task()
        assert task is not None

        def terminate() -> None:
            nonlocal terminated
            terminated = True
            task.cancel()

        loop = asyncio.get_running_loop()
        with contextlib.suppress(ValueError, RuntimeError, NotImplementedError):  # not the main thread, not Unix
            loop.add_signal_handler(signal.SIGTERM, terminate)
        return await coroutine

    try:
        return asyncio.run(main())
    except asyncio.CancelledError:
        if not terminated:
            raise
        click.echo("Stopped (SIGTERM).", err=True)
        sys.exit(128 + signal.SIGTERM)
    except InvalidInput as exc:
        raise click.UsageError(str(exc)) from None
    except NearhitError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if idle and data_dir is not None:
            _say_embedded_started(data_dir)


def _embedded_data_dir() -> Path | None:
    """The embedded Redis's folder when a command would use it (no REDIS_URL), else None (settings that do not
    load are the command's to report)."""
    try:
        config = load_settings()
    except NearhitError:
        return None
    return config.data_dir if config.embedded_redis else None


def _say_embedded_started(data_dir: Path) -> None:
    """The embedded Redis a command started runs on, detached, for the next commands: said once, on stderr, so a
    redis-server left in the background after `cache stats` (the demo stopped) is no surprise."""
    server = redis_server.find_running(data_dir)
    if server is not None:
        click.echo(
            f"started the embedded Redis at {server.url} (data: {data_dir}); it keeps running for the next "
            "commands and `nearhit serve`: `nearhit redis stop` stops it",
            err=True,
        )


@contextlib.asynccontextmanager
async def open_cache(threshold: float | None = None, **updates: Any) -> AsyncIterator[SemanticCache]:
    """The configured cache (``threshold``: as :func:`settings`), with ``updates`` to its settings by field name."""
    cache = await bootstrap.open_cache(settings(threshold).model_copy(update=updates))
    try:
        yield cache
    finally:
        await cache.close()


def progress(stage: str, done: int, total: int) -> None:
    """A long run's progress, on stderr (stdout stays the report)."""
    click.echo(f"  {stage}: {done}/{total}", err=True)


def echo_json(data: Any) -> None:
    click.echo(json.dumps(data, indent=2, ensure_ascii=False, default=str))
