"""The ``live`` server fixture, shared with the API tests."""

from tests.api.conftest import live

__all__ = ["live"]
