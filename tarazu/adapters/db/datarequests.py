"""Data requests: the documents as received, a projection of each request's state (folded from
its events, for queues and counts), and the encrypted disclosure packages and preservation
snapshots. Packages and snapshots are personal data: Fernet-encrypted at rest."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    delete,
    insert,
    select,
    update,
)

from tarazu.adapters.db.tables import metadata
from tarazu.datarequests.case import RequestState, RequestStatus
from tarazu.domain.chain import format_time
from tarazu.service.records import RequestRow, StoredPackage

SEQ = BigInteger().with_variant(Integer, "sqlite")

data_requests = Table(
    "data_requests",
    metadata,
    Column("request_id", String(200), primary_key=True),
    Column("country", String(8), nullable=False, default=""),
    Column("agency", String(300), nullable=False, default=""),
    Column("instrument_type", String(32), nullable=False),
    Column("path", String(16), nullable=False),
    Column("platform", String(64), nullable=False),
    Column("received_at", String(32), nullable=False),
    Column("submitted_by", String(100), nullable=True),
    Column("document_sha256", String(64), nullable=False),
    Column("document", Text, nullable=False),
    # projection of the request's events (rebuildable from the log)
    Column("status", String(32), nullable=False),
    Column("outcome", String(16), nullable=False),
    Column("protected", Boolean, nullable=False, default=False),
    Column("targets_named", Integer, nullable=False, default=0),
    Column("produced", Boolean, nullable=False, default=False),
    Column("nondisclosure_until", String(10), nullable=True),
    Column("notice_due_at", String(32), nullable=True),
    Column("notice_sent_at", String(32), nullable=True),
    Column("followup_deadline", String(32), nullable=True),
    Column("provisional", Boolean, nullable=False, default=False),
    Column("overdue_flagged", Boolean, nullable=False, default=False),
    Column("preserved_until", String(32), nullable=True),
    Column("last_seq", SEQ, nullable=False),
    Index("ix_data_requests_status", "status", "received_at"),
    Index("ix_data_requests_submitted_by", "submitted_by", "received_at"),
)

data_packages = Table(
    "data_packages",
    metadata,
    Column("package_id", String(32), primary_key=True),
    Column("request_id", String(200), nullable=False, unique=True),  # one per authorisation
    Column("created_at", String(32), nullable=False),
    Column("created_by", String(200), nullable=False),
    Column("sha256", String(64), nullable=False),  # of the encrypted bytes as stored
    Column("content_sha256", String(64), nullable=False),  # of the canonical plaintext
    Column("ciphertext", LargeBinary, nullable=False),
)

data_preservations = Table(
    "data_preservations",
    metadata,
    Column("request_id", String(200), primary_key=True),
    Column("platform", String(64), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("created_at", String(32), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("ciphertext", LargeBinary, nullable=False),
)


def _t(t: datetime | None) -> str | None:
    return format_time(t) if t else None


def state_columns(s: RequestState, last_seq: int) -> dict[str, Any]:
    """The projection's columns of a folded request (both stores write these)."""
    return dict(
        status=s.status, outcome=s.outcome.value if s.outcome else "",
        protected=bool(s.checked and s.checked.protected), targets_named=s.targets_named,
        produced=s.produced,
        nondisclosure_until=(s.nondisclosure_until.isoformat()
                             if s.nondisclosure_until else None),
        notice_due_at=_t(s.notice_due_at), notice_sent_at=_t(s.notice_sent_at),
        followup_deadline=_t(s.followup_deadline), provisional=s.provisional,
        overdue_flagged=s.overdue_flagged, preserved_until=_t(s.preserved_until),
        last_seq=last_seq)


_ROW_FIELDS = tuple(RequestRow.__dataclass_fields__)


class DataRequestStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- requests ----------------------------------------------------------------------------
    def document_sha256(self, request_id: str) -> str | None:
        return self.conn.execute(select(data_requests.c.document_sha256).where(
            data_requests.c.request_id == request_id)).scalar()

    def add(self, *, request_id: str, country: str, agency: str, instrument_type: str,
            path: str, platform: str, received_at: datetime, submitted_by: str | None,
            document_sha256: str, document: dict[str, Any]) -> None:
        self.conn.execute(insert(data_requests).values(
            request_id=request_id, country=country, agency=agency,
            instrument_type=instrument_type, path=path, platform=platform,
            received_at=format_time(received_at), submitted_by=submitted_by,
            document_sha256=document_sha256,
            document=json.dumps(document, ensure_ascii=False, sort_keys=True),
            status="none", outcome="", last_seq=0))

    def save_state(self, s: RequestState, last_seq: int) -> None:
        """Refresh the projection from the folded state."""
        self.conn.execute(update(data_requests).where(
            data_requests.c.request_id == s.request_id).values(**state_columns(s, last_seq)))

    def get(self, request_id: str) -> RequestRow | None:
        r = self.conn.execute(select(data_requests).where(
            data_requests.c.request_id == request_id)).first()
        return RequestRow(**{k: getattr(r, k) for k in _ROW_FIELDS}) if r else None

    def document(self, request_id: str) -> dict[str, Any] | None:
        raw = self.conn.execute(select(data_requests.c.document).where(
            data_requests.c.request_id == request_id)).scalar()
        return json.loads(raw) if raw else None

    def list(self, *, statuses: tuple[str, ...] | None = None,
             submitted_by: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None) -> list[RequestRow]:
        q = select(data_requests).order_by(data_requests.c.received_at.desc())
        if statuses:
            q = q.where(data_requests.c.status.in_(statuses))
        if submitted_by is not None:
            q = q.where(data_requests.c.submitted_by == submitted_by)
        if since is not None:
            q = q.where(data_requests.c.received_at >= format_time(since))
        if until is not None:
            q = q.where(data_requests.c.received_at < format_time(until))
        if limit:
            q = q.limit(limit)
        return [RequestRow(**{k: getattr(r, k) for k in _ROW_FIELDS})
                for r in self.conn.execute(q)]

    def notices_due(self, now: datetime) -> list[str]:
        return list(self.conn.execute(select(data_requests.c.request_id).where(
            data_requests.c.notice_due_at.is_not(None),
            data_requests.c.notice_due_at <= format_time(now),
            data_requests.c.notice_sent_at.is_(None)).order_by(
            data_requests.c.notice_due_at)).scalars())

    def followups_overdue(self, now: datetime) -> list[str]:
        return list(self.conn.execute(select(data_requests.c.request_id).where(
            data_requests.c.provisional.is_(True),
            data_requests.c.overdue_flagged.is_(False),
            data_requests.c.followup_deadline < format_time(now))).scalars())

    def preservations_expired(self, now: datetime) -> list[str]:
        return list(self.conn.execute(select(data_requests.c.request_id).where(
            data_requests.c.status == RequestStatus.PRESERVED.value,
            data_requests.c.preserved_until <= format_time(now))).scalars())

    # -- packages ----------------------------------------------------------------------------
    def add_package(self, *, package_id: str, request_id: str, created_at: datetime,
                    created_by: str, sha256: str, content_sha256: str,
                    ciphertext: bytes) -> None:
        self.conn.execute(insert(data_packages).values(
            package_id=package_id, request_id=request_id, created_at=format_time(created_at),
            created_by=created_by, sha256=sha256, content_sha256=content_sha256,
            ciphertext=ciphertext))

    def package(self, request_id: str) -> StoredPackage | None:
        r = self.conn.execute(select(data_packages).where(
            data_packages.c.request_id == request_id)).first()
        if r is None:
            return None
        return StoredPackage(r.package_id, r.request_id, r.created_at, r.created_by, r.sha256,
                             r.content_sha256, bytes(r.ciphertext))

    def package_count(self) -> int:
        return len(self.conn.execute(select(data_packages.c.package_id)).all())

    # -- preservation snapshots --------------------------------------------------------------
    def add_snapshot(self, *, request_id: str, platform: str, account_id: str,
                     created_at: datetime, sha256: str, ciphertext: bytes) -> None:
        self.conn.execute(insert(data_preservations).values(
            request_id=request_id, platform=platform, account_id=account_id,
            created_at=format_time(created_at), sha256=sha256, ciphertext=ciphertext))

    def snapshots(self, request_id: str) -> list[tuple[str, str, str]]:
        """(platform, account_id, sha256) of each snapshot kept for a request."""
        return [(r.platform, r.account_id, r.sha256) for r in self.conn.execute(
            select(data_preservations).where(data_preservations.c.request_id == request_id)
            .order_by(data_preservations.c.platform, data_preservations.c.account_id))]

    def drop_snapshots(self, request_id: str) -> int:
        """Preserved data is deleted when the preservation ends (minimisation)."""
        return self.conn.execute(delete(data_preservations).where(
            data_preservations.c.request_id == request_id)).rowcount
