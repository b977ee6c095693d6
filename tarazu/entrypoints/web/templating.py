"""Jinja templates shared by all UI routes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates

from tarazu.service.request_ids import own_id

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
#: A request's id as its submitter gave it (what a requester's own pages show).
templates.env.filters["own_request_id"] = own_id


def render(request: Request, name: str, status_code: int = 200, **context: Any
           ) -> HTMLResponse:
    principal = getattr(request.state, "principal", None)
    return templates.TemplateResponse(
        request, name, {"principal": principal,
                        "csrf_token": principal.csrf_token if principal else "", **context},
        status_code=status_code)
