"""The referral API (authorities and trusted flaggers), and the staff APIs of abuse
resistance: protected accounts, detected campaigns, muted reporters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from tarazu.domain.events import SubjectRef, SubjectType
from tarazu.domain.roles import CASE_READERS, Role
from tarazu.entrypoints.web.guards import json_object
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.referrals.model import Requester
from tarazu.referrals.parse import ReferralFileError, parse_csv, parse_json
from tarazu.service import protected, referrals, reports, request_ids

router = APIRouter()

SUBMITTERS = (Role.REQUESTER, Role.TRUSTED_FLAGGER)
#: Who may read a request's status: its submitter, and staff who handle or oversee referrals.
READERS = (*SUBMITTERS, Role.LEGAL, Role.ADMIN, Role.AUDITOR, Role.SENIOR_REVIEWER,
           Role.REVIEWER)
STAFF = frozenset({Role.LEGAL, Role.ADMIN, Role.AUDITOR, Role.SENIOR_REVIEWER, Role.REVIEWER})
MAX_UPLOAD = 5 * 1024 * 1024


class ReferralInputError(ValueError):
    pass


@dataclass(frozen=True)
class Imported:
    request_id: str
    document: dict[str, Any]


def _requester_type(principal: Principal) -> str:
    """The role, not the document, says who is asking: a flagger cannot file as a government."""
    return "government" if principal.has(Role.REQUESTER) else "trusted_flagger"


def import_upload(request: Request, principal: Principal, raw: bytes, filename: str,
                  request_id: str = "", country: str = "", agency: str = "") -> Imported:
    """Parse (JSON or CSV), check and store a referral list; the response document back."""
    app = get_container(request)
    if len(raw) > MAX_UPLOAD:
        raise ReferralInputError(f"the file is larger than {MAX_UPLOAD // 1024 // 1024} MB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ReferralInputError("the file is not UTF-8 text") from None
    now = app.clock.now()
    kind = _requester_type(principal)
    try:
        if filename.lower().endswith(".csv") or (not text.lstrip().startswith("{")):
            if not request_id.strip():
                raise ReferralInputError("field 'request_id': is required for a CSV upload")
            req = Requester(kind, country.strip(), agency.strip()
                            or principal.user.organisation)
            parsed, errors = parse_csv(text, request_id.strip(), req, now)
        else:
            parsed, errors = parse_json(text, now, require_requester=False)
            r = parsed.requester
            parsed = type(parsed)(parsed.request_id, Requester(
                kind, r.country, r.agency or principal.user.organisation, r.official,
                r.contact), parsed.received_at, parsed.items)
        result = referrals.import_request(app.uow, app.clock, parsed, errors, raw,
                                          app.designation_lookup(),
                                          submitted_by=principal.name)
    except (ReferralFileError, referrals.DuplicateRequest) as e:
        raise ReferralInputError(str(e)) from None
    doc = referrals.read_response(app.uow, app.clock, result.request_id,
                                  submitted_by=principal.name)
    doc["already_imported"] = result.already_imported
    return Imported(result.request_id, doc)


@router.post("/api/referrals")
async def submit_referrals(request: Request, principal: Principal = require(*SUBMITTERS)
                           ) -> Response:
    """JSON body as the referral contract describes, or a multipart upload (``file``, and for
    CSV ``request_id``, ``country``, ``agency``). Answers with the response document."""
    ctype = request.headers.get("content-type", "")
    try:
        if ctype.startswith("multipart/form-data"):
            form = await request.form()
            upload = form.get("file")
            if upload is None or not hasattr(upload, "read"):
                raise ReferralInputError("field 'file': is required")
            imported = import_upload(request, principal, await upload.read(),
                                     upload.filename or "", str(form.get("request_id") or ""),
                                     str(form.get("country") or ""),
                                     str(form.get("agency") or ""))
        else:
            imported = import_upload(request, principal, await request.body(), "request.json")
    except ReferralInputError as e:
        return JSONResponse({"detail": str(e)}, status_code=422)
    status = 200 if imported.document.get("already_imported") else 201
    return JSONResponse(imported.document, status_code=status)


@router.get("/api/referrals")
def list_referrals(request: Request, principal: Principal = require(*READERS)) -> dict:
    app = get_container(request)
    staff = bool(principal.user.roles & STAFF)
    rows = referrals.read_requests(app.uow, None if staff else principal.name)
    return {"requests": [{
        "request_id": r["request_id"] if staff
        else request_ids.own_id(r["request_id"], r["submitted_by"]),
        "received_at": r["received_at"],
        "requester_type": r["requester_type"], "agency": r["agency"],
        "counts": counts} for r, counts in rows]}


@router.get("/api/referrals/{request_id}")
def get_referral(request: Request, request_id: str, principal: Principal = require(*READERS)
                 ) -> Response:
    """The response document with the current status of each item. A requester sees only
    their own requests (anyone else's is 'not found', not 'forbidden')."""
    app = get_container(request)
    own_only = None if principal.user.roles & STAFF else principal.name
    try:
        doc = referrals.read_response(app.uow, app.clock, request_id, submitted_by=own_only)
    except referrals.RequestNotFound:
        return JSONResponse({"detail": "no such request"}, status_code=404)
    return JSONResponse(doc)


# -- protected accounts ---------------------------------------------------------------------

@router.post("/api/protected")
async def protect_account(request: Request,
                          principal: Principal = require(Role.SENIOR_REVIEWER, Role.ADMIN)
                          ) -> Response:
    """Mark an account protected: ``{platform, account, category, note}``."""
    app = get_container(request)
    body = await json_object(request)
    try:
        added = protected.protect(
            app.uow, app.clock, platform=str(body.get("platform") or ""),
            account=str(body.get("account") or ""), category=str(body.get("category") or ""),
            source="staff", added_by=principal.name, note=str(body.get("note") or ""))
    except protected.ProtectError as e:
        return JSONResponse({"detail": str(e)}, status_code=422)
    return JSONResponse({"protected": True, "added": added}, status_code=201 if added else 200)


@router.get("/api/protected")
def list_protected(request: Request, principal: Principal = require(
        Role.SENIOR_REVIEWER, Role.ADMIN, Role.AUDITOR, Role.LEGAL)) -> dict:
    return {"protected": protected.listing(get_container(request).uow)}


# -- campaigns and reporters ----------------------------------------------------------------

@router.get("/api/campaigns")
def list_campaigns(request: Request, subject: str = "",
                   principal: Principal = require(*CASE_READERS)) -> Response:
    """Detected coordinated reporting campaigns, newest first (``subject=account/x:123`` for
    one case)."""
    ref = None
    if subject:
        kind, _, sid = subject.partition("/")
        try:
            ref = SubjectRef(SubjectType(kind), sid)
        except ValueError:
            return JSONResponse({"detail": "field 'subject': expected type/platform:id"},
                                status_code=422)
    return JSONResponse({"campaigns": reports.read_campaigns(get_container(request).uow, ref)})


@router.post("/api/reporters/{reporter_key}/mute")
async def mute_reporter(request: Request, reporter_key: str,
                        principal: Principal = require(Role.SENIOR_REVIEWER, Role.ADMIN)
                        ) -> Response:
    """Mute (``{"reason": ...}``) or unmute (``{"muted": false, "reason": ...}``) a reporter:
    their reports are still recorded, set aside."""
    app = get_container(request)
    body = await json_object(request)
    try:
        reports.mute_reporter(app.uow, app.clock, reporter_key, principal.name,
                              str(body.get("reason") or ""), bool(body.get("muted", True)))
    except ValueError as e:
        return JSONResponse({"detail": str(e)}, status_code=422)
    return JSONResponse({"reporter": reporter_key, "muted": bool(body.get("muted", True))})
