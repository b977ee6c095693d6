"""Engines for SQLite and PostgreSQL, and schema management through Alembic."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, event, inspect, make_url

if TYPE_CHECKING:
    from tarazu.adapters.db.crypto import FieldCipher

MIGRATIONS = Path(__file__).parent / "migrations"


def normalise_url(url: str) -> str:
    """Use the psycopg 3 driver for plain postgresql:// URLs."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def _private_file(url: str) -> None:
    """The SQLite file holds personal data and the audit log: readable by its owner only
    (SQLite gives its -wal and -shm files the same mode)."""
    name = make_url(url).database
    if not name or name == ":memory:" or name.startswith("file:"):
        return
    path = Path(name)
    if path.exists():
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))


def make_engine(url: str) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        _private_file(url)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            # Let SQLAlchemy, not the driver, open transactions; WAL lets readers run alongside
            # the single writer, and BEGIN IMMEDIATE takes the write lock up front so two
            # writers never deadlock on upgrade from a read lock.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_engine(url, pool_pre_ping=True)


def alembic_config(engine: Engine, cipher: FieldCipher | None = None) -> Config:
    """The migrations' configuration. ``cipher`` (the deployment's field key) is needed by a
    migration that encrypts personal data already stored; without it such a migration stops
    when there is something to encrypt."""
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    cfg.attributes["cipher"] = cipher
    return cfg


def head_revision() -> str:
    script = ScriptDirectory.from_config(alembic_config(None))  # type: ignore[arg-type]
    head = script.get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: Engine, revision: str = "head", cipher: FieldCipher | None = None) -> None:
    command.upgrade(alembic_config(engine, cipher), revision)


class SchemaOutOfDate(RuntimeError):
    pass


def ensure_schema(engine: Engine) -> None:
    """Apply the migrations to a new, empty database; refuse to run on an outdated one."""
    current = current_revision(engine)
    if current is None:
        if inspect(engine).get_table_names():
            raise SchemaOutOfDate("the database has tables but no migration record")
        upgrade(engine)
        return
    if current != head_revision():
        raise SchemaOutOfDate(
            f"the database schema is at {current}, this version needs {head_revision()}: "
            "run 'tarazu db upgrade'"
        )


def unavailable(e: BaseException) -> bool:
    """Whether a database error means the database is away or the connection was lost (try
    again later), rather than a fault in the statement or the data."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    return isinstance(e, OperationalError) or (
        isinstance(e, DBAPIError) and e.connection_invalidated)
