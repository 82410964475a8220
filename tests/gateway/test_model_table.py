"""``NEARHIT_MODELS``: read at start-up, every mistake named with the variable and the entry."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nearhit.errors import ConfigError
from nearhit.gateway.models import ModelRoute, ModelTable, pass_through
from tests.gateway.conftest import ServeGateway
from tests.gateway.test_chat import ask, create


def test_inline_json_json_file_and_yaml_file(tmp_path: Path) -> None:
    spec = {"gpt-4o": {"upstream": "prod-gpt4o", "priced_as": "gpt-4o", "cache": False, "threshold": 0.9}, "mini": {}}
    inline = ModelTable.parse(json.dumps(spec), "azure")
    assert inline.resolve("gpt-4o") == ModelRoute("gpt-4o", "prod-gpt4o", "gpt-4o", False, 0.9)
    assert inline.resolve("mini") == ModelRoute("mini", "mini")
    assert inline.resolve("o3") is None
    (tmp_path / "models.json").write_text(json.dumps(spec))
    assert ModelTable.parse(str(tmp_path / "models.json"), "azure") == inline
    (tmp_path / "models.yaml").write_text(
        "gpt-4o:\n  upstream: prod-gpt4o\n  priced_as: gpt-4o\n  cache: false\n  threshold: 0.9\nmini:\n"
    )
    assert ModelTable.parse(str(tmp_path / "models.yaml"), "azure") == inline
    assert pass_through("anything") == ModelRoute("anything", "anything")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("{not json", "NEARHIT_MODELS: not valid JSON"),
        ('{"a": ' + "[" * 50_000 + "]" * 50_000 + "}", "NEARHIT_MODELS: not valid JSON (maximum recursion depth"),
        ("{}", "list at least one"),
        ('{"gpt-4o": 3}', "entry 'gpt-4o' must be an object"),
        ('{"gpt-4o": {"upstrem": "x"}}', "entry 'gpt-4o': unknown setting 'upstrem'"),
        ('{"gpt-4o": {"threshold": 2}}', "entry 'gpt-4o': threshold must be in [0, 1]"),
        ('{"gpt-4o": {"cache": "yes"}}', "entry 'gpt-4o': 'cache' must be true or false"),
        ('{"gpt-4o": {"provider": "bedrock"}}', "entry 'gpt-4o': unknown provider 'bedrock' (known: simulated"),
        ('{"gpt-4o": {"upstream": ""}}', "entry 'gpt-4o': upstream is empty"),
        ("/nonexistent/models.json", "NEARHIT_MODELS: cannot read the model table"),
    ],
)
def test_a_bad_table_stops_start_up_naming_the_entry(spec: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        ModelTable.parse(spec, "openai")
    assert message in str(caught.value)


async def test_a_model_with_caching_off_bypasses_and_its_threshold_applies(serve: ServeGateway) -> None:
    table = {"plain": {"upstream": "gpt-4o", "cache": False}, "strict": {"upstream": "gpt-4o", "threshold": 0.999}}
    async with serve(models=json.dumps(table)) as gateway:
        client = gateway.client()
        headers, _ = await create(client, ask("What is Redis used for?"), model="plain")
        assert headers["x-nearhit-cache"] == "bypass" and "NEARHIT_MODELS" in headers["x-nearhit-bypass-reason"]
        await create(client, ask("Explain what Redis is used for."), model="strict")
        await gateway.wait_entries(1)
        headers, _ = await create(client, ask("What is Redis used for?"), model="strict")
        assert headers["x-nearhit-cache"] == "miss"  # a paraphrase under the model's 0.999 threshold
