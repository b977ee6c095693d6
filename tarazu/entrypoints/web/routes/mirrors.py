"""The explanation of a mirror flag: the flagged account and the removed one side by side,
with the waterfall of signal weights the detector stored when it flagged."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.domain.roles import Role
from tarazu.entrypoints.web import waterfall  # noqa: F401 — registers the template helpers
from tarazu.entrypoints.web.routes.review import parse_subject
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.entrypoints.web.templating import render
from tarazu.service import case_view

router = APIRouter()
READ = (Role.REVIEWER, Role.SENIOR_REVIEWER, Role.ADMIN, Role.AUDITOR)


@router.get("/cases/{subject_type}/{subject_id}/mirror/{removed_account}",
            response_class=HTMLResponse)
def mirror_compare(request: Request, subject_type: str, subject_id: str, removed_account: str,
                   principal: Principal = require(*READ)) -> HTMLResponse:
    ref = parse_subject(subject_type, subject_id)
    if ":" not in removed_account:
        removed_account = f"{ref.platform}:{removed_account}"
    removed = SubjectRef(SubjectType.ACCOUNT, removed_account)
    app = get_container(request)
    with app.uow() as uow:
        view = case_view.read_case(uow, ref, principal.name, app.clock.now())
        if view is None or not any(
                e.kind is EventKind.MIRROR_FLAG
                and e.payload.get("removed_account") == removed_account for e in view.events):
            raise HTTPException(404, f"{ref} was never flagged as a mirror of {removed_account}")
        other = case_view.read_case(uow, removed, principal.name, app.clock.now())
        other_posts = list(other.posts) if other and other.account else []
        other = other.account if other else None
        uow.commit()
    sides = [("Flagged account", view.account, list(view.posts)),
             ("Removed account", other, other_posts)]
    return render(request, "mirror_compare.html", view=view, removed_ref=removed_account,
                  sides=sides)
