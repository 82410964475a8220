"""JSON logs keep the traceback of ``log.exception`` in an ``exception`` field."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from nearhit import logs


@pytest.fixture
def json_logs() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_exception_keeps_the_traceback(json_logs: None, capsys: pytest.CaptureFixture[str]) -> None:
    logs.configure()
    try:
        raise ValueError("the cause")
    except ValueError:
        logging.getLogger("nearhit.test").exception("it failed")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["event"] == "it failed" and line["level"] == "error"
    assert "Traceback" in line["exception"] and "ValueError: the cause" in line["exception"]
