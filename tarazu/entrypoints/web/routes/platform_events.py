"""The platform event API: the platform reports new and changed accounts and posts
(``docs/platform-api.md``). Machines only, with an API token of a user with role ``admin``."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from starlette.concurrency import run_in_threadpool

from tarazu.domain.roles import Role
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.service.platform_events import PlatformEventError, handle_platform_event

router = APIRouter()


@router.post("/api/platform/events", status_code=202)
async def platform_event(request: Request, principal: Principal = require(Role.ADMIN)) -> dict:
    try:
        event = await request.json()
    except ValueError:
        raise HTTPException(400, "the body must be JSON") from None
    app = get_container(request)
    try:
        result = await run_in_threadpool(handle_platform_event, app.uow, app.clock, event)
    except PlatformEventError as e:
        raise HTTPException(422, str(e)) from None
    return {"ok": True, **result.to_dict()}
