"""Jinja templates shared by all UI routes."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from markupsafe import Markup, escape

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


#: A run of Latin-script text (words, codes, URLs, the dates between them) inside other text.
_LATIN_RUN = re.compile(r"[A-Za-z@#][A-Za-z0-9@#./:_\-' ,()&%+=?]*[A-Za-z0-9)/.!?]|[A-Za-z]")
#: A date or number in Western digits, which a right-to-left line would otherwise reorder.
_DIGIT_RUN = re.compile(r"\d[\d\-:/.]*\d|\d")


def isolate_latin(text: str) -> Markup:
    """Urdu text with each English fact in it (a reviewer's reason, a policy code, a link)
    marked ``lang="en"`` and isolated with ``<bdi dir="ltr">``, and each date isolated too, so
    screen readers switch voice and the bidi algorithm keeps its punctuation on its own side."""
    out: list[str] = []
    pos = 0
    for m in re.finditer(f"{_LATIN_RUN.pattern}|{_DIGIT_RUN.pattern}", text):
        out.append(escape(text[pos:m.start()]))
        run = m.group(0).rstrip(" ,")
        lang = ' lang="en"' if re.search("[A-Za-z]", run) else ""
        out.append(Markup(f'<bdi dir="ltr"{lang}>') + escape(run) + Markup("</bdi>"))
        pos = m.start() + len(run)
    out.append(escape(text[pos:]))
    return Markup("").join(out)


templates.env.filters["isolate_latin"] = isolate_latin
