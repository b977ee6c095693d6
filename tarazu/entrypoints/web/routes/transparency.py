"""The public transparency report: every figure computed from the event log for a chosen
period, as a printable page in English or Urdu, as JSON and as CSV. Public by design: it holds
no personal data, small counts that could point at a person are banded, and the public may ask
only for the published reporting periods (whole calendar quarters that have ended: ``quarter``
or the quarter's ``from``/``to``), so that no two reports can be subtracted to unband a count.
Auditors and admins, logged in, choose any period (``from``/``to``, both included; the
calendar year to date by default)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from tarazu.adapters.checkpoints import CheckpointKeyError, public_pem
from tarazu.bootstrap import App
from tarazu.domain.checkpoint import CheckpointError
from tarazu.domain.roles import Role
from tarazu.entrypoints.web.security import PUBLIC, current_principal, get_container
from tarazu.entrypoints.web.transparency_view import LANGUAGES, render_report
from tarazu.service.transparency import (
    default_period,
    designations_in_use,
    public_period,
    published_quarters,
    read_report,
)
from tarazu.transparency import LONG_HEADER, Period, long_rows, to_csv

router = APIRouter()
FROM = Query(None, alias="from", description="first day (YYYY-MM-DD)")
TO = Query(None, alias="to", description="last day, included (YYYY-MM-DD)")
QUARTER = Query(None, description="a calendar quarter (YYYY-Qn), instead of from/to")
#: Who may choose any period (read-only oversight sees everything anyway).
ANY_PERIOD = (Role.AUDITOR, Role.ADMIN)


def _any_period(request: Request) -> bool:
    principal = current_principal(request)
    return principal is not None and principal.has(*ANY_PERIOD)


def _period(request: Request, start: str | None, end: str | None,
            quarter: str | None) -> Period:
    """The period asked for: for the public, one of the published reporting periods only
    (the latest by default); a 422 naming the field otherwise."""
    today = get_container(request).clock.now().date()
    free = _any_period(request)
    try:
        if quarter is not None:
            if start or end:
                raise ValueError("quarter: give a quarter or from/to, not both")
            period = Period.parse_quarter(quarter)
        elif free:
            default = default_period(today)
            period = Period.parse(start or default.start.isoformat(),
                                  end or default.end.isoformat())
        else:
            first = (Period.parse(start, start).start if start
                     else published_quarters(today, 1)[0].start)
            period = Period.parse(first.isoformat(),
                                  end or Period.quarter_of(first).end.isoformat())
        return period if free else public_period(period, today)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None


def _report(request: Request, period: Period) -> dict:
    return read_report(get_container(request).uow, period)


@router.get("/transparency", response_class=HTMLResponse, openapi_extra=PUBLIC)
def transparency_page(request: Request, start: str | None = FROM, end: str | None = TO,
                      quarter: str | None = QUARTER,
                      lang: str = Query("en", description="en or ur")) -> HTMLResponse:
    if lang not in LANGUAGES:
        raise HTTPException(422, f"lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    period = _period(request, start, end, quarter)
    container = get_container(request)
    doc = _report(request, period)
    designations = designations_in_use(container.designation_registry())
    quarters = (None if _any_period(request)
                else published_quarters(container.clock.now().date()))
    return HTMLResponse(render_report(doc, lang=lang, designations=designations,
                                      interactive=True, anchor=_published_anchor(container),
                                      quarters=quarters))


def _published_anchor(container: App) -> dict[str, str] | None:
    """The latest signed checkpoint of the chain and the key that verifies it: published so
    that a later rewrite of the record can be shown by anyone who kept a copy of the page."""
    checkpoints = container.checkpoints()
    try:
        latest, key = checkpoints.latest(), checkpoints.public_key()
    except (CheckpointError, CheckpointKeyError, OSError):
        return None  # the auditor's verify names the problem; the public page stays up
    if latest is None or key is None:
        return None
    return {**{k: str(v) for k, v in latest.to_json().items()}, "public_key": public_pem(key)}


@router.get("/api/transparency", openapi_extra=PUBLIC)
def transparency_json(request: Request, start: str | None = FROM, end: str | None = TO,
                      quarter: str | None = QUARTER) -> dict:
    return _report(request, _period(request, start, end, quarter))


@router.get("/api/transparency.csv", openapi_extra=PUBLIC,
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def transparency_csv(request: Request, start: str | None = FROM, end: str | None = TO,
                     quarter: str | None = QUARTER) -> Response:
    doc = _report(request, _period(request, start, end, quarter))
    return Response(to_csv(LONG_HEADER, long_rows(doc)), media_type="text/csv; charset=utf-8")
