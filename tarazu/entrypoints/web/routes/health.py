"""Liveness and readiness for the process supervisor and the load balancer. Public by design:
they say whether this process can serve, and nothing about cases or people.

``/healthz`` answers while the process runs; ``/readyz`` answers 200 only when the database
answers and its schema is the one this code expects (a deploy that skipped ``tarazu db
upgrade`` is not sent traffic), 503 with the reason otherwise."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from tarazu.adapters.db.engine import current_revision, head_revision
from tarazu.entrypoints.web.security import PUBLIC, get_container

router = APIRouter()


@router.get("/healthz", include_in_schema=False, openapi_extra=PUBLIC)
def healthz() -> dict[str, bool]:
    return {"ok": True}


@router.get("/readyz", openapi_extra=PUBLIC,
            responses={503: {"description": "not ready: the database or its schema"}})
def readyz(request: Request) -> JSONResponse:
    try:
        revision = current_revision(get_container(request).engine)
    except SQLAlchemyError as e:
        return JSONResponse({"status": "not ready",
                             "reason": f"database unreachable: {type(e).__name__}"}, 503)
    expected = head_revision()
    if revision != expected:
        return JSONResponse({"status": "not ready", "reason": f"database schema is {revision}, "
                             f"this code needs {expected}: run tarazu db upgrade"}, 503)
    return JSONResponse({"status": "ready", "schema": revision})
