"""Errors as people read them: a browser gets an HTML page in English and Urdu that says what
went wrong in plain words and where to go next; an API client (``/api/`` or no ``text/html``
in Accept) keeps the JSON body it was promised."""

from __future__ import annotations

import re
from dataclasses import dataclass

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from tarazu.entrypoints.web.security import current_principal
from tarazu.entrypoints.web.templating import render, templates


@dataclass(frozen=True)
class Explanation:
    title: str
    title_ur: str
    advice: str
    advice_ur: str


EXPLANATIONS = {
    400: Explanation("The request could not be read", "درخواست پڑھی نہیں جا سکی",
                     "Go back and check what you entered.", "واپس جائیں اور درج معلومات دیکھیں۔"),
    403: Explanation("You may not open this page", "آپ یہ صفحہ نہیں کھول سکتے",
                     "Your role does not include this. The menu lists the pages you may open; "
                     "ask an administrator if you need more.",
                     "آپ کے کردار میں یہ شامل نہیں۔ مینو میں وہ صفحات ہیں جو آپ کھول سکتے ہیں۔"),
    404: Explanation("Not found", "نہیں ملا",
                     "The link may be old or mistyped.", "ربط پرانا یا غلط ہو سکتا ہے۔"),
    409: Explanation("This step is not allowed now", "یہ قدم ابھی ممکن نہیں",
                     "A rule of due process stops it; the reason is below.",
                     "ضابطے کا ایک اصول اسے روکتا ہے؛ وجہ نیچے ہے۔"),
    422: Explanation("Something in the form needs fixing", "فارم میں کچھ درست کرنا ہے",
                     "Go back, correct the field named below and send it again.",
                     "واپس جائیں، نیچے لکھا خانہ درست کریں اور دوبارہ بھیجیں۔"),
    429: Explanation("Too many requests", "بہت زیادہ درخواستیں",
                     "Wait a minute and try again.", "ایک منٹ رکیں اور دوبارہ کوشش کریں۔"),
}
GENERIC = Explanation("Something went wrong", "کچھ غلط ہو گیا",
                      "Try again; if it keeps happening, tell an administrator.",
                      "دوبارہ کوشش کریں؛ اگر بار بار ہو تو منتظم کو بتائیں۔")

_FIELD = re.compile(r"^field '([\w.]+)': (.*)$", re.S)
_TECHNICAL = {"your role may not do this": "",
              "missing or wrong CSRF token": "The form was open too long or came from another "
              "page: reload the page and send it again."}


def readable(message: str) -> str:
    """A refusal in plain words: ``field 'until': ...`` becomes ``Until: ...``, and a long list
    of allowed codes becomes "choose one from the list"."""
    message = _TECHNICAL.get(message, message)
    m = _FIELD.match(message)
    if not m:
        return message
    field, what = m.group(1).replace("_", " ").capitalize(), m.group(2)
    if what.startswith("must be one of") and what.count(",") >= 3:
        what = "choose one from the list"
    return f"{field}: {what}"


def wants_html(request: Request) -> bool:
    """A browser asking for a page, as opposed to an API client."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        "/api/")


def error_page(request: Request, status: int, detail: str,
               headers: dict[str, str] | None = None) -> Response:
    if not hasattr(request.state, "principal"):
        request.state.principal = current_principal(request)
    resp = render(request, "error.html", status_code=status,
                  e=EXPLANATIONS.get(status, GENERIC), status=status, detail=readable(detail))
    for k, v in (headers or {}).items():
        resp.headers[k] = v
    return resp


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if wants_html(request):
        return error_page(request, exc.status_code, str(exc.detail or ""), exc.headers)
    return JSONResponse({"detail": exc.detail}, status_code=exc.status_code,
                        headers=exc.headers)


async def validation_error(request: Request, exc: RequestValidationError) -> Response:
    if wants_html(request):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ())[1:]) or "input"
        return error_page(request, 422, f"field '{where}': {first.get('msg', 'not valid')}")
    from fastapi.exception_handlers import request_validation_exception_handler

    return await request_validation_exception_handler(request, exc)


templates.env.filters["readable_error"] = readable
