"""``tarazu appeals``: the open appeals and, for one subject, its appeal history."""

from __future__ import annotations

import typer

from tarazu.domain.chain import format_time
from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.entrypoints.cli.common import fail, get_app, print_json
from tarazu.service import cases, queues

app = typer.Typer(help="Appeals of decisions.", no_args_is_help=True)


@app.command("list")
def list_cmd() -> None:
    """Open appeals, oldest due first, with their due dates (7 days)."""
    a = get_app()
    rows = queues.read_entries(a.uow, a.clock.now(), queue="appeals", limit=10_000)
    rows.sort(key=lambda e: (e.due_at is None, e.due_at))
    print_json([{"subject": str(e.row.subject), "assigned_to": e.row.assigned_to,
                 "due_at": format_time(e.due_at) if e.due_at else None, "overdue": e.overdue}
                for e in rows])


@app.command("show")
def show_cmd(subject: str = typer.Argument(..., help="type/platform:id, e.g. account/x:a1")
             ) -> None:
    """The appeals of one subject: what was contested, by whom decided, with which outcome."""
    kind, _, sid = subject.partition("/")
    try:
        ref = SubjectRef(SubjectType(kind), sid)
    except ValueError:
        fail(f"{subject!r}: expected type/platform:id")
        return
    a = get_app()
    s = cases.read_subject(a.uow, ref)
    out = []
    for e in s.history:
        if e.kind is EventKind.APPEAL:
            out.append({"appeal_id": e.event_id, "decision_id": e.payload.get("decision_id"),
                        "filed_at": format_time(e.occurred_at), "by": e.actor,
                        "statement": e.payload.get("statement")})
        elif e.kind is EventKind.APPEAL_DECISION:
            for x in out:
                if x["appeal_id"] == e.payload.get("appeal_id"):
                    x.update(outcome=e.payload.get("outcome"), reason=e.payload.get("reason"),
                             decided_by=e.actor, decided_at=format_time(e.occurred_at))
    print_json(out)
