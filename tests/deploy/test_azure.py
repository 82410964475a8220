"""The azd template (azure.yaml + infra/*.bicep): every file parses, modules fit together, and the settings that
vector search on Azure Managed Redis depends on are there.

The Bicep compiler cannot be installed here and CI has no Azure subscription: these files are parsed with
pycep-parser and checked, not deployed (the README and docs/deploy.md say so).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from pycep import BicepParser

ROOT = Path(__file__).resolve().parents[2]
INFRA = ROOT / "infra"
BICEP_FILES = sorted(INFRA.rglob("*.bicep"))


def parse(path: Path) -> dict[str, Any]:
    parsed: dict[str, Any] = BicepParser().parse(text=path.read_text())
    return parsed


@pytest.fixture(scope="module")
def parsed() -> dict[str, dict[str, Any]]:
    return {str(path.relative_to(INFRA)): parse(path) for path in BICEP_FILES}


def resources(parsed: dict[str, dict[str, Any]], type_: str, *, existing: bool = False) -> list[dict[str, Any]]:
    """Every resource of ``type_`` declared (not merely referenced with ``existing``) in any file."""
    return [
        resource
        for document in parsed.values()
        for resource in document.get("resources", {}).values()
        if resource["type"] == type_ and resource.get("existing", False) == existing
    ]


def one(parsed: dict[str, dict[str, Any]], type_: str) -> dict[str, Any]:
    found = resources(parsed, type_)
    assert len(found) == 1, f"{len(found)} resources of type {type_}"
    config: dict[str, Any] = found[0]["config"]
    return config


def walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def module_outputs_used(node: Any) -> Iterator[tuple[str, str]]:
    """(module, output) for every ``module.outputs.name`` expression under ``node``."""
    for item in walk(node):
        operator = item.get("operator") if isinstance(item, dict) else None
        if not isinstance(operator, dict) or operator.get("type") != "property_accessor":
            continue
        first, second = operator["operands"]["operand_1"], operator["operands"]["operand_2"]
        inner = second.get("operator") if isinstance(second, dict) else None
        if not (isinstance(first, str) and isinstance(inner, dict) and inner.get("type") == "property_accessor"):
            continue
        if inner["operands"]["operand_1"] == "outputs" and isinstance(inner["operands"]["operand_2"], str):
            yield first, inner["operands"]["operand_2"]


def test_there_is_a_main_and_modules() -> None:
    names = {str(path.relative_to(INFRA)) for path in BICEP_FILES}
    assert "main.bicep" in names
    assert len(names) >= 5


@pytest.mark.parametrize("path", BICEP_FILES, ids=lambda p: str(p.relative_to(INFRA)))
def test_every_bicep_file_parses(path: Path) -> None:
    document = parse(path)
    assert document.get("resources") or document.get("modules")


def test_modules_fit_main(parsed: dict[str, dict[str, Any]]) -> None:
    """What the Bicep compiler would catch first: module paths, parameter names, required parameters, outputs."""
    main = parsed["main.bicep"]
    declared_outputs: dict[str, set[str]] = {}
    for name, module in main["modules"].items():
        path = module["detail"]["path"]
        assert (INFRA / path).exists(), path
        target = parsed[path]
        given = set(module["config"]["params"])
        params = target["parameters"]
        assert given <= set(params), f"{name}: unknown parameters {given - set(params)}"
        required = {p for p, spec in params.items() if "default" not in spec}
        assert required <= given, f"{name}: missing parameters {required - given}"
        declared_outputs[name] = set(target.get("outputs", {}))
    for module, output in module_outputs_used(main):
        assert output in declared_outputs[module], f"{module}.outputs.{output} is not declared"


def test_azure_managed_redis_can_search(parsed: dict[str, dict[str, Any]]) -> None:
    one(parsed, "Microsoft.Cache/redisEnterprise")
    database = one(parsed, "Microsoft.Cache/redisEnterprise/databases")["properties"]
    # Search needs the Enterprise clustering policy; the API default, OSSCluster, can't be changed later.
    assert database["clusteringPolicy"] == "EnterpriseCluster"
    assert database["evictionPolicy"] == "NoEviction"
    assert {"name": "RediSearch"} in database["modules"]
    assert database["clientProtocol"] == "Encrypted"
    sku = parse(INFRA / "main.bicep")["parameters"]["redisSku"]
    allowed = next(d["argument"] for d in sku["decorators"] if d["type"] == "allowed")
    assert not [s for s in allowed if s.startswith("FlashOptimized")]  # Flash Optimized has no search


def test_azure_openai_has_a_chat_and_an_embedding_deployment(parsed: dict[str, dict[str, Any]]) -> None:
    account = one(parsed, "Microsoft.CognitiveServices/accounts")
    assert account["kind"] == "OpenAI"
    deployments = resources(parsed, "Microsoft.CognitiveServices/accounts/deployments")
    names = {d["config"]["name"] for d in deployments}
    assert names == {"chat", "embedding"}
    models = {d["config"]["properties"]["model"]["name"] for d in deployments}
    assert models == {"chatModelName", "embeddingModelName"}  # parameters
    defaults = parse(INFRA / "main.bicep")["parameters"]
    assert "embedding" in defaults["embeddingModelName"]["default"]


def test_monitoring(parsed: dict[str, dict[str, Any]]) -> None:
    workspace = one(parsed, "Microsoft.OperationalInsights/workspaces")
    insights = one(parsed, "Microsoft.Insights/components")
    assert insights["properties"]["WorkspaceResourceId"]
    assert workspace["properties"]["retentionInDays"] >= 30
    environment = one(parsed, "Microsoft.App/managedEnvironments")
    assert environment["properties"]["appLogsConfiguration"]["destination"] == "log-analytics"


def test_container_app(parsed: dict[str, dict[str, Any]]) -> None:
    app = one(parsed, "Microsoft.App/containerApps")
    one(parsed, "Microsoft.ManagedIdentity/userAssignedIdentities")
    assert app["identity"]["type"] == "UserAssigned"
    configuration = app["properties"]["configuration"]
    assert configuration["ingress"]["targetPort"] == 8000 and configuration["ingress"]["external"] is True
    assert configuration["registries"][0]["identity"] == "identityId"  # pulls with the identity, no password
    (container,) = app["properties"]["template"]["containers"]
    env = {entry["name"]: entry for entry in container["env"]}

    # Keys and connection strings are Container Apps secrets, referenced by name, never plain values.
    secret_names = {secret["name"] for secret in parsed["modules/containerapp.bicep"]["variables"]["secrets"]["value"]}
    for variable in (
        "REDIS_URL",
        "AZURE_OPENAI_API_KEY",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "NEARHIT_ADMIN_TOKEN",
        "NEARHIT_GATEWAY_KEYS",
    ):
        assert env[variable]["secretRef"] in secret_names, variable
        assert "value" not in env[variable]
    for variable in ("AZURE_OPENAI_ENDPOINT", "AZURE_OPENAI_GPT5_MODEL", "AZURE_OPENAI_EMBEDDING_MODEL", "PORT"):
        assert variable in env
    redis_url = next(s for s in parsed["modules/containerapp.bicep"]["variables"]["secrets"]["value"])
    assert redis_url["value"].startswith("rediss://")  # TLS to Azure Managed Redis

    # Replicas share the one Redis; a replica whose Redis is down keeps answering, so the probes ask /live (the
    # event loop turns), not /health, on the health port (a process of its own: answered while the loop is busy).
    scale = app["properties"]["template"]["scale"]
    assert scale["maxReplicas"] == "maxReplicas"
    assert {probe["type"] for probe in container["probes"]} == {"Startup", "Liveness", "Readiness"}
    health_port = int(env["NEARHIT_HEALTH_PORT"]["value"])
    assert health_port != configuration["ingress"]["targetPort"]
    for probe in container["probes"]:
        assert probe["httpGet"]["port"] == health_port and probe["httpGet"]["path"] == "/live", probe
    assert "azd-service-name" in str(app["tags"])


def test_the_deployment_is_never_an_open_proxy(parsed: dict[str, dict[str, Any]]) -> None:
    """The ingress is external, so the admin token and a gateway key are secrets azd generates (never empty, never
    typed in a file), handed to the container as Container Apps secrets."""
    params = parsed["main.bicep"]["parameters"]
    for name, minimum in (("adminToken", 16), ("gatewayKey", 32)):
        decorators = {d["type"]: d.get("argument") for d in params[name]["decorators"]}
        assert "secure" in decorators, name
        assert decorators["min_length"] >= minimum, name
        generate = decorators["metadata"]["azd"]
        assert generate["type"] == "generate" and generate["config"]["length"] >= minimum, name
        assert generate["config"]["noSpecial"] is True, name  # ',' or '=' would break NEARHIT_GATEWAY_KEYS' form
        assert params[name].get("default") is None, name
    file_params = json.loads((INFRA / "main.parameters.json").read_text())["parameters"]
    assert not {"adminToken", "gatewayKey"} & set(file_params)  # an unset variable must not feed them ""

    app_params = parsed["main.bicep"]["modules"]["app"]["config"]["params"]
    assert {"adminToken", "gatewayKey", "gatewayTenant"} <= set(app_params)
    module = parsed["modules/containerapp.bicep"]
    secrets = {secret["name"]: secret["value"] for secret in module["variables"]["secrets"]["value"]}
    assert "adminToken" in str(secrets["admin-token"])
    assert "gatewayKey" in str(secrets["gateway-keys"]) and "gatewayTenant" in str(secrets["gateway-keys"])
    app = one(parsed, "Microsoft.App/containerApps")
    (container,) = app["properties"]["template"]["containers"]
    env = {entry["name"]: entry for entry in container["env"]}
    assert env["NEARHIT_ADMIN_TOKEN"] == {"name": "NEARHIT_ADMIN_TOKEN", "secretRef": "admin-token"}
    assert env["NEARHIT_GATEWAY_KEYS"] == {"name": "NEARHIT_GATEWAY_KEYS", "secretRef": "gateway-keys"}


def test_role_assignments(parsed: dict[str, dict[str, Any]]) -> None:
    roles = [
        r["config"]["properties"]["roleDefinitionId"]
        for r in resources(parsed, "Microsoft.Authorization/roleAssignments")
    ]
    assert len(roles) == 2  # AcrPull on the registry, OpenAI User on the account
    one(parsed, "Microsoft.ContainerRegistry/registries")


def test_azure_yaml_points_at_the_infra_and_the_dockerfile() -> None:
    azure = yaml.safe_load((ROOT / "azure.yaml").read_text())
    assert azure["infra"] == {"provider": "bicep", "path": "infra", "module": "main"}
    (service,) = azure["services"].values()
    assert service["host"] == "containerapp"
    assert (ROOT / service["docker"]["path"]).resolve() == ROOT / "Dockerfile"
    app = parse(INFRA / "modules" / "containerapp.bicep")["resources"]["app"]["config"]
    # azd finds the app to deploy to by this tag: it must name the service in azure.yaml.
    assert app["tags"]["function"]["parameters"]["arg_2"] == {"'azd-service-name'": next(iter(azure["services"]))}
