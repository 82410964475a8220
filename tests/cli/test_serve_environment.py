"""``nearhit serve`` with a variable of the environment it cannot use stops at once, with a message naming the
variable (exit 1), never a traceback, nor a worker that starts and dies (or, worse, serves somewhere else)."""

from __future__ import annotations

import socket
from pathlib import Path

import click
import pytest
import uvicorn
from click.testing import CliRunner

from nearhit.cli import main
from tests.support.ports import free_port


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"PORT": "abc"}, "PORT must be a port number"),
        ({"PORT": "70000"}, "PORT must be a port number"),
        ({"PORT": "-1"}, "PORT must be a port number"),
        ({"PORT": "٨٠٠٠"}, "PORT must be a port number"),  # digits, but not ASCII ones
        ({"REDIS_URL": "nope://localhost:6379"}, "bad configuration: REDIS_URL has the scheme 'nope'"),
        ({"REDIS_URL": "localhost:6379"}, "REDIS_URL has the scheme"),
        ({"NEARHIT_DATA_DIR": "/proc/nearhit-cannot-be-here"}, "NEARHIT_DATA_DIR (/proc/nearhit-cannot-be-here)"),
        ({"PROMETHEUS_MULTIPROC_DIR": "/proc/nearhit-missing"}, "PROMETHEUS_MULTIPROC_DIR (/proc/nearhit-missing)"),
        ({"NEARHIT_HEALTH_HOST": "not a host!"}, "NEARHIT_HEALTH_HOST ('not a host!')"),
        (
            {"OPENAI_BASE_URL": "api.example.com/v1"},
            "bad configuration: OPENAI_BASE_URL must be an http:// or https:// URL",
        ),
        (
            {"AZURE_OPENAI_ENDPOINT": "ftp://example.com"},
            "bad configuration: AZURE_OPENAI_ENDPOINT must be an http:// or https://",
        ),
    ],
)
def test_serve_names_the_variable_it_cannot_use_before_starting(
    env: dict[str, str], named: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A health port on the server's own port is refused right after these checks, and the server itself is
    # never started here: a serve that let the bad value pass stops with another message.
    def started(*args: object, **kwargs: object) -> None:
        raise click.ClickException("the server was started")

    monkeypatch.setattr(uvicorn, "run", started)
    fence = {"NEARHIT_DATA_DIR": str(tmp_path), "NEARHIT_HEALTH_PORT": "8999", "PORT": "8999"}
    result = CliRunner().invoke(main, ["serve"], env=fence | env)
    assert result.exit_code == 1, result.output
    assert named in result.output and "Traceback" not in result.output
    assert not (tmp_path / "redis.json").exists()  # refused before the embedded Redis was started


@pytest.mark.parametrize(
    "command", [["cache", "stats"], ["redis", "url"], ["cache", "lookup", "hello"], ["redis", "stop"]]
)
def test_a_data_dir_that_cannot_be_made_is_named_by_every_command(command: list[str]) -> None:
    env = {"NEARHIT_DATA_DIR": "/proc/nearhit-cannot-be-here", "REDIS_URL": None}
    result = CliRunner().invoke(main, command, env=env)
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if command == ["redis", "stop"]:  # nothing to stop, and no folder made for it
        assert result.exit_code == 0 and "no embedded Redis is running" in result.output
    else:
        assert result.exit_code == 1, result.output
        assert "NEARHIT_DATA_DIR (/proc/nearhit-cannot-be-here) cannot be used" in result.output


def test_serve_on_a_port_in_use_says_so_before_starting(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A second `make demo` on a taken port printed "nearhit on http://127.0.0.1:8000" (the other program's URL),
    started, and stopped on uvicorn's JSON line "[Errno 98] ... address already in use" (exit 3). Now: exit 1, a
    message saying the port is in use and which option picks another, before the embedded Redis is started."""

    def started(*args: object, **kwargs: object) -> None:
        raise click.ClickException("the server was started")

    monkeypatch.setattr(uvicorn, "run", started)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = CliRunner().invoke(main, ["serve", "--port", str(port)], env={"NEARHIT_DATA_DIR": str(tmp_path)})
    assert result.exit_code == 1, result.output
    assert f"cannot listen on 127.0.0.1:{port}: the port is in use" in result.output
    assert f"nearhit serve --port {port + 1}" in result.output and f"make demo PORT={port + 1}" in result.output
    assert "nearhit on http" not in result.output and "Traceback" not in result.output
    assert not (tmp_path / "redis.json").exists()


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({"NEARHIT_CONVERSATION_STRICT": "false", "NEARHIT_CONVERSATION_JUDGE": "none"}, None),
        ({"NEARHIT_CONVERSATION_JUDGE": "none"}, "conversations: strict mode\n"),
        ({"NEARHIT_CONVERSATION_STRICT": "false"}, "conversations: the conversation judge 'bundled'\n"),
        (
            {},  # the defaults
            "conversations: strict mode with the conversation judge 'bundled' (a hit strict mode flags is served",
        ),
    ],
    ids=["neither", "strict", "judge", "both"],
)
def test_serve_says_which_conversation_settings_are_on(
    env: dict[str, str], said: str | None, redis_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The conversation settings (both on by default) a mistyped ``.env`` line would change silently: said at start,
    beside the URL; with both off, nothing is said."""
    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    base = {"REDIS_URL": redis_url, "NEARHIT_DATA_DIR": str(tmp_path), "PORT": str(free_port())}
    result = CliRunner().invoke(main, ["serve"], env=base | env)
    assert result.exit_code == 0, result.output
    assert "nearhit on http" in result.output
    if said is None:
        assert "conversations:" not in result.output
    else:
        assert said in result.output, result.output
