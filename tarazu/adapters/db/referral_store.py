"""Referral requests and items as received, with each item's check outcome."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from tarazu.adapters.db.tables import referral_items, referral_requests
from tarazu.domain.chain import format_time
from tarazu.service.records import StoredItem


class ReferralStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def has_request(self, request_id: str) -> bool:
        return self.conn.execute(select(referral_requests.c.request_id).where(
            referral_requests.c.request_id == request_id)).first() is not None

    def add_request(self, *, request_id: str, requester: dict[str, Any], received_at: datetime,
                    document_sha256: str, submitted_by: str | None) -> None:
        self.conn.execute(insert(referral_requests).values(
            request_id=request_id, requester_type=requester.get("type", "public"),
            country=requester.get("country", "") or "", agency=requester.get("agency", "") or "",
            requester=json.dumps(requester, ensure_ascii=False),
            received_at=format_time(received_at), submitted_by=submitted_by,
            document_sha256=document_sha256))

    def add_item(self, *, request_id: str, line: int, account_ref: str, platform: str,
                 account_id: str | None, item: dict[str, Any], outcome: str,
                 reasons: list[str]) -> None:
        self.conn.execute(insert(referral_items).values(
            request_id=request_id, line=line, account_ref=account_ref, platform=platform,
            account_id=account_id, item=json.dumps(item, ensure_ascii=False), outcome=outcome,
            reasons=json.dumps(reasons)))

    def set_outcome(self, request_id: str, line: int, outcome: str, reasons: list[str]) -> None:
        self.conn.execute(update(referral_items).where(
            referral_items.c.request_id == request_id, referral_items.c.line == line).values(
            outcome=outcome, reasons=json.dumps(reasons)))

    def items(self, request_id: str) -> list[StoredItem]:
        rows = self.conn.execute(select(referral_items).where(
            referral_items.c.request_id == request_id).order_by(referral_items.c.line))
        return [StoredItem(r.request_id, r.line, r.account_ref, r.platform, r.account_id,
                           json.loads(r.item), r.outcome, json.loads(r.reasons)) for r in rows]

    def requests(self, submitted_by: str | None = None) -> list[dict[str, Any]]:
        q = select(referral_requests).order_by(referral_requests.c.received_at)
        if submitted_by is not None:
            q = q.where(referral_requests.c.submitted_by == submitted_by)
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def get_request(self, request_id: str) -> dict[str, Any] | None:
        r = self.conn.execute(select(referral_requests).where(
            referral_requests.c.request_id == request_id)).first()
        return dict(r._mapping) if r else None

    def items_naming(self, platform: str, account_id: str,
                     outcomes: tuple[str, ...] = ("accepted", "escalated")) -> list[StoredItem]:
        """Earlier items that named this account with one of ``outcomes``, oldest first."""
        rows = self.conn.execute(select(referral_items).where(
            referral_items.c.platform == platform, referral_items.c.account_id == account_id,
            referral_items.c.outcome.in_(outcomes)).order_by(referral_items.c.request_id,
                                                             referral_items.c.line))
        return [StoredItem(r.request_id, r.line, r.account_ref, r.platform, r.account_id,
                           json.loads(r.item), r.outcome, json.loads(r.reasons)) for r in rows]

    def outcome_counts(self, request_id: str | None = None) -> dict[str, int]:
        q = select(referral_items.c.outcome, func.count()).group_by(referral_items.c.outcome)
        if request_id:
            q = q.where(referral_items.c.request_id == request_id)
        return {r[0]: r[1] for r in self.conn.execute(q)}
