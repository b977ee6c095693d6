"""The public transparency report: Santa Clara-style counts read from the event log (actions
per policy, detection source and country; appeals and reversals; state demands by requesting
body, cited law and outcome). Public by design; it holds no personal data."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse

from tarazu.entrypoints.web.security import PUBLIC, get_container
from tarazu.entrypoints.web.templating import render
from tarazu.service import exports

router = APIRouter()


def _counts(request: Request, since: str | None) -> dict:
    try:
        start = exports.parse_since(since)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    with get_container(request).uow() as uow:
        return exports.transparency_counts(uow, start)


@router.get("/transparency", response_class=HTMLResponse, openapi_extra=PUBLIC)
def transparency_page(request: Request, since: str | None = Query(None)) -> HTMLResponse:
    return render(request, "transparency.html", counts=_counts(request, since), since=since)


@router.get("/api/transparency", openapi_extra=PUBLIC)
def transparency_json(request: Request, since: str | None = Query(None)) -> dict:
    return _counts(request, since)
