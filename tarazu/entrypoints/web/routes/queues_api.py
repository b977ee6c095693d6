"""Queue work over JSON: queues with their due dates and overdue counts, taking a case
(ASSIGN), sending it to senior review (ESCALATE), and one decision for several selected cases
(never for protected accounts; all or none)."""

from __future__ import annotations

from fastapi import APIRouter, BackgroundTasks, HTTPException, Request
from pydantic import BaseModel, Field

from tarazu.domain.case import DueProcessError
from tarazu.domain.chain import format_time
from tarazu.domain.events import SubjectRef, SubjectType
from tarazu.domain.roles import CASE_READERS, DECIDERS, Role
from tarazu.domain.routing import QUEUES
from tarazu.entrypoints.web.delivery import deliver_now
from tarazu.entrypoints.web.routes.review import BadInput, DecisionBody, parse_subject
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.service import queues

router = APIRouter()
READ = tuple(CASE_READERS)
DECIDE = tuple(DECIDERS)


@router.get("/api/queues")
def api_queues(request: Request, principal: Principal = require(*READ)) -> dict:
    app = get_container(request)
    rows = queues.read_summary(app.uow, app.clock.now())
    return {"queues": [{"name": q.name, "title": q.title, "sla_hours": q.sla_hours,
                        "open": q.open, "overdue": q.overdue} for q in rows]}


@router.get("/api/queues/{name}")
def api_queue_entries(request: Request, name: str, principal: Principal = require(*READ)
                      ) -> dict:
    if name not in QUEUES:
        raise HTTPException(404, f"no queue {name!r}; queues: {', '.join(QUEUES)}")
    app = get_container(request)
    rows = queues.read_entries(app.uow, app.clock.now(), queue=name)
    return {"queue": name, "cases": [
        {"subject": str(r.row.subject), "priority": r.row.priority,
         "assigned_to": r.row.assigned_to, "protected": r.row.protected,
         "due_at": format_time(r.due_at) if r.due_at else None, "overdue": r.overdue}
        for r in rows]}


class AssignBody(BaseModel):
    assignee: str | None = Field(default="", max_length=100)  # "" = me, null = release


@router.post("/api/cases/{subject_type}/{subject_id}/assign")
def api_assign(request: Request, subject_type: str, subject_id: str, body: AssignBody,
               principal: Principal = require(*DECIDE)) -> dict:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    assignee = principal.name if body.assignee == "" else body.assignee
    try:
        row = queues.assign_case(app.uow, app.clock, subject=ref, actor=principal.name,
                                 assignee=assignee)
    except DueProcessError as e:
        raise HTTPException(409, str(e)) from None
    return {"subject": str(ref), "assigned_to": row.assigned_to if row else None}


class EscalateBody(BaseModel):
    reason: str = Field(min_length=1, max_length=2000)


@router.post("/api/cases/{subject_type}/{subject_id}/escalate")
def api_escalate(request: Request, subject_type: str, subject_id: str, body: EscalateBody,
                 principal: Principal = require(*DECIDE)) -> dict:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    try:
        row = queues.escalate_case(app.uow, app.clock, subject=ref, actor=principal.name,
                                   reason=body.reason)
    except DueProcessError as e:
        raise HTTPException(409, str(e)) from None
    return {"subject": str(ref), "queue": row.queue if row else None}


class BulkBody(DecisionBody):
    """One decision for many cases."""
    subjects: list[str] = Field(min_length=1, max_length=queues.MAX_BULK)  # "account/x:a1"


def _ref(text: str) -> SubjectRef:
    kind, _, sid = text.partition("/")
    try:
        return SubjectRef(SubjectType(kind), sid)
    except ValueError:
        raise BadInput(f"field 'subjects': {text!r} is not 'type/platform:id'") from None


@router.post("/api/cases/bulk-decide", status_code=201)
def api_bulk_decide(request: Request, tasks: BackgroundTasks, body: BulkBody,
                    principal: Principal = require(*DECIDE)) -> dict:
    app = get_container(request)
    try:
        d = body.parsed(app.clock.now())
        refs = [_ref(s) for s in body.subjects]
    except BadInput as e:
        raise HTTPException(422, str(e)) from None
    try:
        outs = queues.bulk_decide_cases(
            app.uow, app.clock, subjects=refs, actor=principal.name, action=d.action,
            policy=d.policy, reason=d.reason, evidence=d.evidence, until=d.until,
            country=d.country, actor_is_senior=principal.has(Role.SENIOR_REVIEWER))
    except DueProcessError as e:
        raise HTTPException(409, str(e)) from None
    tasks.add_task(deliver_now, app)
    return {"decisions": [{"subject": str(r), "decision_id": o.decision_id, "status": o.status}
                          for r, o in zip(dict.fromkeys(refs), outs, strict=True)]}
