"""Public reports, reporters, rate-limit buckets and detected campaigns.

The moderation facts (a report on a subject, a campaign flag, a muted reporter) are events on
the log; these tables are what the report path needs to answer quickly and privately: the
receipt and its token hash, who reported (a pseudonymous key, never an IP address), the
reporter's history, and the token buckets of the rate limiter (kept in the database so every
process of the web app shares them and they survive restarts)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    and_,
    case,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite

from tarazu.adapters.db.crypto import FieldCipher
from tarazu.adapters.db.tables import metadata, subject_status
from tarazu.domain.case import ReviewState
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.events import SubjectRef, SubjectType
from tarazu.reports.campaign import Sighting
from tarazu.reports.model import ReporterView
from tarazu.reports.ratelimit import Bucket
from tarazu.service.records import Campaign, StoredReport

public_reports = Table(
    "public_reports",
    metadata,
    Column("receipt_id", String(40), primary_key=True),
    Column("token_hash", String(64), nullable=False),
    Column("platform", String(64), nullable=False),
    Column("target_type", String(16), nullable=False),
    Column("target_ref", String(500), nullable=False),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", String(300), nullable=False),
    Column("category", String(64), nullable=False),
    # personal data, encrypted at rest: what the reporter wrote (it may name them, a relative
    # or a witness) and how to reach them; None when they left it empty
    Column("text_enc", LargeBinary, nullable=True),
    Column("contact_enc", LargeBinary, nullable=True),
    Column("reporter_key", String(64), nullable=False),
    Column("new_reporter", Boolean, nullable=False, default=False),
    Column("weight", Float, nullable=False, default=0.0),
    Column("held", Boolean, nullable=False, default=False),
    Column("set_aside", Boolean, nullable=False, default=False),
    Column("campaign_id", String(40), nullable=True),
    Column("event_id", String(32), nullable=False),
    Column("received_at", String(32), nullable=False),
    Index("ix_public_reports_subject", "subject_type", "subject_id", "received_at"),
    Index("ix_public_reports_reporter", "reporter_key", "received_at"),
)

reporters = Table(
    "reporters",
    metadata,
    Column("reporter_key", String(64), primary_key=True),
    Column("first_seen_at", String(32), nullable=False),
    Column("account_created_at", String(32), nullable=True),
    Column("muted", Boolean, nullable=False, default=False),
    Column("muted_at", String(32), nullable=True),
    Column("mute_reason", Text, nullable=False, default=""),
)

rate_buckets = Table(
    "rate_buckets",
    metadata,
    Column("bucket_key", String(100), primary_key=True),
    Column("tokens", Float, nullable=False),
    Column("updated_at", String(32), nullable=False),
)

report_campaigns = Table(
    "report_campaigns",
    metadata,
    Column("campaign_id", String(40), primary_key=True),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", String(300), nullable=False),
    Column("detected_at", String(32), nullable=False),
    Column("first_at", String(32), nullable=False),
    Column("last_at", String(32), nullable=False),
    Column("reports", Integer, nullable=False),
    Column("reporters", Integer, nullable=False),
    Column("new_reporters", Integer, nullable=False),
    Column("event_id", String(32), nullable=False),
    Index("ix_report_campaigns_subject", "subject_type", "subject_id", "last_at"),
)


@dataclass(frozen=True)
class ReporterStatement:
    receipt_id: str
    category: str
    text: str
    received_at: str
    set_aside: bool
    held: bool


class ReportStore:
    def __init__(self, conn: Connection, cipher: FieldCipher) -> None:
        self.conn = conn
        self.cipher = cipher

    # -- rate limits ------------------------------------------------------------------------
    def bucket(self, key: str, full: Bucket) -> Bucket:
        """The stored bucket, locked until the transaction ends; a key never seen starts as
        ``full``. The row is written first if missing, so that two transactions taking from a
        new key both wait on one row rather than each reading "none" and spending the same
        token (SQLite serialises writers anyway: BEGIN IMMEDIATE)."""
        dialect = self.conn.dialect.name
        self.conn.execute((postgresql if dialect == "postgresql" else sqlite)
                          .insert(rate_buckets).values(
                              bucket_key=key, tokens=full.tokens,
                              updated_at=format_time(full.updated_at))
                          .on_conflict_do_nothing(index_elements=["bucket_key"]))
        r = self.conn.execute(select(rate_buckets).where(rate_buckets.c.bucket_key == key)
                              .with_for_update()).one()
        return Bucket(r.tokens, parse_time(r.updated_at))

    def save_bucket(self, key: str, b: Bucket) -> None:
        self.conn.execute(update(rate_buckets).where(rate_buckets.c.bucket_key == key)
                          .values(tokens=b.tokens, updated_at=format_time(b.updated_at)))

    # -- reporters --------------------------------------------------------------------------
    def reporter(self, key: str) -> ReporterView:
        r = self.conn.execute(select(reporters).where(reporters.c.reporter_key == key)).first()
        actioned, not_actioned = self.track_record(key)
        if r is None:
            return ReporterView(key, None, None, actioned, not_actioned, False)
        return ReporterView(key, parse_time(r.first_seen_at),
                            parse_time(r.account_created_at) if r.account_created_at else None,
                            actioned, not_actioned, bool(r.muted))

    def touch_reporter(self, key: str, at: datetime, account_created_at: datetime | None
                       ) -> None:
        if self.conn.execute(select(reporters.c.reporter_key).where(
                reporters.c.reporter_key == key)).first() is None:
            self.conn.execute(insert(reporters).values(
                reporter_key=key, first_seen_at=format_time(at),
                account_created_at=format_time(account_created_at) if account_created_at
                else None, muted=False, mute_reason=""))

    def set_muted(self, key: str, muted: bool, at: datetime, reason: str) -> None:
        self.conn.execute(update(reporters).where(reporters.c.reporter_key == key).values(
            muted=muted, muted_at=format_time(at) if muted else None,
            mute_reason=reason if muted else ""))

    def track_record(self, key: str) -> tuple[int, int]:
        """(reports that led to action, reports decided without action), from the current
        state of the cases the reporter's reports are on."""
        s = subject_status
        actioned = func.sum(case((s.c.enforcement.is_not(None), 1), else_=0))
        closed_no_action = and_(s.c.enforcement.is_(None),
                                s.c.review_state == ReviewState.CLOSED.value)
        closed = func.sum(case((closed_no_action, 1), else_=0))
        r = self.conn.execute(
            select(actioned, closed).select_from(public_reports.join(s, and_(
                s.c.subject_type == public_reports.c.subject_type,
                s.c.subject_id == public_reports.c.subject_id)))
            .where(public_reports.c.reporter_key == key)).one()
        return int(r[0] or 0), int(r[1] or 0)

    # -- reports ----------------------------------------------------------------------------
    def add(self, *, receipt_id: str, token_hash: str, platform: str, target_type: str,
            target_ref: str, subject: SubjectRef, category: str, text: str, contact: str,
            reporter_key: str, new_reporter: bool, weight: float, held: bool, set_aside: bool,
            campaign_id: str | None, event_id: str, at: datetime) -> None:
        self.conn.execute(insert(public_reports).values(
            receipt_id=receipt_id, token_hash=token_hash, platform=platform,
            target_type=target_type, target_ref=target_ref, subject_type=subject.type.value,
            subject_id=subject.id, category=category,
            text_enc=self.cipher.encrypt_json(text) if text else None,
            contact_enc=self.cipher.encrypt_json(contact) if contact else None,
            reporter_key=reporter_key, new_reporter=new_reporter, weight=weight, held=held,
            set_aside=set_aside, campaign_id=campaign_id, event_id=event_id,
            received_at=format_time(at)))

    def get(self, receipt_id: str) -> StoredReport | None:
        r = self.conn.execute(select(public_reports).where(
            public_reports.c.receipt_id == receipt_id)).first()
        if r is None:
            return None
        return StoredReport(r.receipt_id, r.token_hash, r.platform, r.target_type, r.target_ref,
                            SubjectRef(SubjectType(r.subject_type), r.subject_id), r.category,
                            r.received_at, bool(r.set_aside), bool(r.held), r.campaign_id)

    def statements(self, subject: SubjectRef, limit: int = 50) -> list[ReporterStatement]:
        """What the public said about ``subject``, newest first: the category each reporter
        chose and the text they wrote, decrypted (for case readers, who log the read; the
        contact stays encrypted)."""
        rows = self.conn.execute(select(
            public_reports.c.receipt_id, public_reports.c.category, public_reports.c.text_enc,
            public_reports.c.received_at, public_reports.c.set_aside, public_reports.c.held)
            .where(public_reports.c.subject_type == subject.type.value,
                   public_reports.c.subject_id == subject.id)
            .order_by(public_reports.c.received_at.desc()).limit(limit))
        return [ReporterStatement(r.receipt_id, r.category,
                                  self.cipher.decrypt_json(r.text_enc) or "", r.received_at,
                                  bool(r.set_aside), bool(r.held)) for r in rows]

    def sightings(self, subject: SubjectRef, since: datetime) -> list[Sighting]:
        rows = self.conn.execute(select(
            public_reports.c.received_at, public_reports.c.reporter_key,
            public_reports.c.new_reporter).where(
            public_reports.c.subject_type == subject.type.value,
            public_reports.c.subject_id == subject.id,
            public_reports.c.received_at >= format_time(since))
            .order_by(public_reports.c.received_at))
        return [Sighting(parse_time(r.received_at), r.reporter_key, bool(r.new_reporter))
                for r in rows]

    def counted_weight(self, subject: SubjectRef) -> float:
        """The summed weight of the reports on a subject that count for its priority."""
        return float(self.conn.execute(select(func.coalesce(func.sum(public_reports.c.weight),
                                                            0.0)).where(
            public_reports.c.subject_type == subject.type.value,
            public_reports.c.subject_id == subject.id,
            public_reports.c.set_aside.is_(False), public_reports.c.held.is_(False))).scalar())

    def counts(self, subject: SubjectRef) -> dict[str, int]:
        q = select(func.count(), func.sum(case((public_reports.c.set_aside.is_(True), 1),
                                               else_=0))).where(
            public_reports.c.subject_type == subject.type.value,
            public_reports.c.subject_id == subject.id)
        total, aside = self.conn.execute(q).one()
        return {"reports": int(total or 0), "set_aside": int(aside or 0)}

    # -- campaigns --------------------------------------------------------------------------
    def add_campaign(self, c: Campaign) -> None:
        self.conn.execute(insert(report_campaigns).values(
            campaign_id=c.campaign_id, subject_type=c.subject.type.value,
            subject_id=c.subject.id, detected_at=c.detected_at,
            first_at=format_time(c.first_at), last_at=format_time(c.last_at),
            reports=c.reports, reporters=c.reporters, new_reporters=c.new_reporters,
            event_id=c.event_id))

    def update_campaign(self, campaign_id: str, *, last_at: datetime, reports: int,
                        reporters: int, new_reporters: int) -> None:
        self.conn.execute(update(report_campaigns).where(
            report_campaigns.c.campaign_id == campaign_id).values(
            last_at=format_time(last_at), reports=reports, reporters=reporters,
            new_reporters=new_reporters))

    def campaign_members(self, campaign_id: str) -> set[str]:
        return {r[0] for r in self.conn.execute(select(public_reports.c.reporter_key).where(
            public_reports.c.campaign_id == campaign_id).distinct())}

    def campaign_totals(self, campaign_id: str) -> tuple[int, int, int]:
        """(reports, distinct reporters, distinct new reporters) marked with the campaign."""
        pr = public_reports
        r = self.conn.execute(select(
            func.count(), func.count(pr.c.reporter_key.distinct()),
            func.count(case((pr.c.new_reporter.is_(True), pr.c.reporter_key)).distinct()))
            .where(pr.c.campaign_id == campaign_id)).one()
        return int(r[0]), int(r[1]), int(r[2])

    def mark_campaign(self, subject: SubjectRef, since: datetime, campaign_id: str) -> None:
        """Tie the new reporters' reports of the window that revealed a campaign to it (their
        events stay as recorded; this is what the reviewer's count reads). Established
        reporters who happened to report in the window are not made members."""
        self.conn.execute(update(public_reports).where(
            public_reports.c.subject_type == subject.type.value,
            public_reports.c.subject_id == subject.id,
            public_reports.c.received_at >= format_time(since),
            public_reports.c.new_reporter.is_(True),
            public_reports.c.campaign_id.is_(None)).values(campaign_id=campaign_id))

    def campaigns(self, subject: SubjectRef | None = None, limit: int = 200) -> list[Campaign]:
        q = select(report_campaigns).order_by(report_campaigns.c.last_at.desc()).limit(limit)
        if subject is not None:
            q = q.where(report_campaigns.c.subject_type == subject.type.value,
                        report_campaigns.c.subject_id == subject.id)
        return [Campaign(r.campaign_id, SubjectRef(SubjectType(r.subject_type), r.subject_id),
                         r.detected_at, parse_time(r.first_at), parse_time(r.last_at), r.reports,
                         r.reporters, r.new_reporters, r.event_id)
                for r in self.conn.execute(q)]
