"""Token prices, the one place nearhit prices tokens: chat and embedding models from ``genai-prices``.

``genai-prices`` ships its data in the wheel, so prices resolve offline; the package version and the
date the prices apply to travel with every figure so a reader can tell how old they are.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import cache

import genai_prices
from genai_prices import Usage, calc_price
from genai_prices.data import providers as _PROVIDERS

from nearhit.errors import InvalidInput

LOCAL_EMBEDDER = "local"
# The offline embedders by their NEARHIT_EMBEDDER name: no per-token charge.
LOCAL_EMBEDDERS = {LOCAL_EMBEDDER: "all-MiniLM-L6-v2", "local-multilingual": "USE multilingual v3"}
PRICE_SOURCE = f"genai-prices {genai_prices.__version__}"
# Providers offered to the UI's model list; any model genai-prices knows can still be priced by name.
LISTED_PROVIDERS = ("openai", "anthropic", "google", "mistral", "deepseek", "x-ai")
# Embedding models are priced under OpenAI when the name alone does not identify a provider.
_FALLBACK_PROVIDER = "openai"


@dataclass(frozen=True, slots=True)
class TokenPrice:
    """USD per million tokens for one model, with where the figure comes from."""

    model: str
    provider: str
    input_per_mtok: float
    output_per_mtok: float
    source: str
    as_of: str


@dataclass(frozen=True, slots=True)
class ListedModel:
    """A model the calculator offers by name, with its current base prices."""

    model: str
    provider: str
    name: str
    input_per_mtok: float
    output_per_mtok: float | None


def chat_price(model: str, input_tokens: int, output_tokens: int, as_of: date | None = None) -> TokenPrice:
    """The effective per-MTok prices of ``model`` for a request of this size (tiered prices depend on it)."""
    return _price(model, input_tokens, output_tokens, as_of)


def embedding_price(model: str, tokens: int, as_of: date | None = None) -> TokenPrice:
    """The per-MTok price of embedding ``tokens``; the local embedders cost nothing per token."""
    if model in LOCAL_EMBEDDERS:
        day = (as_of or datetime.now(tz=UTC).date()).isoformat()
        return TokenPrice(model, "nearhit", 0.0, 0.0, "local embedder: no per-token charge", day)
    return _price(model, tokens, 0, as_of)


def listed_models() -> tuple[list[ListedModel], list[ListedModel]]:
    """(chat models, embedding models) of the listed providers whose prices are flat per token.

    The embedding list starts with the free local embedders, the default first.
    """
    chat: list[ListedModel] = []
    embedding = [
        ListedModel(name, "nearhit", f"{name} ({model})", 0.0, None) for name, model in LOCAL_EMBEDDERS.items()
    ]
    now = datetime.now(tz=UTC)
    for provider in _PROVIDERS:
        if provider.id not in LISTED_PROVIDERS:
            continue
        for info in provider.models:
            prices = info.get_prices(now)
            inp, out = getattr(prices, "input_mtok", None), getattr(prices, "output_mtok", None)
            if info.deprecated or not isinstance(inp, Decimal):
                continue
            listed = ListedModel(
                info.id,
                provider.id,
                info.name or info.id,
                float(inp),
                float(out) if isinstance(out, Decimal) else None,
            )
            if "embed" in info.id:
                embedding.append(listed)
            elif listed.output_per_mtok is not None:
                chat.append(listed)
    return chat, embedding


def _price(model: str, input_tokens: int, output_tokens: int, as_of: date | None) -> TokenPrice:
    when = datetime.combine(as_of, datetime.min.time(), tzinfo=UTC) if as_of else datetime.now(tz=UTC)
    # At least one token of each kind, so a per-MTok rate exists even for an embedding-only or empty side.
    input_tokens, output_tokens = max(input_tokens, 1), max(output_tokens, 1)
    usage = Usage(input_tokens=input_tokens, output_tokens=output_tokens)
    try:
        result = calc_price(usage, model, genai_request_timestamp=when)
    except LookupError:
        try:
            result = calc_price(usage, model, provider_id=_FALLBACK_PROVIDER, genai_request_timestamp=when)
        except LookupError:
            raise InvalidInput(_unknown_model_message(model)) from None
    return TokenPrice(
        model=result.model.id,
        provider=result.provider.id,
        input_per_mtok=_per_mtok(result.input_price, input_tokens),
        output_per_mtok=_per_mtok(result.output_price, output_tokens),
        source=PRICE_SOURCE,
        as_of=when.date().isoformat(),
    )


def _per_mtok(price: Decimal, tokens: int) -> float:
    return float(price * 1_000_000 / tokens)


def _unknown_model_message(model: str) -> str:
    close = difflib.get_close_matches(model.lower(), _all_model_ids(), n=5, cutoff=0.6)
    hint = f"; close matches: {', '.join(close)}" if close else "; no close match"
    return f"unknown model {model!r} (not in {PRICE_SOURCE}){hint}"


@cache
def _all_model_ids() -> tuple[str, ...]:
    return tuple(sorted({info.id for provider in _PROVIDERS for info in provider.models}))


@dataclass(frozen=True, slots=True)
class RequestCost:
    """What one LLM call cost (or would have cost), and the model whose prices were used."""

    usd: float
    priced_as: str
    known: bool


def request_cost(model: str, input_tokens: int, output_tokens: int) -> RequestCost:
    """USD for one call; a model with no known price costs 0 with ``known=False`` (never an error: this
    runs on the request path, where an unpriced self-hosted model must still be served)."""
    try:
        price = chat_price(model, input_tokens, output_tokens)
    except InvalidInput:
        return RequestCost(0.0, model, known=False)
    usd = (input_tokens * price.input_per_mtok + output_tokens * price.output_per_mtok) / 1_000_000
    return RequestCost(usd, price.model, known=True)
