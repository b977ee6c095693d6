"""Parsing referral files (JSON or CSV, as the referral contract describes) into values,
with an error naming the item and the field for anything malformed."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from typing import Any

from tarazu.referrals.evidence import platform_of_host
from tarazu.referrals.model import ItemError, ReferralItem, ReferralRequest, Requester

ITEM_KEYS = ("account", "platform", "group", "ground", "legal_basis", "instrument", "evidence",
             "note")


class ReferralFileError(ValueError):
    pass


def _time(value: Any, default: datetime) -> datetime:
    if not value:
        return default
    try:
        t = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise ReferralFileError(f"field 'received_at': not an ISO 8601 time: {value!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def _item(line: int, raw: Any, default_platform: str) -> ReferralItem | ItemError:
    if not isinstance(raw, dict):
        return ItemError(line, "(item)", "must be an object")
    account = raw.get("account")
    if not isinstance(account, str) or not account.strip():
        return ItemError(line, "account", "is required")
    evidence = raw.get("evidence") or []
    if isinstance(evidence, str):
        evidence = evidence.split()
    if not isinstance(evidence, list) or not all(isinstance(x, str) for x in evidence):
        return ItemError(line, "evidence", "must be a list of strings")
    for key in ("platform", "group", "ground", "legal_basis", "instrument", "note"):
        if raw.get(key) is not None and not isinstance(raw.get(key), str):
            return ItemError(line, key, "must be a string")
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


def _requester(raw: Any) -> Requester:
    if not isinstance(raw, dict):
        raise ReferralFileError("field 'requester': must be an object")
    kind = raw.get("type", "public")
    if kind not in ("government", "trusted_flagger", "public"):
        raise ReferralFileError(f"field 'requester.type': unknown type {kind!r}")
    official = raw.get("official") or {}
    return Requester(type=kind, country=str(raw.get("country") or ""),
                     agency=str(raw.get("agency") or ""),
                     official=official if isinstance(official, dict) else {},
                     contact=str(raw.get("contact") or ""))


def parse_json(text: str, now: datetime, default_platform: str = "default"
               ) -> tuple[ReferralRequest, list[ItemError]]:
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise ReferralFileError(f"invalid JSON at line {e.lineno}: {e.msg}") from None
    if not isinstance(doc, dict):
        raise ReferralFileError("the referral must be a JSON object")
    request_id = doc.get("request_id")
    if not isinstance(request_id, str) or not request_id.strip():
        raise ReferralFileError("field 'request_id': is required")
    raw_items = doc.get("items")
    if not isinstance(raw_items, list):
        raise ReferralFileError("field 'items': must be a list")
    items, errors = [], []
    for n, raw in enumerate(raw_items, start=1):
        r = _item(n, raw, default_platform)
        (errors if isinstance(r, ItemError) else items).append(r)
    return ReferralRequest(request_id.strip(), _requester(doc.get("requester") or {}),
                           _time(doc.get("received_at"), now), tuple(items)), errors


def parse_csv(text: str, request_id: str, requester: Requester, now: datetime,
              default_platform: str = "default") -> tuple[ReferralRequest, list[ItemError]]:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or "account" not in reader.fieldnames:
        raise ReferralFileError("the CSV needs a header row with at least an 'account' column")
    items, errors = [], []
    for n, row in enumerate(reader, start=1):
        raw = {k: (row.get(k) or "") for k in ITEM_KEYS}
        r = _item(n, raw, default_platform)
        (errors if isinstance(r, ItemError) else items).append(r)
    return ReferralRequest(request_id, requester, now, tuple(items)), errors
