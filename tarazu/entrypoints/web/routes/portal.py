"""The reporting portal.

Public (anyone, by design): a form and a JSON API to report an account or a post, answered
with a receipt id and a secret status token; the status page shows the reporter what became
of the report, and only to someone holding the token. Every public submission is rate-limited
per client (a keyed hash of the address; HTTP 429 with Retry-After).

Authenticated: authorities (requester) and trusted flaggers upload referral lists (JSON or
CSV), follow each item, and read the response document of each of their requests."""

from __future__ import annotations

import json
import secrets
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import (
    HTMLResponse,
    JSONResponse,
    PlainTextResponse,
    RedirectResponse,
    Response,
)

from tarazu.domain.roles import Role
from tarazu.entrypoints.web.guards import client_address, json_object
from tarazu.entrypoints.web.public_text import language, page_context
from tarazu.entrypoints.web.security import PUBLIC, Principal, get_container, require
from tarazu.entrypoints.web.templating import render
from tarazu.referrals.response import render_text
from tarazu.reports.model import CATEGORIES, TARGET_TYPES, ReportError, validate
from tarazu.reports.ratelimit import BucketPolicy
from tarazu.service import referrals, reports
from tarazu.service.reports import ReporterIdentity

router = APIRouter()

REPORTER_COOKIE = "tarazu_reporter"
#: Public reports: a burst of five, then one a minute, per client.
PUBLIC_REPORTS = BucketPolicy(capacity=5, per_second=1 / 60)
PORTAL_ROLES = (Role.REQUESTER, Role.TRUSTED_FLAGGER)


def _client_key(request: Request) -> str:
    """Rate-limit key: a keyed hash of the client address (never stored in the clear)."""
    app = get_container(request)
    host = client_address(request)
    return "report:" + reports.pseudonym(app.settings.secret_key, "ip:" + host)[:40]


def _reporter(request: Request) -> tuple[ReporterIdentity, str | None]:
    """The reporter's pseudonymous identity from their reporter cookie (a new one is issued
    when there is none: a reporter without history is a new reporter)."""
    app = get_container(request)
    cookie = request.cookies.get(REPORTER_COOKIE)
    issued = None
    if not cookie or len(cookie) > 100:
        cookie = issued = secrets.token_urlsafe(24)
    return ReporterIdentity(reports.pseudonym(app.settings.secret_key, "cookie:" + cookie)), \
        issued


def _too_many(retry_after: int, html: bool, request: Request, lang: str = "en") -> Response:
    headers = {"Retry-After": str(retry_after)}
    if html:
        resp = render(request, "portal/report_form.html", status_code=429,
                      categories=CATEGORIES, target_types=TARGET_TYPES, values={},
                      error=f"Too many reports from your connection. Try again in "
                            f"{retry_after} seconds.", **page_context(lang))
        resp.headers.update(headers)
        return resp
    return JSONResponse({"detail": "too many reports; try again later",
                         "retry_after": retry_after}, status_code=429, headers=headers)


def _submit(request: Request, fields: dict[str, Any], html: bool) -> Response:
    app = get_container(request)
    lang = language(str(fields.get("lang") or ""))
    decision = reports.rate_limit(app.uow, app.clock, _client_key(request), PUBLIC_REPORTS)
    if not decision.allowed:
        return _too_many(decision.retry_after, html, request, lang)
    reporter, issued = _reporter(request)
    try:
        form = validate(**{k: str(fields.get(k) or "") for k in (
            "platform", "target_type", "target", "category", "text", "contact")})
        # a target the platform's data does not hold is refused here too, by name
        receipt = reports.submit_report(app.uow, app.clock, form, reporter)
    except ReportError as e:
        if html:
            return render(request, "portal/report_form.html", status_code=422,
                          categories=CATEGORIES, target_types=TARGET_TYPES, values=fields,
                          error=str(e), **page_context(lang))
        return JSONResponse({"detail": str(e), "field": e.field}, status_code=422)
    status_url = f"/report/status/{receipt.receipt_id}?token={receipt.token}"
    if html:
        if lang != "en":
            status_url += f"&lang={lang}"
        resp: Response = render(request, "portal/report_receipt.html", status_code=201,
                                receipt=receipt, status_url=status_url, **page_context(lang))
    else:
        resp = JSONResponse({"receipt_id": receipt.receipt_id, "status_token": receipt.token,
                             "status_url": status_url}, status_code=201)
    if issued:
        resp.set_cookie(REPORTER_COOKIE, issued, httponly=True, samesite="strict",
                        secure=app.settings.cookie_secure, max_age=365 * 86400)
    return resp


# -- public ---------------------------------------------------------------------------------

@router.get("/report", response_class=HTMLResponse, openapi_extra=PUBLIC)
def report_form(request: Request, lang: str = "en") -> HTMLResponse:
    """The public report form, in English or (``?lang=ur``) Urdu."""
    return render(request, "portal/report_form.html", categories=CATEGORIES,
                  target_types=TARGET_TYPES, values={}, error=None,
                  **page_context(language(lang)))


@router.post("/report", openapi_extra=PUBLIC)
async def report_submit(request: Request) -> Response:
    form = await request.form()
    return _submit(request, {k: form.get(k) for k in form}, html=True)


@router.post("/api/reports", openapi_extra=PUBLIC)
async def report_api(request: Request) -> Response:
    return _submit(request, await json_object(request), html=False)


@router.get("/report/status/{receipt_id}", openapi_extra=PUBLIC)
def report_status(request: Request, receipt_id: str, token: str = "", lang: str = "en"
                  ) -> Response:
    app = get_container(request)
    words = page_context(language(lang))
    try:
        status = reports.report_status(app.uow, receipt_id, token)
    except reports.ReceiptNotFound:
        if "application/json" in request.headers.get("accept", ""):
            return JSONResponse({"detail": "no such receipt, or wrong token"}, status_code=404)
        return render(request, "portal/report_status.html", status_code=404, status=None,
                      **words)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(status)
    return render(request, "portal/report_status.html", status=status, **words)


# -- authorities and trusted flaggers -------------------------------------------------------

@router.get("/portal", response_class=HTMLResponse)
def portal_home(request: Request, principal: Principal = require(*PORTAL_ROLES)
                ) -> HTMLResponse:
    return _home(request, principal, None)


@router.post("/portal/referrals")
async def portal_upload(request: Request, principal: Principal = require(*PORTAL_ROLES)
                        ) -> Response:
    from tarazu.entrypoints.web.routes.referrals_api import ReferralInputError, import_upload

    form = await request.form()
    upload = form.get("file")
    if upload is None or not hasattr(upload, "read"):
        return _portal_error(request, principal, "Choose a JSON or CSV file to upload.")
    raw = await upload.read()
    try:
        result = import_upload(request, principal, raw, upload.filename or "",
                               str(form.get("request_id") or ""),
                               str(form.get("country") or ""), str(form.get("agency") or ""))
    except ReferralInputError as e:
        return _portal_error(request, principal, str(e))
    return RedirectResponse(f"/portal/referrals/{quote(result.request_id, safe='')}",
                            status_code=303)


def _portal_error(request: Request, principal: Principal, message: str) -> HTMLResponse:
    return _home(request, principal, message, status_code=422)


def _home(request: Request, principal: Principal, error: str | None, status_code: int = 200
          ) -> HTMLResponse:
    """The portal's home: the principal's own requests with their outcome counts."""
    listed = referrals.read_requests(get_container(request).uow, principal.name)
    return render(request, "portal/home.html", status_code=status_code,
                  requests=[r for r, _ in listed],
                  counts={r["request_id"]: c for r, c in listed}, error=error)


def _own_response(request: Request, principal: Principal, request_id: str
                  ) -> dict[str, Any] | None:
    app = get_container(request)
    try:
        return referrals.read_response(app.uow, app.clock, request_id,
                                       submitted_by=principal.name)
    except referrals.RequestNotFound:
        return None


@router.get("/portal/referrals/{request_id}", response_class=HTMLResponse)
def portal_request(request: Request, request_id: str,
                   principal: Principal = require(*PORTAL_ROLES)) -> HTMLResponse:
    doc = _own_response(request, principal, request_id)
    if doc is None:
        return render(request, "portal/response.html", status_code=404, doc=None)
    return render(request, "portal/response.html", doc=doc,
                  doc_json=json.dumps(doc, ensure_ascii=False, indent=2))


@router.get("/portal/referrals/{request_id}/response.txt", response_class=PlainTextResponse)
def portal_request_text(request: Request, request_id: str,
                        principal: Principal = require(*PORTAL_ROLES)) -> Response:
    doc = _own_response(request, principal, request_id)
    if doc is None:
        return PlainTextResponse("no such request\n", status_code=404)
    return PlainTextResponse(render_text(doc))
