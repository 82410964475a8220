"""What a gateway caller tells the cache in request headers, and what the cache tells it back.

Every control header is ASCII or a 400 (:func:`nearhit.validate.header_text` says why).

In: ``Cache-Control`` (``no-cache``, ``no-store``, ``max-age``, ``s-maxage``), ``x-nearhit-threshold``,
``x-nearhit-ttl``, ``x-nearhit-namespace``. Out: ``x-nearhit-cache`` (hit, miss, bypass, degraded), the similarity, the
tokens and cost saved (``x-nearhit-priced-as``: at which model's price; ``x-nearhit-simulated``: the simulated
provider's imitation), why the cache was bypassed or a candidate rejected.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, TypeVar

from nearhit import validate
from nearhit.errors import InvalidInput
from nearhit.gateway.errors import invalid

CacheHeader = Literal["hit-exact", "hit-semantic", "miss", "bypass", "degraded"]
"""``degraded``: the cache failed (Redis unreachable, a lookup or a stored answer that broke) and the LLM answered,
unstored, as ``/ask``'s cache column says ``degraded``; ``bypass``: the cache was not asked (``n`` > 1, a high
temperature, ``logprobs``, ``no-cache``); ``miss``: asked, it had no answer to serve."""
T = TypeVar("T")


@dataclass(frozen=True)
class Controls:
    """What the caller asked of the cache, from ``Cache-Control`` (``no-cache``, ``no-store``, ``max-age``,
    ``s-maxage``), ``x-nearhit-threshold``, ``x-nearhit-ttl`` and ``x-nearhit-namespace``."""

    lookup: bool = True
    store: bool = True
    threshold: float | None = None
    ttl: int | None = None
    max_age: int | None = None
    namespace: str | None = None

    @classmethod
    def from_headers(
        cls, cache_control: str | None, threshold: str | None, ttl: str | None, namespace: str | None = None
    ) -> Controls:
        given = {
            "cache-control": cache_control,
            "x-nearhit-threshold": threshold,
            "x-nearhit-ttl": ttl,
            "x-nearhit-namespace": namespace,
        }
        for name, value in given.items():
            _header(value, name, validate.header_text)
        directives = {d.strip().lower() for d in (cache_control or "").split(",")}
        return cls(
            lookup="no-cache" not in directives,
            store="no-store" not in directives,
            threshold=_header(threshold, "x-nearhit-threshold", validate.threshold_text),
            ttl=_header(ttl, "x-nearhit-ttl", validate.ttl_text),
            max_age=_max_age(directives),
            namespace=_header(namespace, "x-nearhit-namespace", validate.label),
        )


@dataclass
class CacheStatus:
    """What the cache did for a request, as response headers."""

    cache: CacheHeader
    similarity: float | None = None
    tokens_saved: int = 0
    reason: str | None = None
    degraded: bool = False
    rejected_by: str | None = None
    cost_saved: float = 0.0
    priced_as: str | None = None
    """The model whose price ``cost_saved`` is counted at."""
    simulated: bool = False
    """Answered by the simulated provider: ``cost_saved`` is what the model it imitates would have cost."""

    def headers(self) -> dict[str, str]:
        headers = {
            "x-nearhit-cache": self.cache,
            "x-nearhit-tokens-saved": str(self.tokens_saved),
            "x-nearhit-cost-saved": f"{self.cost_saved:.6f}",
        }
        if self.priced_as is not None:
            headers["x-nearhit-priced-as"] = self.priced_as
        if self.simulated:
            headers["x-nearhit-simulated"] = "true"
        if self.similarity is not None:
            headers["x-nearhit-similarity"] = f"{self.similarity:.4f}"
        if self.reason:
            headers["x-nearhit-bypass-reason"] = self.reason
        if self.degraded:
            headers["x-nearhit-degraded"] = "true"
        if self.rejected_by:
            headers["x-nearhit-rejected-by"] = self.rejected_by
        return headers


def _header(value: str | None, name: str, read: Callable[[str, str], T]) -> T | None:
    """A header's value read by ``read`` (a :mod:`nearhit.validate` rule), None when absent or blank, a 400
    naming the header when the rule refuses it."""
    if value is None or not value.strip():
        return None
    try:
        return read(value.strip(), name)
    except InvalidInput as exc:
        raise invalid(f"{str(exc).rstrip('.')}.", name, "invalid_header") from None


def _max_age(directives: set[str]) -> int | None:
    """The youngest ``max-age=N`` / ``s-maxage=N`` (seconds) of ``Cache-Control``, or None."""
    ages: list[int] = []
    for directive in directives:
        name, sep, value = directive.partition("=")
        if sep and name.strip() in ("max-age", "s-maxage"):
            text = value.strip().strip('"')
            if not (text.isascii() and text.isdigit()):
                raise invalid(
                    f"Cache-Control {name.strip()} must be a whole number of seconds, not {text[:40]!r}.",
                    "cache-control",
                    "invalid_header",
                )
            ages.append(int(text))
    return min(ages) if ages else None
