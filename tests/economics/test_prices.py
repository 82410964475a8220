"""Token prices from genai-prices, offline."""

from __future__ import annotations

import pytest

from nearhit.economics import Scenario, chat_price, embedding_price, listed_models
from nearhit.errors import InvalidInput


def test_gpt_4o_prices() -> None:
    """The figures are genai-prices' (they change with the package): only their shape is pinned here."""
    price = chat_price("gpt-4o", 500, 300)
    assert 0 < price.input_per_mtok < price.output_per_mtok
    assert price.provider == "openai" and price.source.startswith("genai-prices")


def test_embedding_models_resolve_without_a_provider() -> None:
    small = embedding_price("text-embedding-3-small", 500)
    assert small.provider == "openai" and small.input_per_mtok > 0
    assert embedding_price("local", 500).input_per_mtok == 0
    assert embedding_price("local-multilingual", 500).input_per_mtok == 0


@pytest.mark.parametrize("typo", ["gtp-4o", "gpt4o"])
def test_unknown_model_lists_close_matches(typo: str) -> None:
    with pytest.raises(InvalidInput, match=rf"unknown model '{typo}'.*close matches: gpt-4o"):
        chat_price(typo, 1, 1)


def test_unknown_model_without_close_match() -> None:
    with pytest.raises(InvalidInput, match="no close match"):
        embedding_price("zzzzzz", 1)


def test_listed_models() -> None:
    chat, embedding = listed_models()
    assert "gpt-4o" in {m.model for m in chat}
    assert [m.model for m in embedding[:2]] == ["local", "local-multilingual"]  # the offline ones, default first
    assert "text-embedding-3-small" in {m.model for m in embedding}


def test_the_multilingual_embedder_sizes_512_d_vectors() -> None:
    scenario = Scenario(1000, input_tokens=500, output_tokens=300, hit_rate=0.3, embedding_model="local-multilingual")
    assert scenario.resolved().dim == 512
