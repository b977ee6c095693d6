"""Database schema commands. A module of their own that imports the engine (SQLAlchemy,
Alembic) only when a command runs, so that ``tarazu db status`` starts without the service
layer and ``tarazu db --help`` without SQLAlchemy."""

from __future__ import annotations

import typer

from tarazu.entrypoints.cli.common import console, print_json

app = typer.Typer(help="Database schema.", no_args_is_help=True)


@app.command("upgrade")
def db_upgrade() -> None:
    """Apply all migrations (on SQLite or PostgreSQL, as TARAZU_DATABASE_URL says)."""
    from tarazu.adapters.db.crypto import FieldCipher
    from tarazu.adapters.db.engine import current_revision, make_engine, upgrade
    from tarazu.bootstrap import read_settings

    settings = read_settings()
    engine = make_engine(settings.database_url)
    upgrade(engine, cipher=FieldCipher(settings.secret_key))  # a migration may encrypt rows
    console.print(f"database at revision {current_revision(engine)}")


@app.command("status")
def db_status() -> None:
    """Show the current and the required schema revision."""
    from tarazu.adapters.db.engine import current_revision, head_revision, make_engine
    from tarazu.bootstrap import read_settings

    engine = make_engine(read_settings().database_url)
    print_json({"current": current_revision(engine), "head": head_revision()})
