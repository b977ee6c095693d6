"""Parsing a data request document into a :class:`DataRequest`.

Every malformed field is reported (all of them, not only the first), named by its path
(``instrument.type``, ``targets[2]``). Missing legal details (issuer, reference, date) are not
parse errors: the checks refuse such a request with a reason the requester can act on."""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime
from typing import Any

from tarazu.datarequests.model import (
    Category,
    DataRequest,
    DataRequestFileError,
    Emergency,
    Instrument,
    InstrumentType,
    NonDisclosure,
    Period,
)
from tarazu.textfiles import FieldProblem

SHA256 = re.compile(r"^[0-9a-f]{64}$")
#: Ways a document says "a non-disclosure order with no end date".
INDEFINITE = frozenset({"indefinite", "indefinitely", "permanent", "none given", "unlimited"})


def _date(raw: Any, name: str, errors: list[FieldProblem]) -> date | None:
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        errors.append(FieldProblem(None, name, "must be a date YYYY-MM-DD"))
        return None
    try:
        return date.fromisoformat(raw.strip()[:10])
    except ValueError:
        errors.append(FieldProblem(None, name, f"not a date YYYY-MM-DD: {raw!r}"))
        return None


def _text(doc: dict, key: str, name: str, errors: list[FieldProblem], required: bool = False
          ) -> str:
    raw = doc.get(key)
    if raw is None:
        if required:
            errors.append(FieldProblem(None, name, "is required"))
        return ""
    if not isinstance(raw, str):
        errors.append(FieldProblem(None, name, "must be a string"))
        return ""
    if required and not raw.strip():
        errors.append(FieldProblem(None, name, "is required"))
    return raw.strip()


def _instrument(raw: Any, errors: list[FieldProblem]) -> Instrument:
    if not isinstance(raw, dict):
        errors.append(FieldProblem(None, "instrument", "is required and must be an object"))
        return Instrument(InstrumentType.NONE)
    kind = raw.get("type")
    try:
        itype = InstrumentType(kind)
    except ValueError:
        allowed = "|".join(t.value for t in InstrumentType)
        errors.append(FieldProblem(None, "instrument.type",
                                   f"must be one of {allowed}, got {kind!r}"))
        itype = InstrumentType.NONE
    digest = _text(raw, "document_sha256", "instrument.document_sha256", errors).lower()
    if digest and not SHA256.match(digest):
        errors.append(FieldProblem(None, "instrument.document_sha256", "must be 64 hex characters"))
    return Instrument(
        type=itype, issuer=_text(raw, "issuer", "instrument.issuer", errors),
        reference=_text(raw, "reference", "instrument.reference", errors),
        date=_date(raw.get("date"), "instrument.date", errors), document_sha256=digest)


def _targets(raw: Any, errors: list[FieldProblem]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append(FieldProblem(None, "targets",
                                   "must be a non-empty list of account ids or handles"))
        return ()
    out = []
    for i, t in enumerate(raw):
        if not isinstance(t, str) or not t.strip():
            errors.append(FieldProblem(None, f"targets[{i}]", "must be a non-empty string"))
        else:
            out.append(t.strip())
    return tuple(dict.fromkeys(out))


def _categories(raw: Any, errors: list[FieldProblem]) -> tuple[Category, ...]:
    if not isinstance(raw, list) or not raw:
        errors.append(FieldProblem(None, "categories", "must be a non-empty list"))
        return ()
    out = []
    for i, c in enumerate(raw):
        try:
            out.append(Category(c))
        except ValueError:
            allowed = ", ".join(x.value for x in Category)
            errors.append(FieldProblem(None, f"categories[{i}]",
                                       f"unknown category {c!r} ({allowed})"))
    return tuple(dict.fromkeys(out))


def _period(raw: Any, errors: list[FieldProblem]) -> Period | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append(FieldProblem(None, "period", "must be an object {from, to}"))
        return None
    start = _date(raw.get("from"), "period.from", errors)
    end = _date(raw.get("to"), "period.to", errors)
    if start is None or end is None:
        if "period.from" not in {e.field for e in errors} and start is None:
            errors.append(FieldProblem(None, "period.from", "is required when a period is given"))
        if "period.to" not in {e.field for e in errors} and end is None:
            errors.append(FieldProblem(None, "period.to", "is required when a period is given"))
        return None
    if start > end:
        errors.append(FieldProblem(None, "period", f"'from' {start} is after 'to' {end}"))
        return None
    return Period(start, end)


def _nondisclosure(raw: Any, errors: list[FieldProblem], reason: str = ""
                   ) -> NonDisclosure | None:
    if raw is None or raw is False or raw == "":
        return None
    if raw is True or (isinstance(raw, str) and raw.strip().casefold() in INDEFINITE):
        return NonDisclosure(None, reason)
    d = _date(raw, "nondisclosure_until", errors)
    return NonDisclosure(d, reason) if d else None


def _emergency(raw: Any, errors: list[FieldProblem]) -> Emergency | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        errors.append(FieldProblem(None, "emergency", "must be an object"))
        return None
    ttl = raw.get("threat_to_life", False)
    if not isinstance(ttl, bool):
        errors.append(FieldProblem(None, "emergency.threat_to_life", "must be true or false"))
        ttl = False
    return Emergency(ttl, _text(raw, "description", "emergency.description", errors))


def _received(raw: Any, now: datetime, errors: list[FieldProblem]) -> datetime:
    if not raw:
        return now
    try:
        t = datetime.fromisoformat(str(raw).replace("Z", "+00:00"))
    except ValueError:
        errors.append(FieldProblem(None, "received_at", f"not an ISO 8601 time: {raw!r}"))
        return now
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def parse_request(doc: Any, now: datetime) -> DataRequest:
    """Build a request from a decoded JSON document; raise naming every bad field."""
    if not isinstance(doc, dict):
        raise DataRequestFileError([FieldProblem(None, "(document)", "must be a JSON object")])
    errors: list[FieldProblem] = []
    request_id = _text(doc, "request_id", "request_id", errors, required=True)
    official = doc.get("official") or {}
    if not isinstance(official, dict):
        errors.append(FieldProblem(None, "official", "must be an object {name, title}"))
        official = {}
    req = DataRequest(
        request_id=request_id,
        country=_text(doc, "country", "country", errors, required=True).upper(),
        agency=_text(doc, "agency", "agency", errors, required=True),
        official={k: str(v) for k, v in official.items() if isinstance(v, str | int)},
        instrument=_instrument(doc.get("instrument"), errors),
        targets=_targets(doc.get("targets"), errors),
        categories=_categories(doc.get("categories"), errors),
        period=_period(doc.get("period"), errors),
        nondisclosure=_nondisclosure(doc.get("nondisclosure_until"), errors,
                                     _text(doc, "nondisclosure_reason", "nondisclosure_reason",
                                           errors)),
        emergency=_emergency(doc.get("emergency"), errors),
        received_at=_received(doc.get("received_at"), now, errors),
    )
    if errors:
        raise DataRequestFileError(errors, request_id)
    return req


def parse_instrument(raw: Any) -> Instrument:
    """An instrument on its own (the legal process that follows an emergency answer)."""
    errors: list[FieldProblem] = []
    ins = _instrument(raw, errors)
    if errors:
        raise DataRequestFileError(errors)
    return ins


def parse_json(text: str | bytes, now: datetime) -> DataRequest:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise DataRequestFileError(
            [FieldProblem(None, "(json)", f"invalid JSON at line {e.lineno}: {e.msg}")]) from None
    except RecursionError:
        raise DataRequestFileError([FieldProblem(None, "(json)", "invalid JSON: nested too deeply")]
                                   ) from None
    except UnicodeDecodeError as e:
        raise DataRequestFileError([FieldProblem(None, "(document)", f"not UTF-8 text: {e.reason}")]
                                   ) from None
    return parse_request(doc, now)
