"""Lawful data requests in the UI and the API.

Requesters (an authority's portal account) submit requests and see the status of their own,
never anyone else's. Legal decides (approve, narrow, refuse, preserve, record the legal
process that follows an emergency); legal or a senior reviewer confirms as the second person;
auditors read everything and change nothing. A rule that refuses a step answers HTTP 409 with
its message; a malformed field 422 naming it; a request the caller may not see 404."""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from pydantic import BaseModel

from tarazu.datarequests.case import DataRequestRuleError, RequestStatus
from tarazu.datarequests.model import Category, DataRequestFileError, Period
from tarazu.datarequests.parse import parse_json
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.entrypoints.web.templating import render
from tarazu.service import datarequests as dr
from tarazu.service import request_ids

log = logging.getLogger("tarazu.datarequests")


router = APIRouter()
READ = (Role.LEGAL, Role.SENIOR_REVIEWER, Role.AUDITOR, Role.REQUESTER)
CONFIRM = (Role.LEGAL, Role.SENIOR_REVIEWER)


def _own_only(principal: Principal) -> bool:
    """A requester sees only their own requests (unless they also hold a reviewing role)."""
    return principal.has(Role.REQUESTER) and not principal.has(
        Role.LEGAL, Role.SENIOR_REVIEWER, Role.AUDITOR)


def _view(request: Request, principal: Principal, request_id: str) -> dr.RequestView:
    """The request; a requester names it by their own id and finds only their own."""
    try:
        return dr.read_view(get_container(request).uow, request_id,
                            principal.name if _own_only(principal) else None)
    except dr.UnknownRequest:
        raise HTTPException(404, f"no data request {request_id!r}") from None


def _rows(request: Request, principal: Principal, status: str | None) -> list:
    return dr.read_rows(get_container(request).uow, statuses=(status,) if status else None,
                        submitted_by=principal.name if _own_only(principal) else None,
                        limit=500)


def work_of(request: Request, principal: Principal) -> list | None:
    """The data requests waiting for ``principal`` (legal's queue, a confirmer's approvals, an
    authority's own requests), for the dashboard; None for a role that may not read them."""
    if not principal.has(*READ):
        return None
    if _own_only(principal):
        return _rows(request, principal, None)
    if principal.has(Role.LEGAL):
        waiting = dr.LEGAL_QUEUE
    elif principal.has(Role.SENIOR_REVIEWER):
        waiting = (RequestStatus.APPROVED,)  # a second person's confirmation
    else:
        return None  # an auditor reads them all from the menu; none waits for them
    return dr.read_rows(get_container(request).uow, statuses=waiting, limit=50)


def _requester_view(d: dict[str, Any]) -> dict[str, Any]:
    """What the authority sees of its own request: status, checks and reasons, no history of
    who decided and no package."""
    keep = ("request_id", "status", "path", "country", "agency", "received_at", "instrument",
            "checks", "approved_scope", "refusal", "preserved_until", "followup_deadline")
    return {**{k: d[k] for k in keep},
            "request_id": request_ids.own_id(d["request_id"], d["submitted_by"])}


def _act(request: Request, principal: Principal, request_id: str, step: str,
         **kw: Any) -> dr.RequestState:
    """Run one legal step in a unit of work; rule errors become 409, unknown ids 404."""
    app = get_container(request)
    fn = {"approve": dr.approve_request, "refuse": dr.refuse_request,
          "confirm": dr.confirm_request, "reject": dr.reject_request,
          "follow_up": dr.follow_up_request, "preserve": dr.preserve_request,
          "extend": dr.extend_request_preservation,
          "nondisclosure": dr.extend_request_nondisclosure}[step]
    try:
        return fn(app.uow, app.clock, request_id=request_id, actor=principal.name,
                  roles=principal.user.roles, **kw)
    except dr.UnknownRequest:
        raise HTTPException(404, f"no data request {request_id!r}") from None
    except DataRequestFileError as e:
        raise HTTPException(422, str(e)) from None
    except DataRequestRuleError as e:
        raise HTTPException(409, str(e)) from None


def _categories(values: list[str] | None) -> list[Category] | None:
    if not values:
        return None
    try:
        return [Category(v) for v in values]
    except ValueError as e:
        raise HTTPException(422, f"field 'categories': {e}") from None


def _period(start: str | None, end: str | None) -> Period | None:
    if not start and not end:
        return None
    try:
        p = Period(date.fromisoformat(start or ""), date.fromisoformat(end or ""))
    except ValueError:
        raise HTTPException(422, "field 'period': give both dates as YYYY-MM-DD") from None
    if p.start > p.end:
        raise HTTPException(422, "field 'period': 'from' is after 'to'")
    return p


# -- API -------------------------------------------------------------------------------------
@router.post("/api/data-requests")
async def api_submit(request: Request, platform: str = Query("default", max_length=64),
                     principal: Principal = require(Role.REQUESTER)) -> JSONResponse:
    """Submit a data request (the contract's JSON). Answers with the automated checks."""
    app = get_container(request)
    body = await request.body()
    try:
        req = parse_json(body, app.clock.now())
        result = dr.import_request(app.uow, app.clock, req, body, platform=platform,
                                   submitted_by=principal.name)
    except DataRequestFileError as e:
        return JSONResponse({"detail": str(e), "errors": [
            {"field": x.field, "message": x.message} for x in e.errors]}, status_code=422)
    except dr.DuplicateRequest as e:
        raise HTTPException(409, str(e)) from None
    return JSONResponse(result.to_dict(), status_code=200 if result.already_imported else 201)


@router.get("/api/data-requests")
def api_list(request: Request, status: str | None = None,
             principal: Principal = require(*READ)) -> dict:
    own = _own_only(principal)
    return {"requests": [
        {"request_id": request_ids.own_id(r.request_id, r.submitted_by) if own
         else r.request_id, "status": r.status, "path": r.path,
         "country": r.country, "agency": r.agency, "received_at": r.received_at,
         "outcome": r.outcome, "produced": r.produced}
        for r in _rows(request, principal, status)]}


@router.get("/api/data-requests/{request_id}")
def api_get(request: Request, request_id: str, principal: Principal = require(*READ)) -> dict:
    v = _view(request, principal, request_id)
    d = v.to_dict(get_container(request).clock.now())
    return _requester_view(d) if _own_only(principal) else d


class InstrumentBody(BaseModel):
    type: str
    issuer: str = ""
    reference: str = ""
    date: str = ""


class ApproveBody(BaseModel):
    reason: str
    categories: list[str] | None = None
    period_from: str | None = None
    period_to: str | None = None
    accounts: list[str] | None = None
    proportionality: str = ""  # why each account is necessary, when more than the limit


class NondisclosureBody(BaseModel):
    until: str
    reason: str
    order: InstrumentBody


class ReasonBody(BaseModel):
    reason: str


def _state_json(s: dr.RequestState) -> dict:
    return {"request_id": s.request_id, "status": s.status, "provisional": s.provisional,
            "produced": s.produced}


@router.post("/api/data-requests/{request_id}/approve")
def api_approve(request: Request, request_id: str, body: ApproveBody,
                principal: Principal = require(Role.LEGAL)) -> dict:
    return _state_json(_act(
        request, principal, request_id, "approve", reason=body.reason,
        categories=_categories(body.categories), period=_period(body.period_from,
                                                                body.period_to),
        account_ids=body.accounts or None, proportionality=body.proportionality))


@router.post("/api/data-requests/{request_id}/nondisclosure")
def api_extend_nondisclosure(request: Request, request_id: str, body: NondisclosureBody,
                             principal: Principal = require(Role.LEGAL)) -> dict:
    """Record a renewed non-disclosure order and extend the bar (at most the cap from today)."""
    try:
        until = date.fromisoformat(body.until)
    except ValueError:
        raise HTTPException(422, "field 'until': a date YYYY-MM-DD") from None
    state = _act(request, principal, request_id, "nondisclosure", until=until,
                 reason=body.reason, order=body.order.model_dump())
    return {**_state_json(state), "nondisclosure_until": state.nondisclosure_until.isoformat()
            if state.nondisclosure_until else None}


@router.post("/api/data-requests/{request_id}/refuse")
def api_refuse(request: Request, request_id: str, body: ReasonBody,
               principal: Principal = require(Role.LEGAL)) -> dict:
    return _state_json(_act(request, principal, request_id, "refuse", reason=body.reason))


@router.post("/api/data-requests/{request_id}/confirm")
def api_confirm(request: Request, request_id: str,
                principal: Principal = require(*CONFIRM)) -> dict:
    return _state_json(_act(request, principal, request_id, "confirm"))


@router.post("/api/data-requests/{request_id}/reject")
def api_reject(request: Request, request_id: str, body: ReasonBody,
               principal: Principal = require(*CONFIRM)) -> dict:
    return _state_json(_act(request, principal, request_id, "reject", reason=body.reason))


@router.post("/api/data-requests/{request_id}/follow-up")
def api_follow_up(request: Request, request_id: str, body: InstrumentBody,
                  principal: Principal = require(Role.LEGAL)) -> dict:
    return _state_json(_act(request, principal, request_id, "follow_up",
                            instrument=body.model_dump()))


@router.get("/api/data-requests/{request_id}/package")
def api_package(request: Request, request_id: str, purpose: str = Query(..., min_length=3),
                principal: Principal = require(Role.LEGAL)) -> dict:
    """The decrypted package, to hand over; the read is recorded as a DATA_ACCESS event."""
    app = get_container(request)
    try:
        return dr.open_package(app.uow, app.clock, request_id=request_id,
                               actor=principal.name, purpose=purpose)
    except dr.UnknownRequest:
        raise HTTPException(404, f"no data request {request_id!r}") from None
    except DataRequestRuleError as e:
        raise HTTPException(409, str(e)) from None


# -- UI --------------------------------------------------------------------------------------
@router.get("/data-requests", response_class=HTMLResponse)
def ui_list(request: Request, status: str | None = None,
            principal: Principal = require(*READ)) -> HTMLResponse:
    rows = _rows(request, principal, status)
    return render(request, "datarequests/list.html", rows=rows, status=status,
                  own_only=_own_only(principal),
                  queue_statuses=dr.LEGAL_QUEUE)


@router.get("/data-requests/{request_id}", response_class=HTMLResponse)
def ui_request(request: Request, request_id: str,
               principal: Principal = require(*READ)) -> HTMLResponse:
    v = _view(request, principal, request_id)
    d = v.to_dict(get_container(request).clock.now())
    own = _own_only(principal)
    return render(request, "datarequests/request.html", v=v, d=_requester_view(d) if own else d,
                  own_only=own, categories=[c.value for c in Category],
                  can_decide=principal.has(Role.LEGAL),
                  can_confirm=principal.has(*CONFIRM) and not own)


def _back(request_id: str) -> RedirectResponse:
    return RedirectResponse(f"/data-requests/{request_id}", status_code=303)


@router.post("/data-requests/{request_id}/approve")
def ui_approve(request: Request, request_id: str, reason: str = Form(""),
               categories: list[str] = Form(default=[]), period_from: str = Form(""),
               period_to: str = Form(""), accounts: list[str] = Form(default=[]),
               proportionality: str = Form(""),
               principal: Principal = require(Role.LEGAL)) -> Response:
    _act(request, principal, request_id, "approve", reason=reason,
         categories=_categories(categories), period=_period(period_from, period_to),
         account_ids=accounts or None, proportionality=proportionality)
    return _back(request_id)


@router.post("/data-requests/{request_id}/refuse")
def ui_refuse(request: Request, request_id: str, reason: str = Form(""),
              principal: Principal = require(Role.LEGAL)) -> Response:
    _act(request, principal, request_id, "refuse", reason=reason)
    return _back(request_id)


@router.post("/data-requests/{request_id}/confirm")
def ui_confirm(request: Request, request_id: str,
               principal: Principal = require(*CONFIRM)) -> Response:
    _act(request, principal, request_id, "confirm")
    return _back(request_id)


@router.post("/data-requests/{request_id}/reject")
def ui_reject(request: Request, request_id: str, reason: str = Form(""),
              principal: Principal = require(*CONFIRM)) -> Response:
    _act(request, principal, request_id, "reject", reason=reason)
    return _back(request_id)


@router.post("/data-requests/{request_id}/follow-up")
def ui_follow_up(request: Request, request_id: str, type: str = Form(""),  # noqa: A002
                 issuer: str = Form(""), reference: str = Form(""), date: str = Form(""),
                 principal: Principal = require(Role.LEGAL)) -> Response:
    _act(request, principal, request_id, "follow_up",
         instrument={"type": type, "issuer": issuer, "reference": reference, "date": date})
    return _back(request_id)


@router.post("/data-requests/{request_id}/preserve")
def ui_preserve(request: Request, request_id: str,
                principal: Principal = require(Role.LEGAL)) -> Response:
    _act(request, principal, request_id, "preserve")
    return _back(request_id)


@router.post("/data-requests/{request_id}/extend-preservation")
def ui_extend(request: Request, request_id: str, reason: str = Form(""),
              principal: Principal = require(Role.LEGAL)) -> Response:
    _act(request, principal, request_id, "extend", reason=reason)
    return _back(request_id)
