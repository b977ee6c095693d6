"""Hash-bank API: list banks, match hashes against them, give feedback on a match.

The matcher lives on the web app (one per process), built on first use and brought up to date
before each lookup by its checkpoint — a change to a bank is visible at once, and never makes a
process reload a whole index. A lookup records nothing; matches on platform content are
recorded by the scan (``tarazu banks scan``) as events."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from tarazu.domain.roles import CASE_READERS, Role
from tarazu.entrypoints.web.guards import MAX_INT
from tarazu.entrypoints.web.security import Principal, get_container, require
from tarazu.service import hashmatch
from tarazu.signals.hashing import hash_text_all

router = APIRouter()

#: Who may look hashes up: reviewers, and admins (a machine token of an admin user).
MATCHERS = (Role.REVIEWER, Role.SENIOR_REVIEWER, Role.ADMIN)


class SignalIn(BaseModel):
    signal_type: str = Field(max_length=32)
    signal: str = Field(max_length=1024)


class MatchRequest(BaseModel):
    signals: list[SignalIn] = Field(default_factory=list, max_length=100)
    pdq: str | None = Field(default=None, max_length=64)
    md5: str | None = Field(default=None, max_length=32)
    text: str | None = Field(default=None, max_length=20_000)


class FeedbackIn(BaseModel):
    entry_id: int = Field(ge=1, le=MAX_INT)
    verdict: str = Field(max_length=16)
    event_id: str | None = Field(default=None, max_length=32)
    note: str = Field(default="", max_length=2000)


def matcher_for(request: Request) -> hashmatch.HashMatcher:
    """This process's matcher, refreshed from the bank rows (cheap when nothing changed)."""
    state = request.app.state
    matcher = getattr(state, "hash_matcher", None)
    if matcher is None:
        matcher = state.hash_matcher = hashmatch.HashMatcher()
    return hashmatch.refresh_matcher(get_container(request).uow, matcher)


@router.get("/api/banks")
def list_banks(request: Request, principal: Principal = require(*CASE_READERS)) -> list[dict]:
    return [{"id": b.bank_id, "name": b.name, "enabled": b.enabled, "negative": b.negative,
             "thresholds": dict(b.thresholds), "source": b.source,
             "designation_id": b.designation_id, "description": b.description,
             "entries": n} for b, n in hashmatch.banks_with_counts(get_container(request).uow)]


@router.post("/api/hashes/match")
def match_hashes(request: Request, body: MatchRequest,
                 principal: Principal = require(*MATCHERS)) -> dict[str, Any]:
    """Matches with distance, the matched hash, its bank and metadata; matches suppressed by
    a negative bank are listed apart, with the allow-list entry that suppressed them."""
    signals = [(s.signal_type, s.signal) for s in body.signals]
    signals += [(t, v) for t, v in (("pdq", body.pdq), ("md5", body.md5)) if v]
    if body.text:
        hashes, _ = hash_text_all(body.text)
        signals += [(h.signal_type, h.signal) for h in hashes]
    if not signals:
        raise HTTPException(422, "give signals, pdq, md5 or text")
    try:
        outcome = matcher_for(request).match(signals)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    return outcome.as_dict()


@router.post("/api/hashes/feedback")
def feedback(request: Request, body: FeedbackIn,
             principal: Principal = require(Role.REVIEWER, Role.SENIOR_REVIEWER)
             ) -> dict[str, int]:
    """A reviewer's verdict (true/false positive) on a match, exportable to the provider."""
    app = get_container(request)
    try:
        fid = hashmatch.give_feedback(app.uow, body.entry_id, body.verdict, by=principal.name,
                                      at=app.clock.now(), event_id=body.event_id,
                                      note=body.note)
    except ValueError as e:
        raise HTTPException(422, str(e)) from None
    return {"feedback_id": fid}
