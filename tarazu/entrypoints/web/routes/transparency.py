"""The public transparency report: every figure computed from the event log for a chosen
period (``from``/``to``, both included; the calendar year to date by default), as a printable
page in English or Urdu, as JSON and as CSV. Public by design: it holds no personal data, and
small counts that could point at a person are banded."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from tarazu.adapters.checkpoints import CheckpointKeyError, public_pem
from tarazu.bootstrap import App
from tarazu.domain.checkpoint import CheckpointError
from tarazu.entrypoints.web.security import PUBLIC, get_container
from tarazu.entrypoints.web.transparency_view import LANGUAGES, render_report
from tarazu.service.transparency import default_period, designations_in_use, transparency_report
from tarazu.transparency import LONG_HEADER, Period, long_rows, to_csv

router = APIRouter()
FROM = Query(None, alias="from", description="first day (YYYY-MM-DD)")
TO = Query(None, alias="to", description="last day, included (YYYY-MM-DD)")


def _period(request: Request, start: str | None, end: str | None) -> Period:
    today = get_container(request).clock.now().date()
    default = default_period(today)
    try:
        return Period.parse(start or default.start.isoformat(), end or default.end.isoformat())
    except ValueError as e:
        raise HTTPException(422, str(e)) from None


def _report(request: Request, period: Period) -> dict:
    with get_container(request).uow() as uow:
        return transparency_report(uow, period)


@router.get("/transparency", response_class=HTMLResponse, openapi_extra=PUBLIC)
def transparency_page(request: Request, start: str | None = FROM, end: str | None = TO,
                      lang: str = Query("en", description="en or ur")) -> HTMLResponse:
    if lang not in LANGUAGES:
        raise HTTPException(422, f"lang: {lang!r} is not one of {', '.join(LANGUAGES)}")
    period = _period(request, start, end)
    container = get_container(request)
    doc = _report(request, period)
    designations = designations_in_use(container.designation_registry())
    return HTMLResponse(render_report(doc, lang=lang, designations=designations,
                                      interactive=True, anchor=_published_anchor(container)))


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
def transparency_json(request: Request, start: str | None = FROM,
                      end: str | None = TO) -> dict:
    return _report(request, _period(request, start, end))


@router.get("/api/transparency.csv", openapi_extra=PUBLIC,
            response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def transparency_csv(request: Request, start: str | None = FROM,
                     end: str | None = TO) -> Response:
    doc = _report(request, _period(request, start, end))
    return Response(to_csv(LONG_HEADER, long_rows(doc)), media_type="text/csv; charset=utf-8")
