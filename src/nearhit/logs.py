"""Structured JSON logs (structlog over stdlib logging), with the request id bound to every line and the
traceback of ``log.exception`` kept in an ``exception`` field."""

from __future__ import annotations

import logging
import os
import sys

import structlog


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr for nearhit's and the libraries' loggers alike."""
    shared: list[structlog.types.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        _add_pid,
    ]
    formatter = structlog.stdlib.ProcessorFormatter(
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            _drop_color_message,
            structlog.processors.format_exc_info,  # log.exception's traceback, as an "exception" field
            structlog.processors.JSONRenderer(),
        ],
        foreign_pre_chain=[*shared, structlog.stdlib.ExtraAdder()],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    for noisy in ("uvicorn.access",):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    structlog.configure(
        processors=[*shared, structlog.stdlib.ProcessorFormatter.wrap_for_formatter],
        logger_factory=structlog.stdlib.LoggerFactory(),
        cache_logger_on_first_use=True,
    )


def _drop_color_message(_logger: object, _method: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    """uvicorn adds a copy of each message with terminal colour codes: noise in a JSON log."""
    event.pop("color_message", None)
    return event


def _add_pid(_logger: object, _method: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    """The worker's process id: with ``serve --workers N`` the lines of N processes share one log."""
    event["pid"] = os.getpid()
    return event
