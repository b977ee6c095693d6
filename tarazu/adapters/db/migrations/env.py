"""Alembic environment: runs against the engine handed over by tarazu (no ini file)."""

from alembic import context

from tarazu.adapters.db.schema import metadata

engine = context.config.attributes.get("engine")


def run() -> None:
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=metadata, render_as_batch=True)
        context.run_migrations()


run()
