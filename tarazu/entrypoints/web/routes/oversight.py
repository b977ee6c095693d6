"""Oversight: the auditor reads every case, decision and log entry — with hashes, the result of
verifying the chain, and its head — and changes nothing (every route here is a GET; the route
tests prove every POST refuses the auditor). Showing an account's details is a read of personal
data and leaves a DATA_ACCESS event naming the auditor.

The worker signs a checkpoint of the chain when it grew (tarazu.entrypoints.jobs; see
:mod:`tarazu.domain.checkpoint`); the auditor reads the checkpoint log and the public key that
verifies it."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from tarazu.domain.chain import format_time
from tarazu.domain.events import EventKind, RecordedEvent
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.guards import MAX_INT
from tarazu.entrypoints.web.routes.review import parse_subject
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.entrypoints.web.templating import render
from tarazu.service import audit, exports

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


@dataclass(frozen=True)
class AuditFilter:
    kind: str = ""
    actor: str = ""
    subject: str = ""

    def matches(self, r: RecordedEvent) -> bool:
        e = r.event
        return ((not self.kind or e.kind.value == self.kind)
                and (not self.actor or self.actor.casefold() in e.actor.casefold())
                and (not self.subject or self.subject.casefold() in str(e.subject).casefold()))

    def query(self, **extra: object) -> str:
        """The filter as a query string (for the paging links)."""
        keep = {k: v for k, v in (("kind", self.kind), ("actor", self.actor),
                                  ("subject", self.subject), *extra.items()) if v}
        return urlencode(keep)


def payload_lines(payload: dict) -> list[tuple[str, str]]:
    """An event's payload as key and readable value: lists joined, nested objects as
    ``key: value`` pairs, nothing left as raw JSON."""
    def text(v: object) -> str:
        if isinstance(v, dict):
            return "; ".join(f"{k}: {text(x)}" for k, x in sorted(v.items()))
        if isinstance(v, list | tuple):
            return ", ".join(text(x) for x in v)
        return "—" if v is None or v == "" else str(v)

    return [(k.replace("_", " "), text(v)) for k, v in sorted(payload.items())]


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, before_seq: int | None = Query(None, ge=1, le=MAX_INT),
               kind: str = Query("", max_length=64), actor: str = Query("", max_length=200),
               subject: str = Query("", max_length=300),
               principal: Principal = require(*OVERSIGHT)) -> HTMLResponse:
    """The log newest first, filtered by kind, actor or subject, with each payload readable."""
    app = get_container(request)
    report = audit.verify_chain(app.uow, app.checkpoints())
    wanted = AuditFilter(kind, actor.strip(), subject.strip())
    events, older = audit.events_before(app.uow, before_seq, wanted.matches, PAGE)
    return render(request, "audit/index.html", report=report, events=events, wanted=wanted,
                  kinds=[k.value for k in EventKind], older=older,
                  older_url=f"/audit?{wanted.query(before_seq=older)}" if older else None,
                  newest_url=f"/audit?{wanted.query()}" if before_seq else None,
                  payload_lines=payload_lines)


@router.get("/audit/cases/{subject_type}/{subject_id}", response_class=HTMLResponse)
def audit_case(request: Request, subject_type: str, subject_id: str,
               principal: Principal = require(*OVERSIGHT)) -> HTMLResponse:
    app = get_container(request)
    ref = parse_subject(subject_type, subject_id)
    case = audit.audit_case(app.uow, ref, principal.name, app.clock.now())
    return render(request, "audit/case.html", ref=ref, history=case.history,
                  account=case.account, row=case.row)


@router.get("/api/audit/events")
def api_events(request: Request, after_seq: int = Query(0, ge=0, le=MAX_INT),
               limit: int = Query(PAGE, ge=1, le=1000),
               principal: Principal = require(*OVERSIGHT)) -> dict:
    app = get_container(request)
    events = audit.events_after(app.uow, after_seq, limit)
    head_seq, head_hash = audit.chain_head(app.uow)
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
