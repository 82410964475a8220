"""The errors an LLM provider raises, so the service and the gateway can report them without guessing.

The gateway answers in OpenAI's error schema with the upstream status, so the status travels with the error.
"""

from __future__ import annotations

from nearhit.errors import NearhitError


class LLMError(NearhitError):
    """The LLM could not be called, or failed while answering.

    ``status_code`` is the upstream HTTP status (``None`` when the server was never reached), ``retryable``
    says whether the same request may succeed later (429, 5xx, connection errors) and ``retry_after`` is the
    wait in seconds the server asked for, if it did.
    """

    def __init__(
        self,
        message: str,
        *,
        status_code: int | None = None,
        retryable: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.status_code = status_code
        self.retryable = retryable
        self.retry_after = retry_after


class LLMTimeout(LLMError):
    """The LLM sent nothing for longer than the timeout: the stream is abandoned, never left hanging."""
