"""The ``tarazu`` command. Each capability registers its own sub-app here, one line each."""

from __future__ import annotations

import typer

from tarazu.entrypoints.cli import (
    appeals,
    banks,
    cases,
    core,
    datarequests,
    demo,
    designations,
    export,
    mirrors_ops,
    platform,
    protected,
    report,
    screening,
    stream,
)
from tarazu.entrypoints.cli.common import checkpoint_on_exit

#: Every command that completes and grew the audit chain signs a checkpoint on exit.
app = typer.Typer(help="tarazu: trust and safety with due process.", no_args_is_help=True,
                  pretty_exceptions_show_locals=False, result_callback=checkpoint_on_exit)
app.add_typer(core.db_app, name="db")
app.add_typer(core.audit_app, name="audit")
app.add_typer(core.referrals_app, name="referrals")
app.add_typer(core.users_app, name="users")
app.add_typer(core.outbox_app, name="outbox")
app.command("ingest")(core.ingest_cmd)
app.command("serve")(core.serve_cmd)
app.add_typer(designations.app, name="designations")
app.command("screen")(screening.screen_cmd)
app.add_typer(screening.names_app, name="names")
app.add_typer(banks.app, name="banks")
app.add_typer(datarequests.app, name="datarequests")
app.command("hash")(banks.hash_cmd)
app.add_typer(stream.app, name="stream")
app.add_typer(mirrors_ops.app, name="mirrors")
app.command("demo")(demo.demo_cmd)
app.command("scenario")(demo.scenario_cmd)
app.add_typer(platform.app, name="platform")
app.add_typer(protected.app, name="protected")
app.add_typer(cases.app, name="cases")
app.add_typer(export.app, name="export")
app.add_typer(appeals.app, name="appeals")
app.add_typer(report.app, name="report")


def main() -> None:
    app()
