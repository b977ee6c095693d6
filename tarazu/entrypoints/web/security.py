"""Authentication and authorisation for every route.

Humans log in with a password (Argon2) and get a server-side session (cookie: HttpOnly,
SameSite=Strict, Secure unless disabled for local HTTP) with a CSRF token that every unsafe
form or fetch must echo. Machines send ``Authorization: Bearer <token>`` (only hashes kept).

Every route depends on :func:`require` (or is marked ``PUBLIC``); a test enumerates
all routes and proves anonymous callers and wrong roles are refused."""

from __future__ import annotations

import hmac
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from fastapi import Depends, HTTPException, Request

from tarazu.adapters.db.user_store import User
from tarazu.bootstrap import App
from tarazu.domain.roles import Role
from tarazu.reports.ratelimit import BucketPolicy
from tarazu.service import reports, users

SESSION_COOKIE = "tarazu_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SESSION_TTL = timedelta(hours=8)
UNSAFE = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: Route marker for what anyone may call by design (login, the public reporting portal, the
#: appeal page, public transparency reports): ``@router.get(..., openapi_extra=PUBLIC)``.
#: Every other route must depend on :func:`require`; the route tests hold both to account.
PUBLIC = {"x-tarazu-public": True}


def is_public(route) -> bool:  # type: ignore[no-untyped-def]
    return bool((route.openapi_extra or {}).get("x-tarazu-public"))


@dataclass(frozen=True)
class Principal:
    user: User
    via: str  # "session" | "token"
    csrf_token: str | None = None

    def has(self, *roles: Role) -> bool:
        return self.user.has(*roles)

    @property
    def name(self) -> str:
        return self.user.username


class LoginRequired(HTTPException):
    def __init__(self) -> None:
        super().__init__(status_code=401, detail="authentication required")


def get_container(request: Request) -> App:
    return request.app.state.container


def current_principal(request: Request) -> Principal | None:
    app: App = request.app.state.container
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = users.find_token_user(app.uow, auth[7:].strip())
        return Principal(user, "token") if user else None
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        row = users.find_session(app.uow, sid, app.clock.now())
        if row:
            return Principal(row.user, "session", row.csrf_token)
    return None


async def _csrf_ok(request: Request, principal: Principal) -> bool:
    if principal.via != "session" or request.method not in UNSAFE:
        return True
    sent = request.headers.get(CSRF_HEADER)
    if not sent:
        ctype = request.headers.get("content-type", "")
        if ctype.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = str(form.get(CSRF_FIELD) or "")
    return bool(sent) and hmac.compare_digest(sent, principal.csrf_token or "")


def require(*roles: Role) -> Callable[..., object]:
    """Dependency: a logged-in principal holding one of ``roles`` (any role if none given)."""

    async def dependency(request: Request) -> Principal:
        principal = current_principal(request)
        if principal is None:
            raise LoginRequired()
        _rate_limit(request, principal)  # refused calls count too: probing is not free
        if roles and not principal.has(*roles):
            raise HTTPException(status_code=403, detail="your role may not do this")
        if not await _csrf_ok(request, principal):
            raise HTTPException(status_code=403, detail="missing or wrong CSRF token")
        request.state.principal = principal
        return principal

    dependency.roles = frozenset(roles)  # type: ignore[attr-defined]  # read by route tests
    return Depends(dependency)


def _rate_limit(request: Request, principal: Principal) -> None:
    """Each user's requests draw on one stored bucket (``TARAZU_API_RATE``): a stolen token or
    a runaway script cannot flood the system or scrape it at machine speed."""
    app: App = request.app.state.container
    policy = BucketPolicy(capacity=app.settings.api_burst, per_second=app.settings.api_rate)
    decision = reports.rate_limit(app.uow, app.clock, f"api:user:{principal.user.id}", policy)
    if not decision.allowed:
        raise HTTPException(status_code=429, detail="too many requests; try again later",
                            headers={"Retry-After": str(decision.retry_after)})


def new_session(app: App, user: User) -> tuple[str, str]:
    return users.start_session(app.uow, user.id, app.clock.now(), SESSION_TTL)


def iter_routes(routes: list, prefix: str = ""):  # type: ignore[no-untyped-def]
    """Every (method, path, route) an app serves, through included routers (used by the
    route security test)."""
    from fastapi.routing import APIRoute

    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            ctx = getattr(route, "include_context", None)
            yield from iter_routes(inner.routes, prefix + (getattr(ctx, "prefix", "") or ""))
        elif isinstance(route, APIRoute):
            for m in sorted(route.methods - {"HEAD", "OPTIONS"}):
                yield m, prefix + route.path, route


def required_roles(route) -> frozenset[Role] | None:  # type: ignore[no-untyped-def]
    """The roles a route's ``require`` dependency admits (empty: any logged-in user; None:
    the route has no ``require`` at all)."""
    stack = list(route.dependant.dependencies)
    while stack:
        dep = stack.pop()
        roles = getattr(dep.call, "roles", None)
        if roles is not None:
            return roles
        stack.extend(dep.dependencies)
    return None
