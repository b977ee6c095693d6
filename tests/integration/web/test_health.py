"""Liveness and readiness: a supervisor restarts a process whose /healthz stops answering, and a
load balancer sends traffic only where /readyz says the database and its schema are right."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import text

from tarazu.entrypoints.web.app import create_app


def test_ready_only_with_the_schema_this_code_needs(app):
    client = TestClient(create_app(app))
    assert client.get("/healthz").json() == {"ok": True}
    ready = client.get("/readyz")
    assert ready.status_code == 200 and ready.json()["status"] == "ready"

    with app.engine.begin() as conn:  # a deploy that skipped `tarazu db upgrade`
        conn.execute(text("UPDATE alembic_version SET version_num = '0007_data_requests'"))
    stale = client.get("/readyz")
    assert stale.status_code == 503 and "tarazu db upgrade" in stale.json()["reason"]
    assert client.get("/healthz").status_code == 200  # alive, just not ready


def test_not_ready_when_the_database_is_gone(sqlite_app):
    client = TestClient(create_app(sqlite_app))
    sqlite_app.engine.dispose()
    (sqlite_app.settings.home / "tarazu.db").unlink()
    (sqlite_app.settings.home / "tarazu.db").mkdir()  # not a database any more
    gone = client.get("/readyz")
    assert gone.status_code == 503 and "database unreachable" in gone.json()["reason"]
