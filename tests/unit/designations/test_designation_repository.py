"""Designations round-trip through the database; re-import is idempotent; the migration
creates exactly the tables the repository uses."""

import importlib.util
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.operations import Operations
from sqlalchemy import create_engine, inspect

import tarazu
from tarazu.adapters.db.designations import DesignationRepository
from tarazu.adapters.db.tables import metadata
from tarazu.designations.model import Listing
from tarazu.designations.registry import packaged_designations


def test_round_trip_and_idempotent_reimport() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    items = packaged_designations()
    with engine.begin() as conn:
        repo = DesignationRepository(conn)
        assert repo.upsert_all(items) == (len(items), 0)
        assert repo.upsert_all(items) == (0, len(items))
        assert repo.all() == sorted(items, key=lambda d: d.id)
        registry = repo.registry()
        blf = registry.get("tarazu-blf")
        assert blf is not None and registry.domestic_list_only(blf)


def test_reimport_replaces_listings() -> None:
    engine = create_engine("sqlite://")
    metadata.create_all(engine)
    (ttp,) = [d for d in packaged_designations() if d.id == "tarazu-ttp"]
    delisted = Listing(ttp.listings[0].authority, ttp.listings[0].list_name, ended_on="2030-01-01")
    with engine.begin() as conn:
        repo = DesignationRepository(conn)
        repo.upsert(ttp)
        repo.upsert(type(ttp)(ttp.id, ttp.name, ttp.aliases, (delisted,)))
        stored = repo.get("tarazu-ttp")
        assert stored is not None and stored.listings == (delisted,)
        assert not stored.listings_in_force


def test_migration_creates_and_drops_the_tables() -> None:
    path = Path(tarazu.__file__).parent / "adapters/db/migrations/versions/0002_designations.py"
    spec = importlib.util.spec_from_file_location("m0002", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    engine = create_engine("sqlite://")
    with engine.begin() as conn:
        ops = Operations(MigrationContext.configure(conn))
        spec.loader.exec_module(module)
        module.op = ops  # replace the migration's `op` proxy with one bound to this connection
        module.upgrade()
        tables = set(inspect(conn).get_table_names())
        assert {"designations", "designation_aliases", "designation_listings"} <= tables
        cols = {c["name"] for c in inspect(conn).get_columns("designation_listings")}
        assert cols == {c.name for c in metadata.tables["designation_listings"].columns}
        module.downgrade()
        assert not set(inspect(conn).get_table_names()) & tables
