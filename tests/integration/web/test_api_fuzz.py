"""Fuzzing the whole HTTP API from its own OpenAPI schema (schemathesis): every operation, with
valid and with invalid input, called with a real token of a role the operation admits (or
anonymously when it is public). No answer
may be a server error, and every documented answer must match its schema.

``TARAZU_FUZZ_EXAMPLES`` (default 5 per operation and mode) sets how hard it looks; the
examples are derandomised so a run is reproducible, and a larger number finds more."""

from __future__ import annotations

import dataclasses
import os
import secrets

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from tarazu.adapters.interchange import parse_account, parse_post
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.app import create_app
from tarazu.entrypoints.web.security import is_public, iter_routes, required_roles

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
    import shutil

    from tarazu.bootstrap import bootstrap
    from tarazu.service.clock import FixedClock
    from tests.conftest import make_settings

    home = tmp_path_factory.mktemp("fuzz")
    shutil.copyfile(migrated_sqlite, home / "tarazu.db")
    from datetime import UTC, datetime

    app = bootstrap(make_settings(home, None),
                    clock=FixedClock(datetime(2025, 7, 25, 9, 0, tzinfo=UTC)))
    app.settings = dataclasses.replace(app.settings, api_burst=10**9)
    tokens = _seed(app)
    web = create_app(app)
    yield schemathesis.openapi.from_asgi("/api/openapi.json", web), tokens, web
    app.engine.dispose()


def _caller(app, method: str, path: str) -> Role | None:
    """Who calls an operation: a role it admits (the first, in the order roles are listed),
    or nobody for a public one; wrong roles are the route x role test's business."""
    for m, p, route in iter_routes(app.routes):
        if (m, p) == (method, path):
            if is_public(route):
                return None
            allowed = required_roles(route) or frozenset(Role)
            return next(r for r in Role if r in allowed)
    raise AssertionError(f"{method} {path} is in the schema but not served")


def _fuzz(op, mode: GenerationMode, headers: dict[str, str], failures: list[str]) -> None:
    @given(case=op.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case) -> None:  # type: ignore[no-untyped-def]
        try:
            case.call_and_validate(headers=headers, checks=CHECKS)
        except (Exception, BaseExceptionGroup) as e:  # noqa: BLE001 - reported together
            said = " | ".join(line.strip() for line in str(e).splitlines() if line.strip())
            failures.append(f"{case.method} {case.formatted_path}: {said[:700]}")

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
        role = _caller(web, op.method.upper(), op.path)
        _fuzz(op, mode, {"Authorization": f"Bearer {tokens[role]}"} if role else {}, failures)
    assert failures == [], f"{len(failures)} failures:\n" + "\n".join(sorted(set(failures))[:40])
