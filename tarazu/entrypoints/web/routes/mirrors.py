"""The explanation of a mirror flag: the flagged account and the removed one side by side,
with the waterfall of signal weights the detector stored when it flagged."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse

from tarazu.domain.roles import Role
from tarazu.entrypoints.web import (
    mirror_view,
    waterfall,  # noqa: F401 — registers the template helpers
)
from tarazu.entrypoints.web.routes.review import decision_form_context, parse_subject
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.entrypoints.web.templating import render
from tarazu.service import case_view
from tarazu.service.case_view import mirror_key

router = APIRouter()
READ = (Role.REVIEWER, Role.SENIOR_REVIEWER, Role.ADMIN, Role.AUDITOR)


@router.get("/cases/{subject_type}/{subject_id}/mirror/{removed_account}",
            response_class=HTMLResponse)
def mirror_compare(request: Request, subject_type: str, subject_id: str, removed_account: str,
                   principal: Principal = require(*READ)) -> HTMLResponse:
    """The mirror case page: both accounts side by side with what differs and what imitates,
    the flag's signals each explained, and the decision form for the flagged account."""
    ref = parse_subject(subject_type, subject_id)
    removed_account = mirror_key(ref, removed_account)
    app = get_container(request)
    pair = case_view.read_mirror_pair(app.uow, ref, removed_account, principal.name,
                                      app.clock.now())
    if pair is None:
        raise HTTPException(404, f"{ref} was never flagged as a mirror of {removed_account}")
    view, other, flags = pair.flagged, pair.removed, pair.flags
    comparison = mirror_view.compare(
        view.account, other.account if other else None, view.posts,
        other.posts if other and other.account else ())
    return render(request, "mirror_compare.html", view=view, state=view.state,
                  removed_ref=removed_account, flag=flags[-1], cmp=comparison, form={},
                  mirror_accounts={str(flags[-1].get("removed_account")): comparison.removed}
                  if comparison.removed else {},
                  **decision_form_context(request, principal))
