"""The FastAPI application: mounts the routers and the error handling shared by all."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

from tarazu.bootstrap import App
from tarazu.entrypoints.jobs import JobThread
from tarazu.entrypoints.logs import get_logger
from tarazu.entrypoints.web import navigation  # noqa: F401 — registers the menu
from tarazu.entrypoints.web.errors import http_error, validation_error, wants_html
from tarazu.entrypoints.web.guards import BodyGuard
from tarazu.entrypoints.web.routes import (
    appeals,
    banks,
    datarequests,
    health,
    metrics,
    mirrors,
    oversight,
    platform_events,
    portal,
    queues_api,
    referrals_api,
    review,
    session,
    transparency,
)
from tarazu.entrypoints.web.security import LoginRequired

log = get_logger("tarazu.web")

#: The routers this app serves, in order. Add a line per area.
ROUTERS = [session.router, review.router, banks.router, platform_events.router,
           datarequests.router]
ROUTERS += [portal.router, referrals_api.router]
ROUTERS += [appeals.router, oversight.router, transparency.router, queues_api.router]
ROUTERS += [mirrors.router, health.router, metrics.router]




def _openapi(api: FastAPI) -> dict:
    """The generated schema, saying what the routes really answer: a 422 (or 400) carries
    either FastAPI's list of validation errors or one message naming the field."""
    if api.openapi_schema is None:
        from fastapi.openapi.utils import get_openapi

        schema = get_openapi(title=api.title, version=api.version, routes=api.routes)
        error = schema.get("components", {}).get("schemas", {}).get("HTTPValidationError")
        if error is not None:
            listed = error["properties"]["detail"]
            error["properties"]["detail"] = {"anyOf": [listed, {"type": "string"}],
                                             "title": "Detail"}
        api.openapi_schema = schema
    return api.openapi_schema


@asynccontextmanager
async def _jobs_in_this_process(api: FastAPI) -> AsyncIterator[None]:
    """The background jobs beside the web app, for an install that runs no worker
    (``TARAZU_WEB_RUNS_JOBS=1``); by default they run in ``tarazu worker`` only."""
    container: App = api.state.container
    if not container.settings.web_runs_jobs:
        yield
        return
    jobs = JobThread(container).start()
    try:
        yield
    finally:
        await asyncio.to_thread(jobs.stop)


def _log_request(request: Request, status: int, seconds: float) -> None:
    """One JSON line per request: the route's template (``/api/cases/{subject}``), never the
    path itself, the query or the caller's address — those name people."""
    route = request.scope.get("route")
    log.info("http.request", method=request.method,
             route=getattr(route, "path", None) or "unmatched", status=status,
             ms=round(seconds * 1000, 1))


def create_app(container: App) -> FastAPI:
    api = FastAPI(title="tarazu", version="0.1.0", docs_url=None, redoc_url=None,
                  openapi_url="/api/openapi.json", lifespan=_jobs_in_this_process)
    api.state.container = container
    for r in ROUTERS:
        api.include_router(r)
    api.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")),
              name="static")

    api.openapi = lambda: _openapi(api)  # type: ignore[method-assign]

    @api.exception_handler(LoginRequired)
    async def login_required(request: Request, exc: LoginRequired) -> Response:
        if wants_html(request):
            return RedirectResponse("/login", status_code=303)
        return JSONResponse({"detail": exc.detail}, status_code=401)

    api.add_exception_handler(StarletteHTTPException, http_error)  # type: ignore[arg-type]
    api.add_exception_handler(RequestValidationError, validation_error)  # type: ignore[arg-type]

    api.add_middleware(BodyGuard, max_bytes=container.settings.max_body_bytes)

    @api.middleware("http")
    async def security_headers(request: Request, call_next):  # type: ignore[no-untyped-def]
        t0 = time.perf_counter()
        resp = await call_next(request)
        _log_request(request, resp.status_code, time.perf_counter() - t0)
        resp.headers.setdefault("X-Content-Type-Options", "nosniff")
        resp.headers.setdefault("X-Frame-Options", "DENY")
        resp.headers.setdefault("Referrer-Policy", "same-origin")
        resp.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'")
        return resp

    return api
