"""The migrations build exactly the schema the code declares, and can be undone and redone."""

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tarazu.adapters.db.engine import alembic_config, current_revision, head_revision
from tarazu.adapters.db.schema import metadata


def test_migrations_match_the_table_definitions(app):
    with app.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == []
    assert current_revision(app.engine) == head_revision()


def test_downgrade_to_base_and_upgrade_again(app):
    cfg = alembic_config(app.engine)
    command.downgrade(cfg, "base")
    assert current_revision(app.engine) is None
    command.upgrade(cfg, "head")
    assert current_revision(app.engine) == head_revision()
    with app.uow() as uow:  # the chain head row is seeded again
        assert uow.events.head() == (0, "0" * 64)
