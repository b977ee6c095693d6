"""Log in and out."""

from __future__ import annotations

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from tarazu.adapters.passwords import check_login
from tarazu.entrypoints.web.guards import client_address
from tarazu.entrypoints.web.security import (
    PUBLIC,
    SESSION_COOKIE,
    SESSION_TTL,
    Principal,
    get_container,
    require,
)
from tarazu.entrypoints.web.templating import render
from tarazu.service import logins, users
from tarazu.service.logins import LoginKeys

router = APIRouter()


@router.get("/login", response_class=HTMLResponse, openapi_extra=PUBLIC)
def login_form(request: Request) -> HTMLResponse:
    return render(request, "login.html", error=None)


@router.post("/login", openapi_extra=PUBLIC)
def login(request: Request, username: str = Form(..., max_length=200),
          password: str = Form(..., max_length=1000)) -> Response:
    app = get_container(request)
    keys = LoginKeys.of(app.settings.secret_key, username, client_address(request))
    result = logins.log_in(app.uow, app.clock, keys, username, password, check_login,
                           SESSION_TTL)
    if result.wait:
        return _locked(request, result.wait)
    if result.session is None:
        return render(request, "login.html", status_code=401,
                      error="Wrong user name or password.")
    resp = RedirectResponse("/", status_code=303)
    resp.set_cookie(SESSION_COOKIE, result.session[0], httponly=True, samesite="strict",
                    secure=app.settings.cookie_secure,
                    max_age=int(SESSION_TTL.total_seconds()))
    return resp


def _locked(request: Request, wait: int) -> Response:
    resp = render(request, "login.html", status_code=429,
                  error=f"Too many failed attempts. Try again in {wait} seconds.")
    resp.headers["Retry-After"] = str(wait)
    return resp


@router.post("/logout")
def logout(request: Request, principal: Principal = require()) -> Response:
    sid = request.cookies.get(SESSION_COOKIE)
    if sid:
        users.end_session(get_container(request).uow, sid)
    resp = RedirectResponse("/login", status_code=303)
    resp.delete_cookie(SESSION_COOKIE)
    return resp


@router.get("/api/me")
def me(principal: Principal = require()) -> dict:
    return {"username": principal.name, "roles": sorted(r.value for r in principal.user.roles)}
