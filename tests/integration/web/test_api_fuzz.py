"""Fuzzing the whole HTTP API from its own OpenAPI schema (schemathesis): every operation, with
valid input as each role it admits (a real token each; anonymously when it is public) and with
invalid input as one of them. No answer may be a server error, and every documented answer
must match its schema.

``TARAZU_FUZZ_EXAMPLES`` (default 5 per operation and mode) sets how hard it looks; the
examples are derandomised so a run is reproducible, and a larger number finds more."""

from __future__ import annotations

import dataclasses
import os
import secrets
import shutil
from datetime import UTC, datetime

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tarazu.bootstrap import bootstrap
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.app import create_app
from tarazu.entrypoints.web.security import is_public, iter_routes, required_roles
from tarazu.interchange import parse_account, parse_post
from tarazu.service.clock import FixedClock
from tests.conftest import make_settings

EXAMPLES = int(os.environ.get("TARAZU_FUZZ_EXAMPLES", "5"))
CHECKS = [not_a_server_error, response_schema_conformance]


def _seed(app) -> dict[Role, str]:
    """A little of everything the API reads, and one token per role."""
    now = app.clock.now()
    tokens = {}
    with app.uow() as uow:
        uow.platform.upsert_account(parse_account({
            "type": "account", "account_id": "1", "platform": "x", "handle": "someone",
            "created_at": "2025-07-01T00:00:00Z", "status": "active"}))
        uow.platform.upsert_post(parse_post({
            "type": "post", "post_id": "p1", "account_id": "1", "platform": "x",
            "created_at": "2025-07-02T00:00:00Z", "text": "[placeholder]"}))
        uow.events.append(ModerationEvent(EventKind.REPORT, SubjectRef.account("x", "1"),
                                          "system:test", now, {"source": "public"}))
        for role in Role:
            user = uow.users.add(f"fuzz-{role.value}", "x", frozenset({role}), now)
            tokens[role] = "tz_" + secrets.token_urlsafe(24)
            uow.users.add_token(user.id, "fuzz", tokens[role], now)
        uow.commit()
    return tokens


@pytest.fixture(scope="module")
def fuzzed(tmp_path_factory, migrated_sqlite):
    """One app for the module (the fuzzer's thousands of calls need no fresh database each),
    with a rate limit high enough not to hide what lies behind it."""
    home = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(migrated_sqlite, home / "tarazu.db")
    app = bootstrap(make_settings(home, None),
                    clock=FixedClock(datetime(2025, 7, 25, 9, 0, tzinfo=UTC)))
    app.settings = dataclasses.replace(app.settings, api_burst=10**9)
    tokens = _seed(app)
    web = create_app(app)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", web), tokens, web
    app.engine.dispose()


def _callers(app, method: str, path: str) -> list[Role | None]:
    """Who may call an operation: the roles it admits, or nobody (None) for a public one;
    wrong roles are the route x role test's business."""
    for m, p, route in iter_routes(app.routes):
        if (m, p) == (method, path):
            if is_public(route):
                return [None]
            allowed = required_roles(route) or frozenset(Role)
            return [r for r in Role if r in allowed]
    raise AssertionError(f"{method} {path} is in the schema but not served")


def _fuzz(op, mode: GenerationMode, role: Role | None, token: str | None,
          failures: list[str]) -> None:
    headers = {"Authorization": f"Bearer {token}"} if token else {}

    @given(case=op.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case) -> None:  # type: ignore[no-untyped-def]
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - reported together
            said = " | ".join(line.strip() for line in str(e).splitlines() if line.strip())
            who = role.value if role else "anonymous"
            failures.append(f"{case.method} {case.formatted_path} as {who}: {said[:700]}")

    try:
        fuzz()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
        assert mode is GenerationMode.NEGATIVE


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
                         ids=["valid", "invalid"])
def test_no_server_error_and_no_schema_violation(fuzzed, mode):
    schema, tokens, web = fuzzed
    failures: list[str] = []
    operations = [r.ok() for r in schema.get_all_operations()]
    assert len(operations) > 40
    for op in operations:
        callers = _callers(web, op.method.upper(), op.path)
        for role in callers if mode is GenerationMode.POSITIVE else callers[:1]:
            _fuzz(op, mode, role, tokens[role] if role else None, failures)
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:40])
