"""The review UI and its JSON API: dashboard, queues, one case, and deciding it.

Case readers (reviewers, senior reviewers, admins, auditors) see everything; only reviewers and
senior reviewers decide. A rule of due process that refuses a step (the two-person rule, senior
review of a protected account, ...) is shown to the user as HTTP 409 with its message. Once a
decision takes effect, the outbox is delivered right after the response (and by the loop in
:mod:`tarazu.entrypoints.web.delivery`)."""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, BackgroundTasks, Depends, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from tarazu.bootstrap import App
from tarazu.domain.case import DecisionStatus, DueProcessError, suspension_problem
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.policies import POLICIES, Action
from tarazu.domain.roles import CASE_READERS, DECIDERS, Role
from tarazu.domain.routing import QUEUES
from tarazu.entrypoints.web.delivery import deliver_now
from tarazu.entrypoints.web.guards import MAX_PAGE
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.entrypoints.web.templating import render, templates
from tarazu.reports.model import CATEGORIES as REPORT_CATEGORIES
from tarazu.service import case_view, decisions
from tarazu.service.queue_filters import STATES, FilterError, QueueFilter

router = APIRouter()
READ = tuple(CASE_READERS)
DECIDE = tuple(DECIDERS)
PER_PAGE = 50
COUNTRY = re.compile(r"^[A-Z]{2}$")


# -- input --------------------------------------------------------------------------------------
class BadInput(ValueError):
    """A form or API field is missing or malformed (HTTP 422, with the field named)."""


@dataclass(frozen=True)
class DecisionInput:
    action: Action
    policy: str
    reason: str
    evidence: tuple[str, ...] = ()
    until: str | None = None
    country: str | None = None


def parse_decision(action: str, policy: str, reason: str, evidence: list[str],
                   until: str | None, country: str | None, now: datetime) -> DecisionInput:
    try:
        act = Action(action)
    except ValueError:
        raise BadInput(f"field 'action': must be one of {', '.join(a.value for a in Action)}"
                       ) from None
    policy = (policy or "").strip()
    if act is not Action.NO_ACTION and policy not in POLICIES:
        raise BadInput(f"field 'policy': must be one of {', '.join(POLICIES)}")
    if not (reason or "").strip():
        raise BadInput("field 'reason': a decision needs a reason")
    until_value = None
    if act is Action.SUSPEND:
        try:
            until_day = date.fromisoformat((until or "").strip())
        except ValueError:
            raise BadInput("field 'until': a suspension needs an end date (YYYY-MM-DD)"
                           ) from None
        if until_day <= now.date():
            raise BadInput("field 'until': the end of a suspension must be in the future")
        until_value = until_day.isoformat()
        if problem := suspension_problem(until_value, now):
            raise BadInput(f"field 'until': {problem}")
    country_value = None
    if act is Action.RESTRICT_COUNTRY:
        country_value = (country or "").strip().upper()
        if not COUNTRY.match(country_value):
            raise BadInput("field 'country': a country restriction needs an ISO country code "
                           "(two letters)")
    return DecisionInput(act, policy, reason.strip(),
                         tuple(dict.fromkeys(e.strip() for e in evidence if e.strip())),
                         until_value, country_value)


def parse_subject(subject_type: str, subject_id: str) -> SubjectRef:
    """The subject a URL names; an unknown type is a 404 (the page does not exist)."""
    try:
        return SubjectRef(SubjectType(subject_type), subject_id)
    except ValueError:
        raise HTTPException(404, f"no such subject type {subject_type!r}") from None


def case_url(ref: SubjectRef) -> str:
    return f"/cases/{ref.type.value}/{quote(ref.id, safe='')}"


# -- the use cases, shared by the pages and the API ---------------------------------------------
def _load(app: App, ref: SubjectRef, principal: Principal) -> case_view.CaseView:
    """The case for ``principal`` to read (the read is logged as DATA_ACCESS)."""
    view = case_view.view_case(app.uow, ref, principal.name, app.clock.now())
    if view is None:
        raise HTTPException(404, f"tarazu knows nothing about {ref}")
    return view


def _decide(app: App, principal: Principal, ref: SubjectRef, d: DecisionInput
            ) -> decisions.DecisionOutcome:
    out = decisions.decide_case(
        app.uow, app.clock, subject=ref, actor=principal.name, action=d.action,
        policy=d.policy, reason=d.reason, evidence=d.evidence, until=d.until,
        country=d.country, actor_is_senior=principal.has(Role.SENIOR_REVIEWER))
    if out is None:  # never decide on something unknown
        raise HTTPException(404, f"tarazu knows nothing about {ref}")
    return out


def _confirm(app: App, principal: Principal, ref: SubjectRef, decision_id: str
             ) -> decisions.DecisionOutcome:
    return decisions.confirm_decision(app.uow, app.clock, subject=ref, actor=principal.name,
                                      decision_id=decision_id,
                                      actor_is_senior=principal.has(Role.SENIOR_REVIEWER))


def _reject(app: App, principal: Principal, ref: SubjectRef, decision_id: str, reason: str
            ) -> decisions.DecisionOutcome:
    if not reason.strip():
        raise BadInput("field 'reason': say why the decision is not confirmed")
    return decisions.reject_decision(app.uow, app.clock, actor=principal.name, subject=ref,
                                     decision_id=decision_id, reason=reason.strip())


def _withdraw(app: App, principal: Principal, ref: SubjectRef, decision_id: str, reason: str
              ) -> decisions.DecisionOutcome:
    if not reason.strip():
        raise BadInput("field 'reason': say why the proposal is withdrawn")
    return decisions.withdraw_decision(app.uow, app.clock, actor=principal.name, subject=ref,
                                       decision_id=decision_id, reason=reason.strip(),
                                       actor_is_senior=principal.has(Role.SENIOR_REVIEWER))


def _after_commit(tasks: BackgroundTasks, app: App, outcome: decisions.DecisionOutcome) -> None:
    if outcome.status == DecisionStatus.APPLIED:
        tasks.add_task(deliver_now, app)


# -- presentation helpers -----------------------------------------------------------------------
def pdq_svg(pdq: str | None) -> str:
    """A 16x16 picture of a PDQ hash's 256 bits, standing in for media tarazu never stores."""
    bits = bin(int(pdq, 16))[2:].zfill(256) if pdq else "0" * 256
    cells = "".join(f'<rect x="{i % 16}" y="{i // 16}" width="1" height="1"/>'
                    for i, b in enumerate(bits) if b == "1")
    svg = (f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 16 16" '
           f'shape-rendering="crispEdges"><rect width="16" height="16" fill="#f3d9c4"/>'
           f'<g fill="#7a2e1c">{cells}</g></svg>')
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


SUMMARY_KEYS = ("source", "category", "reporter", "referral_id", "outcome", "reasons", "action",
                "policy", "until", "country", "reason", "decision_id", "removed_account",
                "probability", "kind", "delivery")


def event_summary(e: ModerationEvent) -> str:
    parts = []
    for k in SUMMARY_KEYS:
        v = e.payload.get(k)
        if v in (None, "", [], ()):
            continue
        if isinstance(v, list | tuple):
            v = ", ".join(str(x) for x in v)
        parts.append(f"{k}: {v}")
    return "; ".join(parts)


templates.env.filters.setdefault("pdq_svg", pdq_svg)
templates.env.filters.setdefault("case_url", case_url)
templates.env.filters.setdefault("event_summary", event_summary)


def decision_form_context(request: Request, principal: Principal) -> dict[str, Any]:
    """What the decision form partial needs, on whichever page it is shown."""
    return {"can_decide": principal.has(*DECIDERS),
            "is_senior": principal.has(Role.SENIOR_REVIEWER), "policies": POLICIES,
            "actions": list(Action),
            "today": request.app.state.container.clock.now().date()}


def _case_page(request: Request, principal: Principal, view: case_view.CaseView,
               status_code: int = 200, error: str | None = None,
               form: dict[str, Any] | None = None, done: str | None = None) -> HTMLResponse:
    app = get_container(request)
    return render(request, "review_case.html", status_code=status_code, view=view,
                  state=view.state, error=error, form=form or {}, done=done,
                  kinds=EventKind,
                  mirror_accounts=case_view.mirror_accounts(app.uow, view, principal.name,
                                                            app.clock.now()),
                  statements=case_view.reporter_statements(app.uow, view.ref, principal.name,
                                                           app.clock.now()),
                  report_categories=REPORT_CATEGORIES,
                  **decision_form_context(request, principal))


# -- pages --------------------------------------------------------------------------------------
@router.get("/", response_class=HTMLResponse)
def home(request: Request, principal: Principal = require()) -> HTMLResponse:
    """Everyone logged in lands here and sees their own work: case readers the queue counts,
    legal the data requests waiting for it, an authority its own requests and referrals."""
    from tarazu.entrypoints.web.routes import datarequests  # imports this module

    board = None
    if principal.has(*CASE_READERS):
        board = case_view.read_dashboard(get_container(request).uow)
    work = datarequests.work_of(request, principal)
    return render(request, "review_home.html", board=board, data_requests=work)


def queue_filter(state: str | None = None, due: str | None = None,
                 due_by: str | None = None) -> QueueFilter:
    """The queue's filters from the query string; a value it does not know is a 422 naming
    the field (the page shows it, never a traceback)."""
    try:
        return QueueFilter.parse(state, due, due_by)
    except FilterError as e:
        raise HTTPException(422, str(e)) from None


@router.get("/queue", response_class=HTMLResponse)
def queue_all(request: Request, page: int = Query(1, ge=1, le=MAX_PAGE),
              principal: Principal = require(*READ),
              filters: QueueFilter = Depends(queue_filter)) -> HTMLResponse:
    return _queue(request, None, page, filters)


@router.get("/queue/{name}", response_class=HTMLResponse)
def queue_named(request: Request, name: str, page: int = Query(1, ge=1, le=MAX_PAGE),
                principal: Principal = require(*READ),
                filters: QueueFilter = Depends(queue_filter)) -> HTMLResponse:
    return _queue(request, name, page, filters)


def _queue(request: Request, name: str | None, page: int, filters: QueueFilter
           ) -> HTMLResponse:
    app = get_container(request)
    now = app.clock.now()
    screen = case_view.read_queue_screen(app.uow, name, page, PER_PAGE, filters, now)
    return render(request, "review_queue.html", qp=screen.page, by_queue=screen.by_queue,
                  due=screen.due, now=now,
                  titles={q.name: q.title for q in QUEUES.values()}, states=STATES,
                  query="&" + filters.query() if filters.active else "")


@router.get("/cases/{subject_type}/{subject_id}", response_class=HTMLResponse)
def case_page(request: Request, subject_type: str, subject_id: str,
              done: str | None = None, principal: Principal = require(*READ)) -> HTMLResponse:
    view = _load(get_container(request), parse_subject(subject_type, subject_id), principal)
    return _case_page(request, principal, view, done=done)


@router.post("/cases/{subject_type}/{subject_id}/decisions")
def decide_form(request: Request, tasks: BackgroundTasks, subject_type: str, subject_id: str,
                action: str = Form(""), policy: str = Form(""), reason: str = Form(""),
                evidence: list[str] = Form([]), until: str = Form(""), country: str = Form(""),
                principal: Principal = require(*DECIDE)) -> Response:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    form = {"action": action, "policy": policy, "reason": reason, "evidence": evidence,
            "until": until, "country": country}
    try:
        d = parse_decision(action, policy, reason, evidence, until, country,
                           app.clock.now())
        out = _decide(app, principal, ref, d)
    except BadInput as e:
        return _case_page(request, principal, _load(app, ref, principal), 422, str(e), form)
    except DueProcessError as e:
        return _case_page(request, principal, _load(app, ref, principal), 409, str(e), form)
    _after_commit(tasks, app, out)
    return RedirectResponse(f"{case_url(ref)}?done={out.status}", status_code=303)


@router.post("/cases/{subject_type}/{subject_id}/decisions/{decision_id}/confirm")
def confirm_form(request: Request, tasks: BackgroundTasks, subject_type: str, subject_id: str,
                 decision_id: str, principal: Principal = require(*DECIDE)) -> Response:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    try:
        out = _confirm(app, principal, ref, decision_id)
    except DueProcessError as e:
        return _case_page(request, principal, _load(app, ref, principal), 409, str(e))
    _after_commit(tasks, app, out)
    return RedirectResponse(f"{case_url(ref)}?done=confirmed", status_code=303)


def _pending_step_form(request: Request, principal: Principal, where: tuple[str, str, str],
                      reason: str, step: Any, done: str) -> Response:
    """Not confirm, or withdraw, a pending decision from the case page (``where``: subject
    type, subject id, decision id): back to the case, or the page again with the refusal (422
    a bad field, 409 a rule of due process)."""
    app = get_container(request)
    ref = parse_subject(where[0], where[1])
    try:
        step(app, principal, ref, where[2], reason)
    except BadInput as e:
        return _case_page(request, principal, _load(app, ref, principal), 422, str(e))
    except DueProcessError as e:
        return _case_page(request, principal, _load(app, ref, principal), 409, str(e))
    return RedirectResponse(f"{case_url(ref)}?done={done}", status_code=303)


@router.post("/cases/{subject_type}/{subject_id}/decisions/{decision_id}/reject")
def reject_form(request: Request, subject_type: str, subject_id: str, decision_id: str,
                reason: str = Form(""), principal: Principal = require(*DECIDE)) -> Response:
    where = (subject_type, subject_id, decision_id)
    return _pending_step_form(request, principal, where, reason, _reject, "rejected")


@router.post("/cases/{subject_type}/{subject_id}/decisions/{decision_id}/withdraw")
def withdraw_form(request: Request, subject_type: str, subject_id: str, decision_id: str,
                  reason: str = Form(""), principal: Principal = require(*DECIDE)) -> Response:
    where = (subject_type, subject_id, decision_id)
    return _pending_step_form(request, principal, where, reason, _withdraw, "withdrawn")


# -- JSON API -----------------------------------------------------------------------------------
class DecisionBody(BaseModel):
    """A decision as the JSON API takes it (one case, or many in a bulk decision)."""
    action: str
    policy: str = ""
    reason: str = ""
    evidence: list[str] = Field(default_factory=list)
    until: str | None = None
    country: str | None = None

    def parsed(self, now: datetime) -> DecisionInput:
        return parse_decision(self.action, self.policy, self.reason, self.evidence,
                              self.until, self.country, now)


class RejectBody(BaseModel):
    reason: str = ""


def _api_errors(fn):  # type: ignore[no-untyped-def]
    """Map refusals to HTTP: a bad field is 422, a rule of due process is 409."""
    try:
        return fn()
    except BadInput as e:
        raise HTTPException(422, str(e)) from None
    except DueProcessError as e:
        raise HTTPException(409, str(e)) from None


@router.get("/api/dashboard")
def api_dashboard(request: Request, principal: Principal = require(*READ)) -> dict:
    return case_view.read_dashboard(get_container(request).uow).to_dict()


@router.get("/api/queue")
def api_queue(request: Request, queue: str | None = None, page: int = Query(1, ge=1, le=MAX_PAGE),
              per_page: int = Query(PER_PAGE, ge=1, le=500),
              principal: Principal = require(*READ),
              filters: QueueFilter = Depends(queue_filter)) -> dict:
    app = get_container(request)
    return case_view.read_queue_page(app.uow, queue, page, per_page, filters,
                                     app.clock.now()).to_dict()


@router.get("/api/cases/{subject_type}/{subject_id}")
def api_case(request: Request, subject_type: str, subject_id: str,
             principal: Principal = require(*READ)) -> dict:
    ref = parse_subject(subject_type, subject_id)
    return _load(get_container(request), ref, principal).to_dict()


@router.post("/api/cases/{subject_type}/{subject_id}/decisions", status_code=201)
def api_decide(request: Request, tasks: BackgroundTasks, subject_type: str, subject_id: str,
               body: DecisionBody, principal: Principal = require(*DECIDE)) -> dict:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    out = _api_errors(lambda: _decide(app, principal, ref, body.parsed(app.clock.now())))
    _after_commit(tasks, app, out)
    return {"decision_id": out.decision_id, "status": out.status, "seq": out.seq}


@router.post("/api/cases/{subject_type}/{subject_id}/decisions/{decision_id}/confirm")
def api_confirm(request: Request, tasks: BackgroundTasks, subject_type: str, subject_id: str,
                decision_id: str, principal: Principal = require(*DECIDE)) -> dict:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    out = _api_errors(lambda: _confirm(app, principal, ref, decision_id))
    _after_commit(tasks, app, out)
    return {"decision_id": out.decision_id, "status": out.status, "seq": out.seq}


def _api_pending_step(request: Request, principal: Principal, subject_type: str,
                      subject_id: str, decision_id: str, reason: str, step: Any) -> dict:
    """Not confirm, or withdraw, a pending decision over the API."""
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    out = _api_errors(lambda: step(app, principal, ref, decision_id, reason))
    return {"decision_id": out.decision_id, "status": out.status, "seq": out.seq}


@router.post("/api/cases/{subject_type}/{subject_id}/decisions/{decision_id}/reject")
def api_reject(request: Request, subject_type: str, subject_id: str, decision_id: str,
               body: RejectBody, principal: Principal = require(*DECIDE)) -> dict:
    return _api_pending_step(request, principal, subject_type, subject_id, decision_id,
                             body.reason, _reject)


@router.post("/api/cases/{subject_type}/{subject_id}/decisions/{decision_id}/withdraw")
def api_withdraw(request: Request, subject_type: str, subject_id: str, decision_id: str,
                 body: RejectBody, principal: Principal = require(*DECIDE)) -> dict:
    return _api_pending_step(request, principal, subject_type, subject_id, decision_id,
                             body.reason, _withdraw)
