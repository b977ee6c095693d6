"""Every route is authenticated and role-checked unless it is public by design."""

import re

from fastapi.testclient import TestClient

from tarazu.domain.roles import Role
from tarazu.entrypoints.web.security import is_public, iter_routes, required_roles
from tests.integration.web.conftest import login


def _fill(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x", path)


def _protected_routes(app):
    return [(m, p, r) for m, p, r in iter_routes(app.routes) if not is_public(r)]


def test_every_non_public_route_declares_its_roles(client):
    missing = [(m, p) for m, p, r in _protected_routes(client.app) if required_roles(r) is None]
    assert missing == []


def test_every_non_public_route_refuses_anonymous_callers(client):
    routes = _protected_routes(client.app)
    for method, path, _ in routes:
        r = client.request(method, _fill(path), follow_redirects=False,
                           headers={"accept": "application/json"})
        assert r.status_code in (401, 403), f"{method} {path} -> {r.status_code}"
    assert len(routes) >= 2


def test_every_role_restricted_route_refuses_the_wrong_role(web):
    clients: dict[Role, tuple[TestClient, str]] = {}
    from tarazu.entrypoints.web.app import create_app

    app = create_app(web)
    for role in Role:
        c = TestClient(app)
        clients[role] = (c, login(c, role.value))
    for method, path, route in _protected_routes(app):
        allowed = required_roles(route)
        if not allowed:
            continue
        for role in set(Role) - set(allowed):
            c, csrf = clients[role]
            r = c.request(method, _fill(path), follow_redirects=False,
                          headers={"accept": "application/json", "X-CSRF-Token": csrf})
            assert r.status_code == 403, f"{role} {method} {path} -> {r.status_code}"


def test_public_routes_are_only_those_public_by_design(client):
    public = {(m, p) for m, p, r in iter_routes(client.app.routes) if is_public(r)}
    assert ("POST", "/login") in public
    assert all(required_roles(r) is None for m, p, r in iter_routes(client.app.routes)
               if is_public(r))
