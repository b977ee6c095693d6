"""Web fixtures: the real app over HTTP (ASGI in-process transport), with users of every role."""

from __future__ import annotations

import functools

import pytest
from fastapi.testclient import TestClient

from tarazu.adapters.passwords import hash_password
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.app import create_app

PASSWORD = "correct horse battery"


@functools.cache
def password_hash() -> str:
    """One Argon2 hash for every test user: hashing is deliberately slow (~0.3 s each)."""
    return hash_password(PASSWORD)


@pytest.fixture
def web(sqlite_app):
    with sqlite_app.uow() as uow:
        for role in Role:
            uow.users.add(role.value, password_hash(), frozenset({role}),
                          sqlite_app.clock.now())
        uow.commit()
    return sqlite_app


@pytest.fixture
def client(web):
    return TestClient(create_app(web))


def login(client: TestClient, username: str) -> str:
    """Log in; returns the CSRF token of the session."""
    r = client.post("/login", data={"username": username, "password": PASSWORD},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    me = client.get("/api/me")
    assert me.status_code == 200
    page = client.get("/login")
    del page
    with client.app.state.container.uow() as uow:  # read the CSRF token of this session
        from tarazu.entrypoints.web.security import SESSION_COOKIE

        row = uow.users.session(client.cookies[SESSION_COOKIE], client.app.state.container
                                .clock.now())
    return row.csrf_token
