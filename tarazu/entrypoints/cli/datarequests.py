"""``tarazu datarequests``: lawful requests for account-holder data."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer

from tarazu.datarequests.case import REFUSED_OR_RETURNED
from tarazu.datarequests.model import DataRequestFileError
from tarazu.datarequests.parse import parse_json
from tarazu.entrypoints.cli.common import console, fail, get_app, print_json
from tarazu.service import datarequests as dr
from tarazu.textfiles import read_text

app = typer.Typer(help="Lawful data requests: intake, checks, notices, counts.",
                  no_args_is_help=True)


@app.command("import")
def import_cmd(path: Path = typer.Argument(..., exists=True, dir_okay=False),
               platform: str = typer.Option("default", help="platform the targets are on")
               ) -> None:
    """Check a data request (JSON, as the referral contract describes) and queue it for legal
    review, or refuse it with reasons. Nothing is disclosed by importing."""
    a = get_app()
    raw = path.read_bytes()
    decoded = read_text(path)
    if decoded.problems:
        fail(decoded.fail_message(path.name))
    try:
        req = parse_json(decoded.text, a.clock.now())
        result = dr.import_request(a.uow, a.clock, req, raw, platform=platform)
    except (DataRequestFileError, dr.DuplicateRequest) as e:
        fail(f"{path.name}: {e}")
        return
    print_json(result.to_dict())
    if result.status in REFUSED_OR_RETURNED:
        raise typer.Exit(2)


@app.command("notify-due")
def notify_due_cmd() -> None:
    """The periodic job: queue user notices whose non-disclosure order has ended, flag
    emergency answers whose legal process is overdue, end expired preservations."""
    a = get_app()
    report = dr.run_due(a.uow, a.clock)
    print_json(report.to_dict())


@app.command("list")
def list_cmd(status: str | None = typer.Option(None, help="e.g. pending_legal, approved")
             ) -> None:
    """Data requests, newest first."""
    rows = dr.read_rows(get_app().uow, statuses=(status,) if status else None)
    print_json([{"request_id": r.request_id, "status": r.status, "path": r.path,
                 "country": r.country, "agency": r.agency, "received_at": r.received_at,
                 "outcome": r.outcome} for r in rows])


@app.command("show")
def show_cmd(request_id: str) -> None:
    """One request: checks, scope, decisions and history (no personal data)."""
    a = get_app()
    try:
        v = dr.read_view(a.uow, request_id)
    except dr.UnknownRequest as e:
        fail(str(e))
        return
    print_json(v.to_dict(a.clock.now()))


@app.command("counts")
def counts_cmd(since: str = typer.Option(..., help="YYYY-MM-DD"),
               until: str | None = typer.Option(None, help="YYYY-MM-DD (exclusive)")) -> None:
    """User-data request counts for a transparency report."""
    try:
        start = date.fromisoformat(since)
        end = date.fromisoformat(until) if until else None
    except ValueError:
        fail("--since/--until: dates as YYYY-MM-DD")
        return
    print_json(dr.read_counts(get_app().uow, start, end))
    console.print("[dim]counts by date received[/dim]")
