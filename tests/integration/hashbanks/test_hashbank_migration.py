"""Migration 0006 creates exactly the tables the store uses, and its downgrade drops them."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine, inspect

import tarazu
from tarazu.adapters.db.schema import metadata

TABLES = {"hash_banks", "hash_entries", "hash_feedback"}


def test_migration_0006_matches_the_tables_and_downgrades() -> None:
    path = Path(tarazu.__file__).parent / "adapters/db/migrations/versions/0006_hashbanks.py"
    spec = importlib.util.spec_from_file_location("m0006", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        spec.loader.exec_module(module)
        module.op = Operations(MigrationContext.configure(conn))
        module.upgrade()
        insp = inspect(conn)
        assert set(insp.get_table_names()) >= TABLES
        for name in TABLES:
            cols = {c["name"] for c in insp.get_columns(name)}
            assert cols == {c.name for c in metadata.tables[name].columns}, name
        assert {i["name"] for i in insp.get_indexes("hash_entries")} == {
            i.name for i in metadata.tables["hash_entries"].indexes}
        module.downgrade()
        assert not set(inspect(conn).get_table_names()) & TABLES
