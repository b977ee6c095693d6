"""Migration 0004 creates exactly the due-process tables the code declares, on both stores,
and downgrades cleanly."""

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from tarazu.adapters.db import due_process
from tarazu.adapters.db.engine import upgrade
from tarazu.adapters.db.schema import metadata

MINE = {t.name for t in due_process.metadata.tables.values()
        if t.name in ("case_deadlines", "appeal_tokens", "mirror_reference_withdrawn",
                      "job_watermarks")}


def _touches_mine(diff) -> bool:
    flat = diff if isinstance(diff, tuple) else diff[0]
    return any(getattr(x, "name", None) in MINE or getattr(getattr(x, "table", None), "name",
                                                           None) in MINE for x in flat)


def test_migration_matches_the_tables(app):
    assert len(MINE) == 4
    with app.engine.connect() as conn:
        diffs = compare_metadata(MigrationContext.configure(conn), metadata)
    assert [d for d in diffs if _touches_mine(d)] == []


def test_downgrade_removes_them(app):
    from alembic import command

    from tarazu.adapters.db.engine import alembic_config

    command.downgrade(alembic_config(app.engine), "0003_referrals")
    assert not MINE & set(inspect(app.engine).get_table_names())
    upgrade(app.engine)
    assert set(inspect(app.engine).get_table_names()) >= MINE
