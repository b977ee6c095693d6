"""Appeals on the web: the public appeal page (the secret token from the notice is the user's
proof of standing), the platform's appeal API, the appeals queue, and the form on which a
reviewer who took no part decides an appeal (upheld / reversed / modified, with reasons).
(The due-process jobs — expiries, notices — run in the worker: tarazu.entrypoints.jobs.)"""

from __future__ import annotations

import logging
from datetime import datetime
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tarazu.bootstrap import App
from tarazu.domain.case import AppealOutcome, DecisionStatus
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.notices import LANGUAGES, render_decision, render_outcome
from tarazu.domain.policies import POLICIES, Action
from tarazu.domain.roles import CASE_READERS, DECIDERS, Role
from tarazu.entrypoints.web.delivery import deliver_now
from tarazu.entrypoints.web.routes.review import (
    BadInput,
    case_url,
    parse_decision,
    parse_subject,
)
from tarazu.entrypoints.web.security import PUBLIC, Principal, get_container, require
from tarazu.entrypoints.web.templating import render
from tarazu.service import appeals, notices, queues

log = logging.getLogger("tarazu.jobs")
READ = tuple(CASE_READERS)
DECIDE = tuple(DECIDERS)


router = APIRouter()


def appeal_url(ref: SubjectRef) -> str:
    return f"/cases/{ref.type.value}/{quote(ref.id, safe='')}/appeal"


# -- the public page -----------------------------------------------------------------------------
def _public_view(app: App, token: str) -> dict:
    c = appeals.contested_by_token(app.uow, token, app.clock)
    s, decision_id = c.subject, c.decision_id
    statement = notices.statement_of(s, decision_id)
    texts = [render_decision(statement, lang, "") for lang in LANGUAGES]
    ruling = next((e for e in reversed(s.history) if e.kind is EventKind.APPEAL_DECISION
                   and e.payload.get("decision_id") == decision_id), None)
    outcome = [render_outcome(str(ruling.payload["outcome"]), lang, subject_type=s.ref.type.value,
                              reason=str(ruling.payload.get("reason", "")),
                              decision_ref=notices.puid(decision_id))
               for lang in LANGUAGES] if ruling else []
    return {"notices": texts, "outcome": outcome,
            "decided_at": ruling.occurred_at if ruling else None,
            "filed": c.filed,
            "in_effect": (getattr(s.state.decision(decision_id), "status", "")
                          == DecisionStatus.APPLIED),
            "decision_ref": notices.puid(decision_id)}


@router.get("/appeal/{token}", response_class=HTMLResponse, openapi_extra=PUBLIC)
def appeal_page(request: Request, token: str) -> HTMLResponse:
    app = get_container(request)
    try:
        view = _public_view(app, token)
    except appeals.AppealError as e:
        return render(request, "appeals/public.html", status_code=404, error=str(e),
                      notices=[], outcome=[], filed=False, in_effect=False, token="")
    return render(request, "appeals/public.html", error=None, token=token, **view)


@router.post("/appeal/{token}", response_class=HTMLResponse, openapi_extra=PUBLIC)
def appeal_submit(request: Request, token: str, statement: str = Form("")) -> HTMLResponse:
    app = get_container(request)
    try:
        filed = appeals.file_with_token(app.uow, app.clock, token, statement)
    except appeals.AppealError as e:
        try:
            view = _public_view(app, token)
        except appeals.AppealError:
            view = {"notices": [], "outcome": [], "filed": False, "in_effect": False}
            token = ""
        return render(request, "appeals/public.html", status_code=409, error=str(e),
                      token=token, **view)
    return render(request, "appeals/received.html", status_code=201,
                  decision_ref=notices.puid(filed.decision_id))


# -- the platform's API --------------------------------------------------------------------------
class PlatformAppeal(BaseModel):
    decision_id: str = Field(min_length=1, max_length=64)
    statement: str = Field(default="", max_length=appeals.MAX_STATEMENT)


@router.post("/api/appeals", status_code=201)
def api_appeal(request: Request, body: PlatformAppeal,
               principal: Principal = require(Role.ADMIN)) -> dict:
    """The platform files an appeal for its user (machine user with the admin role)."""
    app = get_container(request)
    try:
        filed = appeals.file_by_platform(app.uow, app.clock, principal.name, body.decision_id,
                                         body.statement)
    except appeals.AppealError as e:
        raise HTTPException(409, str(e)) from None
    return {"appeal_id": filed.appeal_id, "decision_id": filed.decision_id,
            "subject": str(filed.subject), "queue": "appeals"}


# -- the appeals queue and deciding an appeal ----------------------------------------------------
@router.get("/appeals", response_class=HTMLResponse)
def appeals_queue(request: Request, principal: Principal = require(*READ)) -> HTMLResponse:
    app = get_container(request)
    rows = queues.read_entries(app.uow, app.clock.now(), queue="appeals")
    return render(request, "appeals/queue.html", rows=rows, appeal_url=appeal_url,
                  now=app.clock.now())


def _appeal_view(app: App, ref: SubjectRef, reader: str) -> dict:
    """What the appeal page shows; the account is named by handle and display name (the read
    of those two fields is logged, as on the case page)."""
    s, account = appeals.read_appeal(app.uow, ref, reader, app.clock.now())
    appeal = next((e for e in reversed(s.history) if e.kind is EventKind.APPEAL), None)
    decided = next((e for e in reversed(s.history) if e.kind is EventKind.APPEAL_DECISION
                    and appeal and e.payload.get("appeal_id") == appeal.event_id), None)
    d = s.state.decision(appeal.payload["decision_id"]) if appeal else None
    statement = notices.statement_of(s, d.decision_id) if d else None
    return {"subject": s, "account": account, "appeal": appeal, "decided": decided, "contested": d,
            "statement": statement, "open": s.state.appeal_open is not None,
            "took_part": sorted({x for x in (d.decided_by, d.confirmed_by) if x}) if d else [],
            "case_url": case_url(ref), "form_url": appeal_url(ref)}


@router.get("/cases/{subject_type}/{subject_id}/appeal", response_class=HTMLResponse)
def appeal_case_page(request: Request, subject_type: str, subject_id: str,
                     principal: Principal = require(*READ)) -> HTMLResponse:
    view = _appeal_view(get_container(request), parse_subject(subject_type, subject_id),
                        principal.name)
    if view["appeal"] is None:
        raise HTTPException(404, "this case has no appeal")
    return render(request, "appeals/decide.html", error=None, policies=POLICIES,
                  actions=[a for a in Action if a is not Action.NO_ACTION],
                  can_decide=principal.has(*DECIDERS), **view)


def _decide(app: App, principal: Principal, ref: SubjectRef, outcome: str, reason: str,
            new: dict | None) -> appeals.AppealDecided:
    return appeals.decide_appeal_case(app.uow, app.clock, subject=ref, actor=principal.name,
                                      outcome=outcome, reason=reason, new_decision=new,
                                      actor_is_senior=principal.has(Role.SENIOR_REVIEWER))


def _new_decision(outcome: str, action: str, policy: str, reason: str, until: str,
                  country: str, now: datetime) -> dict | None:
    if outcome != AppealOutcome.MODIFIED:
        return None
    d = parse_decision(action, policy, reason or "modified on appeal", [], until or None,
                       country or None, now)
    return {"action": d.action.value, "policy": d.policy, "reason": d.reason,
            "until": d.until, "country": d.country}


@router.post("/cases/{subject_type}/{subject_id}/appeal")
def appeal_decide_form(request: Request, tasks: BackgroundTasks, subject_type: str,
                       subject_id: str, outcome: str = Form(...), reason: str = Form(""),
                       action: str = Form(""), policy: str = Form(""), until: str = Form(""),
                       country: str = Form(""),
                       principal: Principal = require(*DECIDE)) -> Response:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    try:
        new = _new_decision(outcome, action, policy, reason, until, country,
                            app.clock.now())
        _decide(app, principal, ref, outcome, reason, new)
    except (appeals.AppealError, BadInput) as e:
        view = _appeal_view(app, ref, principal.name)
        return render(request, "appeals/decide.html", status_code=409, error=str(e),
                      policies=POLICIES, actions=[a for a in Action if a is not Action.NO_ACTION],
                      can_decide=True, **view)
    tasks.add_task(deliver_now, app)
    return RedirectResponse(appeal_url(ref), status_code=303)


class AppealDecisionBody(BaseModel):
    outcome: str = Field(pattern=f"^({'|'.join(AppealOutcome)})$")
    reason: str = Field(min_length=1, max_length=5000)
    action: str = ""
    policy: str = ""
    until: str = ""
    country: str = ""


@router.post("/api/cases/{subject_type}/{subject_id}/appeal-decision")
def api_appeal_decision(request: Request, tasks: BackgroundTasks, subject_type: str,
                        subject_id: str, body: AppealDecisionBody,
                        principal: Principal = require(*DECIDE)) -> dict:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    try:
        new = _new_decision(body.outcome, body.action, body.policy, body.reason, body.until,
                            body.country, app.clock.now())
    except BadInput as e:
        raise HTTPException(422, str(e)) from None
    try:
        done = _decide(app, principal, ref, body.outcome, body.reason, new)
    except appeals.AppealError as e:
        raise HTTPException(409, str(e)) from None
    tasks.add_task(deliver_now, app)
    return {"subject": str(ref), "outcome": done.outcome, "decision_id": done.decision_id,
            "new_decision_id": done.new_decision_id,
            "reopened": [str(r) for r in done.reopened]}
