"""Oversight: the auditor reads every case, decision and log entry — with hashes, the result of
verifying the chain, and its head — and changes nothing (every route here is a GET; the route
tests prove every POST refuses the auditor). Showing an account's details is a read of personal
data and leaves a DATA_ACCESS event naming the auditor.

The worker signs a checkpoint of the chain when it grew (tarazu.entrypoints.jobs; see
:mod:`tarazu.domain.checkpoint`); the auditor reads the checkpoint log and the public key that
verifies it."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tarazu.domain.chain import format_time
from tarazu.domain.events import RecordedEvent, SubjectType
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.guards import MAX_INT
from tarazu.entrypoints.web.routes.review import parse_subject
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.entrypoints.web.templating import render
from tarazu.service import audit, exports
from tarazu.service.access_log import log_access

log = logging.getLogger("tarazu.audit")


router = APIRouter()
OVERSIGHT = (Role.AUDITOR, Role.ADMIN)
PAGE = 100


def _event_json(r: RecordedEvent) -> dict:
    e = r.event
    return {"seq": r.seq, "event_id": e.event_id, "kind": e.kind.value,
            "subject": {"type": e.subject.type.value, "id": e.subject.id}, "actor": e.actor,
            "occurred_at": format_time(e.occurred_at), "payload": dict(e.payload),
            "prev_hash": r.prev_hash, "hash": r.hash}


def _page(request: Request, after_seq: int, limit: int) -> list[RecordedEvent]:
    with get_container(request).uow() as uow:
        out = []
        for r in uow.events.iter_all(after_seq=after_seq, batch=limit):
            out.append(r)
            if len(out) >= limit:
                break
        return out


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, after_seq: int = Query(0, ge=0, le=MAX_INT),
               principal: Principal = require(*OVERSIGHT)) -> HTMLResponse:
    app = get_container(request)
    report = audit.verify_chain(app.uow, app.checkpoints())
    events = _page(request, after_seq, PAGE)
    return render(request, "audit/index.html", report=report, events=events,
                  after_seq=after_seq, next_seq=events[-1].seq if len(events) == PAGE else None,
                  prev_seq=max(0, after_seq - PAGE) if after_seq else None)


@router.get("/audit/cases/{subject_type}/{subject_id}", response_class=HTMLResponse)
def audit_case(request: Request, subject_type: str, subject_id: str,
               principal: Principal = require(*OVERSIGHT)) -> HTMLResponse:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    with app.uow() as uow:
        history = [r for r in uow.events.iter_all() if r.event.subject == ref]
        account = None
        if ref.type is SubjectType.ACCOUNT:
            account = uow.platform.get_account(ref.platform, ref.native_id)
            if account:
                log_access(uow, principal.name, ref, ["handle", "display_name", "bio"],
                           purpose="oversight: audit of a case",
                           authority="auditor role (oversight of moderation)",
                           at=app.clock.now())
                uow.commit()
        row = uow.status.get(ref)
    return render(request, "audit/case.html", ref=ref, history=history, account=account,
                  row=row)


@router.get("/api/audit/events")
def api_events(request: Request, after_seq: int = Query(0, ge=0, le=MAX_INT),
               limit: int = Query(PAGE, ge=1, le=1000),
               principal: Principal = require(*OVERSIGHT)) -> dict:
    events = _page(request, after_seq, limit)
    with get_container(request).uow() as uow:
        head_seq, head_hash = uow.events.head()
    return {"events": [_event_json(r) for r in events],
            "next_after_seq": events[-1].seq if len(events) == limit else None,
            "head": {"seq": head_seq, "hash": head_hash}}


@router.get("/api/audit/verify")
def api_verify(request: Request, principal: Principal = require(*OVERSIGHT)) -> dict:
    app = get_container(request)
    r = audit.verify_chain(app.uow, app.checkpoints())
    cp = r.checkpoint
    return {"ok": r.ok, "checked": r.checked, "head_seq": r.head_seq, "head_hash": r.head_hash,
            "first_bad_event": r.problem.seq if r.problem else None,
            "reason": r.problem.reason if r.problem else None,
            "checkpoint": cp.to_json() if cp else None,
            "checkpoint_problem": r.checkpoint_problem}


@router.get("/api/audit/checkpoints")
def api_checkpoints(request: Request, after: int = Query(0, ge=0),
                    limit: int = Query(PAGE, ge=1, le=1000),
                    principal: Principal = require(*OVERSIGHT)) -> dict:
    """The signed checkpoints and the public key that verifies them, so an auditor can check
    them with nothing of tarazu's but this key."""
    from tarazu.adapters.checkpoints import key_id, public_pem

    log_ = get_container(request).checkpoints()
    key = log_.public_key()
    cps = [c for c in log_.read() if c.number > after][:limit]
    return {"public_key": public_pem(key) if key else None,
            "key_id": key_id(key) if key else None,
            "checkpoints": [c.to_json() for c in cps]}


@router.get("/api/audit/anchor")
def api_anchor(request: Request, principal: Principal = require(*OVERSIGHT)) -> dict:
    """The chain head as a document to publish (``tarazu audit anchor`` writes the same)."""
    app = get_container(request)
    return exports.make_anchor(app.uow, app.clock)
