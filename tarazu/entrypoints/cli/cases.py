"""``tarazu cases``: the review queues with their due dates, and the jobs that keep due process
moving (timed actions that end by themselves, notices of decisions that took effect)."""

from __future__ import annotations

import typer

from tarazu.domain.chain import format_time
from tarazu.entrypoints.cli.common import get_app, print_json
from tarazu.service import expiry, notices, queues

app = typer.Typer(help="Review queues and the jobs of due process.", no_args_is_help=True)


@app.command("expire")
def expire_cmd() -> None:
    """End suspensions whose end date has passed (EXPIRY event; the platform is told to
    reinstate)."""
    a = get_app()
    r = expiry.expire_due(a.uow, a.clock)
    print_json({"checked": r.checked, "expired": r.expired})


@app.command("notify")
def notify_cmd() -> None:
    """Send the notice (English and Urdu, with an appeal link) of every decision that took
    effect and has none yet."""
    a = get_app()
    r = notices.send_due(a.uow, a.clock, a.settings.public_url)
    print_json({"checked": r.checked, "sent": r.sent})


@app.command("queues")
def queues_cmd(queue: str | None = typer.Argument(None, help="list this queue's cases")
               ) -> None:
    """Open and overdue cases per queue, or one queue's cases with their due dates."""
    a = get_app()
    now = a.clock.now()
    if queue is None:
        print_json([{"queue": q.name, "open": q.open, "overdue": q.overdue,
                     "sla_hours": q.sla_hours} for q in queues.read_summary(a.uow, now)])
        return
    print_json([{"subject": str(e.row.subject), "priority": e.row.priority,
                 "assigned_to": e.row.assigned_to,
                 "due_at": format_time(e.due_at) if e.due_at else None,
                 "overdue": e.overdue} for e in queues.read_entries(a.uow, now, queue=queue)])
