"""Shared fixtures. Storage tests run on SQLite and on a real PostgreSQL server.

PostgreSQL: ``TARAZU_TEST_PG_URL`` (default ``postgresql://postgres@127.0.0.1:5432/postgres``)
is used to create a scratch database per test session. When it cannot be reached the
PostgreSQL variants fail (they are never skipped)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import settings
from sqlalchemy import create_engine, text

from tarazu.bootstrap import App, bootstrap
from tarazu.service.clock import FixedClock
from tarazu.settings import Settings

#: Property tests judge behaviour, not speed: a first example that compiles a numba kernel or
#: meets a busy CI machine must not fail on hypothesis's 200 ms deadline (speed is measured by
#: the benchmarks).
settings.register_profile("tarazu", deadline=None)
settings.load_profile("tarazu")

PG_ADMIN_URL = os.environ.get("TARAZU_TEST_PG_URL",
                              "postgresql://postgres@127.0.0.1:5432/postgres")
REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("TARAZU_SHARED", REPO.parent / "shared"))


def _pg(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1)


@pytest.fixture(scope="session")
def pg_database() -> Iterator[str]:
    """A scratch PostgreSQL database for this test session, dropped at the end."""
    name = f"tarazu_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(_pg(PG_ADMIN_URL), isolation_level="AUTOCOMMIT")
    with admin.connect() as c:
        c.execute(text(f'CREATE DATABASE "{name}"'))
    base = PG_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with admin.connect() as c:
            c.execute(text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n"),
                {"n": name})
            c.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


def _reset_pg(url: str) -> None:
    eng = create_engine(_pg(url))
    with eng.begin() as c:
        c.execute(text("DROP SCHEMA public CASCADE"))
        c.execute(text("CREATE SCHEMA public"))
    eng.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime(2025, 7, 25, 9, 0, tzinfo=UTC))


def make_settings(home: Path, url: str | None) -> Settings:
    env = {"TARAZU_HOME": str(home), "TARAZU_COOKIE_SECURE": "0"}
    if url:
        env["TARAZU_DATABASE_URL"] = url
    return Settings.from_env(env)


@pytest.fixture(scope="session")
def migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An empty SQLite database migrated once; tests start from a copy of it (the migrations
    themselves run from scratch for every PostgreSQL variant and are checked against the
    table definitions in tests/integration/storage/test_migrations.py)."""
    home = tmp_path_factory.mktemp("template")
    a = bootstrap(make_settings(home, None))
    a.engine.dispose()
    return home / "tarazu.db"


def _fresh_sqlite(template: Path, home: Path) -> None:
    shutil.copyfile(template, home / "tarazu.db")


def fresh_store(request: pytest.FixtureRequest, home: Path) -> str | None:
    """An empty, migrated store of the kind ``request.param`` names ("sqlite" or "postgres"):
    the database URL for PostgreSQL, None for SQLite (its file is in ``home``)."""
    if request.param == "postgres":
        url: str = request.getfixturevalue("pg_database")
        _reset_pg(url)
        return url
    _fresh_sqlite(request.getfixturevalue("migrated_sqlite"), home)
    return None


@pytest.fixture(params=["sqlite", "postgres"])
def app(request: pytest.FixtureRequest, tmp_path: Path, clock: FixedClock) -> Iterator[App]:
    """A migrated, empty tarazu on each store."""
    a = bootstrap(make_settings(tmp_path, fresh_store(request, tmp_path)), clock=clock)
    yield a
    a.engine.dispose()


@pytest.fixture
def sqlite_app(tmp_path: Path, clock: FixedClock, migrated_sqlite: Path) -> Iterator[App]:
    _fresh_sqlite(migrated_sqlite, tmp_path)
    a = bootstrap(make_settings(tmp_path, None), clock=clock)
    yield a
    a.engine.dispose()
