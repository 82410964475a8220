"""A key table that names one key twice, or a tenant's key that is also the admin token, stops start-up with a
message: which tenant such a key serves (or that it acts for every tenant) would be an accident of order."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from nearhit.api.access import AccessPolicy
from nearhit.cli import main
from nearhit.config import Settings
from nearhit.errors import ConfigError
from nearhit.gateway import GatewayConfig, KeyTable

ADMIN = "admin-token-of-32-characters-xx"


def test_a_key_listed_twice_is_refused_inline_in_json_and_in_toml(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="listed twice"):
        KeyTable.parse("key-1=acme,key-1=globex")
    with pytest.raises(ConfigError, match="listed twice"):
        KeyTable.parse("key-1=acme, key-1 =globex")  # the same key once stripped
    table = tmp_path / "keys.json"
    table.write_text('{"key-1": "acme", "key-1": "globex"}')
    with pytest.raises(ConfigError, match="listed twice"):
        KeyTable.parse(str(table))
    toml = tmp_path / "keys.toml"
    toml.write_text('"key-1" = "acme"\n"key-1" = "globex"\n')
    with pytest.raises(ConfigError, match="cannot read the key table"):
        KeyTable.parse(str(toml))
    table.write_text("[" * 50_000 + "]" * 50_000)  # a RecursionError: was a traceback at start
    with pytest.raises(ConfigError, match=r"cannot read the key table .* maximum recursion depth"):
        KeyTable.parse(str(table))
    table.write_text(json.dumps({"key-1": "acme", "key-2": "globex"}))
    assert KeyTable.parse(str(table)).tenant_for("key-2") == "globex"


def test_a_tenants_key_that_is_the_admin_token_is_refused(settings: Settings) -> None:
    own = settings.model_copy(update={"gateway_keys": f"{ADMIN}=acme,key-2=globex", "admin_token": ADMIN})
    with pytest.raises(ConfigError, match="NEARHIT_ADMIN_TOKEN as a tenant's key"):
        AccessPolicy.from_config(GatewayConfig.from_settings(own), own.admin_token)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"NEARHIT_GATEWAY_KEYS": "key-1=acme,key-1=globex"}, "listed twice"),
        ({"NEARHIT_GATEWAY_KEYS": f"{ADMIN}=acme", "NEARHIT_ADMIN_TOKEN": ADMIN}, "as a tenant's key"),
        ({"NEARHIT_MODELS": "{not json"}, "NEARHIT_MODELS: not valid JSON"),
    ],
)
def test_serve_says_what_is_wrong_with_the_tables_before_starting(
    env: dict[str, str], message: str, tmp_path: Path
) -> None:
    # The health port on the server's port is refused right after: a serve that let the tables pass stops there.
    fence = {"NEARHIT_DATA_DIR": str(tmp_path), "NEARHIT_HEALTH_PORT": "8999"}
    result = CliRunner().invoke(main, ["serve", "--port", "8999"], env=fence | env)
    assert result.exit_code == 1, result.output
    assert message in result.output and "Traceback" not in result.output
    assert not (tmp_path / "redis.json").exists()  # refused before the embedded Redis was started
