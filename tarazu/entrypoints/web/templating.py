"""Jinja templates shared by all UI routes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tarazu.service.request_ids import own_id

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
#: A request's id as its submitter gave it (what a requester's own pages show).
templates.env.filters["own_request_id"] = own_id


def when(value: datetime | date | str | None, seconds: bool = False) -> str:
    """A moment as people read it ("5 Dec 2026, 14:03 UTC"): no microseconds, no "T", no
    offset digits. Stored times are UTC; an ISO string is parsed first; anything else is
    shown as it is rather than failing the page."""
    if value in (None, ""):
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return value
    if not isinstance(value, datetime):
        return f"{value.day} {value:%b %Y}"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return f"{value.day} {value:%b %Y, %H:%M{':%S' if seconds else ''}} UTC"


templates.env.filters["when"] = when


def render(request: Request, name: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    return templates.TemplateResponse(
        request, name, {"principal": principal,
                        "csrf_token": principal.csrf_token if principal else "", **context},
        status_code=status_code)
