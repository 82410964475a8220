"""Who may call what: one access model for every endpoint.

Open mode (neither ``NEARHIT_GATEWAY_KEYS`` nor ``NEARHIT_ADMIN_TOKEN`` set, the local demo): anyone may do
anything, as before. Secured mode: the tenant comes from a credential, never from the body alone.

- ``Authorization: Bearer <token>`` (scheme case-insensitive) or ``X-Admin-Token: <token>`` carries it.
- The admin token acts for any tenant (an explicit ``tenant`` needs it) and opens the admin endpoints.
- A key of the key table acts for its own tenant only (403 for another one).
- Without a key table, a caller without the admin token is the shared tenant (``NEARHIT_GATEWAY_TENANT``), as
  the keyless gateway always was; with a key table, it is nobody (401).

Every route declares one rule with a dependency below (``PUBLIC``, ``CALLER``, ``ADMIN``); :func:`check_routes`
refuses to start an app with a route that has none, so a new endpoint cannot be open by omission.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Annotated, Any, Literal, TypeVar

from fastapi import Depends, FastAPI, Request, Security
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from fastapi.security import APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer

from nearhit.cache.keys import sha256_hex
from nearhit.errors import ConfigError
from nearhit.gateway import GatewayConfig, GatewayError, KeyTable

log = logging.getLogger(__name__)

Kind = Literal["open", "admin", "key", "shared", "anonymous"]


class AccessDenied(Exception):
    """401 (no or a wrong credential) or 403 (a credential that may not do this), with a precise message."""

    def __init__(self, status: Literal[401, 403], message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Caller:
    """Who is calling. ``tenant`` is the tenant the credential binds to; None means any (admin, open mode)."""

    kind: Kind
    tenant: str | None
    identity: str  # for rate limits: a digest of the credential, or the client address; never the secret

    @property
    def admin(self) -> bool:
        return self.kind in ("open", "admin")

    def acting_for(self, asked: str | None, default: str = "default") -> str:
        """The tenant a request acts for: the caller's own, or ``asked`` when the caller may choose."""
        if self.tenant is None:
            return asked if asked is not None else default
        if asked is not None and asked != self.tenant:
            if self.kind == "shared":
                raise AccessDenied(
                    401,
                    f"without the admin token every caller is the shared tenant {self.tenant!r}; "
                    f"acting for tenant {asked!r} needs Authorization: Bearer <NEARHIT_ADMIN_TOKEN>",
                )
            raise AccessDenied(
                403,
                f"this credential belongs to tenant {self.tenant!r} and cannot act for tenant {asked!r}; "
                "an explicit tenant needs the admin token",
            )
        return self.tenant

    def visible(self, asked: str | None) -> str | None:
        """The tenant a read is filtered to: ``asked``, or None (every tenant) only for an admin."""
        if self.tenant is None:
            return asked
        return self.acting_for(asked)


@dataclass(frozen=True)
class AccessPolicy:
    """The credentials configured, read once at start-up."""

    keys: KeyTable | None
    admin_token: str | None
    shared_tenant: str

    @classmethod
    def from_config(cls, gateway: GatewayConfig, admin_token: str | None) -> AccessPolicy:
        """The policy; a key of the key table that is also the admin token is a ConfigError (the admin token is
        read first, so that tenant's key would act for every tenant)."""
        if admin_token and gateway.keys is not None and gateway.keys.tenant_for(admin_token) is not None:
            raise ConfigError("NEARHIT_GATEWAY_KEYS holds NEARHIT_ADMIN_TOKEN as a tenant's key: give them apart")
        return cls(gateway.keys, admin_token or None, gateway.shared_tenant)

    @property
    def open(self) -> bool:
        return self.keys is None and self.admin_token is None

    def describe(self) -> str:
        """One line for the start-up log."""
        if self.open:
            return (
                "access: OPEN - no NEARHIT_GATEWAY_KEYS and no NEARHIT_ADMIN_TOKEN, so anyone who reaches this "
                "service can read, write and clear every tenant's cached answers; set them before exposing it"
            )
        keys = f"{len(self.keys.tenants)} gateway key(s)" if self.keys else "no key table (one shared tenant)"
        admin = "an admin token" if self.admin_token else "no admin token (admin endpoints off)"
        return f"access: secured with {keys} and {admin}"

    def identify(self, authorization: str | None, x_admin_token: str | None, client: str) -> Caller:
        """The caller behind these headers; 401 for a credential that is neither a key nor the admin token."""
        if self.open:
            return Caller("open", None, f"client:{client}")
        token = _credential(authorization, x_admin_token)
        if token is None:
            if self.keys is None:
                return Caller("shared", self.shared_tenant, f"client:{client}")
            return Caller("anonymous", None, f"client:{client}")
        if self.admin_token and hmac.compare_digest(token.encode(), self.admin_token.encode()):
            return Caller("admin", None, "admin")
        if x_admin_token and x_admin_token.strip():
            raise AccessDenied(401, "X-Admin-Token is not NEARHIT_ADMIN_TOKEN")
        identity = "key:" + sha256_hex(token)[:32]
        if self.keys is None:
            return Caller("shared", self.shared_tenant, identity)
        tenant = self.keys.tenant_for(token)
        if tenant is None:
            raise AccessDenied(
                401, "unknown credential: it is neither a key of NEARHIT_GATEWAY_KEYS nor NEARHIT_ADMIN_TOKEN"
            )
        return Caller("key", tenant, identity)

    def require_caller(self, caller: Caller) -> Caller:
        if caller.kind == "anonymous":
            raise AccessDenied(
                401, "this endpoint needs a credential: Authorization: Bearer <gateway key or admin token>"
            )
        return caller

    def require_admin(self, caller: Caller) -> Caller:
        if caller.admin:
            return caller
        if self.admin_token is None:
            raise AccessDenied(
                403, "admin endpoints are off: NEARHIT_GATEWAY_KEYS is set but NEARHIT_ADMIN_TOKEN is not"
            )
        if caller.kind == "key":
            raise AccessDenied(
                403,
                f"a key of tenant {caller.tenant!r} cannot use admin endpoints "
                "(they act for every tenant, or count what every tenant did)",
            )
        raise AccessDenied(401, "this endpoint needs the admin token (Authorization: Bearer <NEARHIT_ADMIN_TOKEN>)")


def _credential(authorization: str | None, x_admin_token: str | None) -> str | None:
    if x_admin_token and x_admin_token.strip():
        return x_admin_token.strip()
    if not authorization or not authorization.strip():
        return None
    scheme, _, token = authorization.strip().partition(" ")
    if scheme.lower() != "bearer":
        raise AccessDenied(401, f"unsupported Authorization scheme {scheme[:20]!r}: use 'Bearer <token>'")
    return token.strip() or None


def policy_of(request: Request) -> AccessPolicy:
    policy: AccessPolicy = request.app.state.access
    return policy


# Declared as security schemes so /docs shows them and lets one try the secured routes; the headers are parsed by
# AccessPolicy.identify (a lower-case 'bearer' works, another scheme gets its own 401 message).
_BEARER = HTTPBearer(auto_error=False, description="A gateway key (NEARHIT_GATEWAY_KEYS) or NEARHIT_ADMIN_TOKEN.")
_ADMIN_HEADER = APIKeyHeader(name="X-Admin-Token", auto_error=False, description="NEARHIT_ADMIN_TOKEN.")


def _caller_behind(request: Request) -> Caller:
    """The caller of ``request``; a credential header sent twice is a 401 in secured mode (which line would win
    is up to each proxy and framework on the way: the request names no one caller)."""
    policy = policy_of(request)
    client = request.client.host if request.client else "unknown"
    if policy.open:
        return policy.identify(None, None, client)
    found: list[str | None] = []
    for name in ("Authorization", "X-Admin-Token"):
        lines = request.headers.getlist(name)
        if len(lines) > 1:
            raise AccessDenied(401, f"{name} is given {len(lines)} times: send one credential")
        found.append(lines[0] if lines else None)
    return policy.identify(found[0], found[1], client)


async def identify(
    request: Request,
    _: Annotated[HTTPAuthorizationCredentials | None, Security(_BEARER)],
    __: Annotated[str | None, Security(_ADMIN_HEADER)],
) -> Caller:
    return _caller_behind(request)


class Rule(Enum):
    PUBLIC = "public"  # no cached content, no spend, nothing a tenant did: health, calculator, pages
    CALLER = "caller"  # acts for a tenant: the caller's own (a key) or any (admin)
    ADMIN = "admin"  # writes or deletes for any tenant, or sums over every tenant (counts would show who is active)


async def public() -> None:
    """The rule of endpoints anyone may call."""


async def caller(request: Request, who: Annotated[Caller, Depends(identify)]) -> Caller:
    """The rule of endpoints that act for a tenant: a credential is needed in secured mode."""
    return policy_of(request).require_caller(who)


async def admin(request: Request, who: Annotated[Caller, Depends(identify)]) -> Caller:
    """The rule of endpoints that act for any tenant."""
    return policy_of(request).require_admin(who)


def caller_of(request: Request) -> Caller:
    """:func:`caller` called by the route itself, with no dependency for FastAPI to solve per request (the hot
    path: a cache hit). Such a route declares its rule with :func:`reads_caller`; raises AccessDenied."""
    return policy_of(request).require_caller(_caller_behind(request))


def reads_every_tenant(request: Request) -> bool:
    """Whether the caller of ``request`` passes the admin rule, asked without refusing anyone (for a public
    route: the pages ask before they poll what sums over every tenant)."""
    try:
        return _caller_behind(request).admin
    except AccessDenied:
        return False


# The security requirement FastAPI writes for a route that depends on ``caller``, for /docs.
CALLER_SECURITY: dict[str, Any] = {"security": [{"HTTPBearer": []}, {"APIKeyHeader": []}]}
_READS_CALLER: set[Any] = set()
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def reads_caller(endpoint: Endpoint) -> Endpoint:
    """Declare that ``endpoint`` calls :func:`caller_of` first: its rule is ``CALLER`` (see :func:`rule_of`)."""
    _READS_CALLER.add(endpoint)
    return endpoint


PUBLIC = Depends(public)
CallerDep = Annotated[Caller, Depends(caller)]
AdminDep = Depends(admin)
_RULES: dict[Any, Rule] = {public: Rule.PUBLIC, caller: Rule.CALLER, admin: Rule.ADMIN}


def rule_of(route: RouteContext) -> Rule | None:
    """The access rule a route declares (through its dependencies, its router's included); None for none or
    for two different ones (which one would hold would depend on the order)."""
    found = {Rule.CALLER} if route.endpoint in _READS_CALLER else set()
    pending = list(route.dependant.dependencies)
    while pending:
        dependency = pending.pop()
        if dependency.call in _RULES:
            found.add(_RULES[dependency.call])
        pending.extend(dependency.dependencies)
    return found.pop() if len(found) == 1 else None


def nearhit_routes(app: FastAPI) -> list[RouteContext]:
    """The app's own endpoints (included routers flattened), without the docs pages FastAPI adds by itself."""
    return [
        route
        for route in iter_route_contexts(app.routes)
        if isinstance(route.original_route, APIRoute)
        and not route.endpoint.__module__.startswith(("fastapi.", "fastapi_offline."))
    ]


def check_routes(app: FastAPI) -> None:
    """Refuse an app with a route that declares no access rule."""
    for route in nearhit_routes(app):
        if rule_of(route) is None:
            methods = ",".join(sorted(route.methods or ()))
            raise RuntimeError(
                f"route {methods} {route.path} must declare exactly one access rule (see nearhit.api.access)"
            )


def install(app: FastAPI, policy: AccessPolicy) -> None:
    """Keep the policy on the app and answer AccessDenied: OpenAI's error shape under /v1, ``detail`` elsewhere."""
    app.state.access = policy

    @app.exception_handler(AccessDenied)
    async def denied(request: Request, exc: AccessDenied) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else {}
        if request.url.path.startswith("/v1/"):
            code = "invalid_api_key" if exc.status == 401 else "permission_denied"
            kind = "invalid_request_error" if exc.status == 401 else "permission_error"
            error = GatewayError(exc.message, status=exc.status, type=kind, code=code, headers=headers)
            return JSONResponse(error.body(), status_code=exc.status, headers=headers)
        body: dict[str, Any] = {"detail": exc.message}
        return JSONResponse(body, status_code=exc.status, headers=headers)
