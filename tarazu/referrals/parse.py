"""Parsing referral files (JSON or CSV, as the referral contract describes) into values,
with an error naming the item and the field for anything malformed.

Items of a JSON document are numbered from 1 in list order; items of a CSV by the line of the
file they start on (the header is line 1), so the requester can find the row. A bad item is
returned on its own; the good items of the same file are checked as usual. A request that
names no requester or lists no items is refused as a whole: there is nothing to check."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from tarazu.referrals.evidence import platform_of_host
from tarazu.referrals.model import ReferralItem, ReferralRequest, Requester
from tarazu.textfiles import FieldProblem, LineProblem, csv_records, value_problem

ITEM_KEYS = ("account", "platform", "group", "ground", "legal_basis", "instrument", "evidence",
             "note")
#: Longest value of an item's field, in characters (a note or ground is a sentence or two).
MAX_CHARS = {"account": 512, "platform": 64, "group": 512, "ground": 2_000,
             "legal_basis": 1_000, "instrument": 1_000, "note": 5_000, "evidence": 2_048}
#: Most evidence references one item may list.
MAX_EVIDENCE = 500
#: How far ahead of our clock a requester's ``received_at`` may be.
FUTURE_SKEW = timedelta(days=1)


class ReferralFileError(ValueError):
    pass


def _time(value: Any, default: datetime) -> datetime:
    if not value:
        return default
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ReferralFileError(f"field 'received_at': not an ISO 8601 time: {value!r}") from None
    t = t if t.tzinfo else t.replace(tzinfo=UTC)
    if t > (default if default.tzinfo else default.replace(tzinfo=UTC)) + FUTURE_SKEW:
        raise ReferralFileError(f"field 'received_at': {value!r} is in the future")
    return t


def _item(line: int, raw: Any, default_platform: str) -> ReferralItem | FieldProblem:
    if not isinstance(raw, dict):
        return FieldProblem(line, "(item)", "must be an object", unit="item")
    account = raw.get("account")
    if not isinstance(account, str) or not account.strip():
        return FieldProblem(line, "account", "is required", unit="item")
    evidence = raw.get("evidence") or []
    if isinstance(evidence, str):
        evidence = evidence.split()
    if not isinstance(evidence, list) or not all(isinstance(x, str) for x in evidence):
        return FieldProblem(line, "evidence", "must be a list of strings", unit="item")
    if len(evidence) > MAX_EVIDENCE:
        return FieldProblem(line, "evidence", f"lists {len(evidence)} references; at most "
                                           f"{MAX_EVIDENCE} are accepted", unit="item")
    for key in ("platform", "group", "ground", "legal_basis", "instrument", "note"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            return FieldProblem(line, key, "must be a string", unit="item")
    for key, value in [(k, raw.get(k) or "") for k in MAX_CHARS if k != "evidence"] + [
            (f"evidence[{i}]", x) for i, x in enumerate(evidence)]:
        if problem := value_problem(value, MAX_CHARS[key.split("[")[0]]):
            return FieldProblem(line, key, problem, unit="item")
    return ReferralItem(
        line=line, account=account.strip(),
        platform=(raw.get("platform") or _platform_of(account) or default_platform
                  or "default").strip(),
        group=(raw.get("group") or "").strip(), ground=(raw.get("ground") or "").strip(),
        legal_basis=(raw.get("legal_basis") or "").strip(),
        instrument=(raw.get("instrument") or "").strip(),
        evidence=tuple(x.strip() for x in evidence if x.strip()),
        note=(raw.get("note") or "").strip(),
    )


def _platform_of(account: str) -> str | None:
    """An item that names no platform but gives a profile URL is on that URL's platform."""
    if "://" not in account:
        return None
    host = account.split("://", 1)[1].split("/", 1)[0]
    return platform_of_host(host)


def _requester(raw: Any, required: bool) -> Requester:
    if raw is None and not required:
        raw = {}
    if not isinstance(raw, dict):
        raise ReferralFileError("field 'requester': is required and must be an object")
    kind = raw.get("type", "public")
    if kind not in ("government", "trusted_flagger", "public"):
        raise ReferralFileError(f"field 'requester.type': unknown type {kind!r}")
    official = raw.get("official") or {}
    return Requester(type=kind, country=str(raw.get("country") or ""),
                     agency=str(raw.get("agency") or ""),
                     official=official if isinstance(official, dict) else {},
                     contact=str(raw.get("contact") or ""))


def parse_json(text: str, now: datetime, default_platform: str = "default",
               require_requester: bool = True) -> tuple[ReferralRequest, list[FieldProblem]]:
    """``require_requester``: False where the requester is known otherwise (a signed-in user
    of the portal), so the document need not say who it is."""
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ReferralFileError(f"invalid JSON at line {e.lineno}: {e.msg}") from None
    except RecursionError:
        raise ReferralFileError("invalid JSON: nested too deeply") from None
    if not isinstance(doc, dict):
        raise ReferralFileError("the referral must be a JSON object")
    request_id = doc.get("request_id")
    if not isinstance(request_id, str) or not request_id.strip():
        raise ReferralFileError("field 'request_id': is required")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise ReferralFileError("field 'items': must be a list")
    if not raw_items:
        raise ReferralFileError("field 'items': is empty; a referral names at least one account")
    requester = _requester(doc.get("requester"), require_requester)
    items, errors = [], []
    for n, raw in enumerate(raw_items, start=1):
        r = _item(n, raw, default_platform)
        (errors if isinstance(r, FieldProblem) else items).append(r)
    return ReferralRequest(request_id.strip(), requester, _time(doc.get("received_at"), now),
                           tuple(items)), errors


def parse_csv(text: str, request_id: str, requester: Requester, now: datetime,
              default_platform: str = "default", unreadable: Iterable[LineProblem] = ()
              ) -> tuple[ReferralRequest, list[FieldProblem]]:
    """``unreadable``: lines the caller could not decode (they are items returned as invalid)."""
    header, rows = csv_records(text)
    if not header or "account" not in header:
        raise ReferralFileError("the CSV needs a header row with at least an 'account' column")
    items: list[ReferralItem] = []
    errors = [FieldProblem(p.line, "(line)", p.message, unit="item") for p in unreadable]
    for n, row in rows:
        if isinstance(row, LineProblem):
            errors.append(FieldProblem(n, "(line)", row.message, unit="item"))
            continue
        r = _item(n, {k: (row.get(k) or "") for k in ITEM_KEYS}, default_platform)
        (errors if isinstance(r, FieldProblem) else items).append(r)  # type: ignore[arg-type]
    if not items and not errors:
        raise ReferralFileError("the CSV has no item rows; a referral names at least one account")
    errors.sort(key=lambda e: e.line)
    return ReferralRequest(request_id, requester, now, tuple(items)), errors
