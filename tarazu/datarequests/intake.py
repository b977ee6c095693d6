"""What a requester states that tarazu does not take on trust, checked when a request arrives.

Parsing (:mod:`.parse`) says whether each field is well formed; this says whether it is
plausible, against the time tarazu received the request (the system's clock, never the
document's): an instrument cannot be dated after it reached us, nor data asked for a period
that has not happened yet; a non-disclosure order needs a stated reason and an end that is not
absurd (beyond the cap, which :func:`tarazu.datarequests.checks.check_request` applies, it is
narrowed; centuries away it is refused). Names we will repeat to users (the agency, the issuer,
the instrument's reference) must be plain printable text (:mod:`tarazu.domain.text`).

Each finding is a :class:`~tarazu.textfiles.FieldProblem` naming the field; the request is
refused as a whole (HTTP 422, CLI exit 1) so the requester can correct and resend it."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from tarazu.datarequests.model import DataRequest, DataRequestFileError
from tarazu.domain.text import MAX_NAME, name_problem
from tarazu.textfiles import FieldProblem

#: An instrument older than this at receipt is not a plausible current demand.
MAX_INSTRUMENT_AGE = timedelta(days=5 * 365)
#: A non-disclosure end further away than this is refused as implausible, not merely capped.
MAX_NONDISCLOSURE_HORIZON = timedelta(days=5 * 365)
MAX_REASON = 2000


def _date_problems(req: DataRequest, today: date) -> list[FieldProblem]:
    found: list[FieldProblem] = []

    def bad(name: str, message: str) -> None:
        found.append(FieldProblem(None, name, message))

    ins = req.instrument.date
    if ins is not None and ins > today:
        bad("instrument.date", f"{ins} is after the request was received ({today}): an "
            "instrument cannot be dated in the future")
    elif ins is not None and today - ins > MAX_INSTRUMENT_AGE:
        bad("instrument.date", f"{ins} is more than {MAX_INSTRUMENT_AGE.days // 365} years "
            "before the request was received: not a plausible current demand")
    if req.period is not None and req.period.end > today:
        bad("period.to", f"{req.period.end} is after the request was received ({today}): "
            "data that does not exist yet cannot be asked for")
    nd = req.nondisclosure
    if nd is not None:
        if not nd.reason.strip():
            bad("nondisclosure_reason", "a non-disclosure order must say why the user may not "
                "be told")
        elif len(nd.reason) > MAX_REASON:
            bad("nondisclosure_reason", f"at most {MAX_REASON} characters")
        if nd.until is not None and nd.until <= today:
            bad("nondisclosure_until", f"{nd.until} is not after the request was received "
                f"({today})")
        elif nd.until is not None and nd.until - today > MAX_NONDISCLOSURE_HORIZON:
            bad("nondisclosure_until", f"{nd.until} is not a plausible end of a non-disclosure "
                f"order (more than {MAX_NONDISCLOSURE_HORIZON.days // 365} years away)")
    return found


def _name_problems(req: DataRequest) -> list[FieldProblem]:
    named = (("agency", req.agency), ("instrument.issuer", req.instrument.issuer),
             ("instrument.reference", req.instrument.reference),
             ("official.name", req.official.get("name", "")))
    out = []
    for field, value in named:
        if not value and field != "agency":
            continue  # a missing issuer or official is for the checks to refuse, with reasons
        if problem := name_problem(value, MAX_NAME):
            out.append(FieldProblem(None, field, problem))
    return out


def received(req: DataRequest, at: datetime) -> DataRequest:
    """The request as tarazu received it at ``at``: the received time is the system's, and
    every stated field is plausible; otherwise :class:`DataRequestFileError` naming each."""
    req = replace(req, received_at=at)
    errors = _name_problems(req) + _date_problems(req, at.date())
    if errors:
        raise DataRequestFileError(errors, req.request_id)
    return req
