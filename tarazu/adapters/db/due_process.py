"""Tables and store for due process: queue deadlines (a projection), appeal tokens (only their
hashes), the accounts withdrawn from the mirror-detection reference set, and job watermarks.

None of these is moderation state: that stays in the event log. Deadlines are rebuilt with the
projection; tokens are secrets handed to users; withdrawals mirror NOTE events for fast reads."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    func,
    insert,
    select,
    tuple_,
    update,
)

from tarazu.adapters.db.tables import OPEN_STATES, metadata, queue_due_counts, subject_status
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.events import SubjectRef, SubjectType
from tarazu.service.records import AppealToken

case_deadlines = Table(
    "case_deadlines",
    metadata,
    Column("subject_type", String(16), primary_key=True),
    Column("subject_id", String(300), primary_key=True),
    Column("queue", String(64), nullable=True),
    Column("due_at", String(32), nullable=True),
    Index("ix_case_deadlines_due", "due_at"),
)

appeal_tokens = Table(
    "appeal_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("subject_type", String(16), nullable=False),
    Column("subject_id", String(300), nullable=False),
    Column("decision_id", String(32), nullable=False),
    Column("created_at", String(32), nullable=False),
    Column("expires_at", String(32), nullable=False),
    Column("appeal_id", String(32), nullable=True),  # event id of the appeal filed with it
    Index("ix_appeal_tokens_decision", "decision_id"),
)

mirror_reference_withdrawn = Table(
    "mirror_reference_withdrawn",
    metadata,
    Column("platform", String(64), primary_key=True),
    Column("account_id", String(200), primary_key=True),
    Column("withdrawn_at", String(32), nullable=False),
    Column("decision_id", String(32), nullable=True),
    Column("reason", Text, nullable=False, default=""),
)

job_watermarks = Table(
    "job_watermarks",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("last_seq", BigInteger().with_variant(Integer, "sqlite"), nullable=False),
)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class DueProcessStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- deadlines (projection) ----------------------------------------------------------------
    def save_deadline(self, subject: SubjectRef, queue: str | None, due: datetime | None) -> None:
        key = and_(case_deadlines.c.subject_type == subject.type.value,
                   case_deadlines.c.subject_id == subject.id)
        values = {"queue": queue, "due_at": format_time(due) if due else None}
        if self.conn.execute(select(case_deadlines.c.subject_id).where(key)).first():
            self.conn.execute(update(case_deadlines).where(key).values(**values))
        else:
            self.conn.execute(insert(case_deadlines).values(
                subject_type=subject.type.value, subject_id=subject.id, **values))

    def deadlines(self, subjects: list[SubjectRef]) -> dict[SubjectRef, datetime | None]:
        if not subjects:
            return {}
        keys = {(s.type.value, s.id) for s in subjects}  # the whole key, so the index serves
        rows = self.conn.execute(select(case_deadlines).where(
            tuple_(case_deadlines.c.subject_type, case_deadlines.c.subject_id).in_(keys)))
        found = {SubjectRef(SubjectType(r.subject_type), r.subject_id):
                 parse_time(r.due_at) if r.due_at else None for r in rows}
        return {s: found.get(s) for s in subjects}

    def subjects_enforced(self, action: str) -> list[SubjectRef]:
        """Subjects whose applied action is ``action`` (from the projection)."""
        rows = self.conn.execute(select(subject_status.c.subject_type, subject_status.c.subject_id)
                                 .where(subject_status.c.enforcement == action)
                                 .order_by(subject_status.c.subject_id))
        return [SubjectRef(SubjectType(r.subject_type), r.subject_id) for r in rows]

    def overdue_counts(self, now: datetime) -> dict[str, int]:
        """Cases under review past their due date, per queue: the kept counts of the hours
        that have passed, and the cases of the current hour counted from the projection's
        index of open cases by due date (one hour's range of it, whatever the queue's size)."""
        hour = format_time(now)[:13]  # "2026-12-05T11": before every time within that hour
        k, s = queue_due_counts, subject_status
        out: dict[str, int] = {}
        for queue, n in self.conn.execute(
                select(k.c.queue, func.sum(k.c.cases)).where(k.c.due_hour < hour)
                .group_by(k.c.queue)):
            out[queue or "unrouted"] = out.get(queue or "unrouted", 0) + int(n)
        for queue, n in self.conn.execute(
                select(s.c.queue, func.count())
                .where(s.c.review_state.in_(OPEN_STATES), s.c.due_at >= hour,
                       s.c.due_at < format_time(now)).group_by(s.c.queue)):
            out[queue or "unrouted"] = out.get(queue or "unrouted", 0) + int(n)
        return {q: n for q, n in out.items() if n}

    # -- appeal tokens -------------------------------------------------------------------------
    def add_token(self, token: str, subject: SubjectRef, decision_id: str, at: datetime,
                  expires_at: datetime) -> None:
        self.conn.execute(insert(appeal_tokens).values(
            token_hash=token_hash(token), subject_type=subject.type.value, subject_id=subject.id,
            decision_id=decision_id, created_at=format_time(at),
            expires_at=format_time(expires_at)))

    def token(self, token: str) -> AppealToken | None:
        r = self.conn.execute(select(appeal_tokens).where(
            appeal_tokens.c.token_hash == token_hash(token))).first()
        if r is None:
            return None
        return AppealToken(SubjectRef(SubjectType(r.subject_type), r.subject_id), r.decision_id,
                           parse_time(r.created_at), parse_time(r.expires_at), r.appeal_id)

    def token_used(self, token: str, appeal_id: str) -> None:
        self.conn.execute(update(appeal_tokens).where(
            appeal_tokens.c.token_hash == token_hash(token)).values(appeal_id=appeal_id))

    # -- mirror reference set ------------------------------------------------------------------
    def withdraw_reference(self, platform: str, account_id: str, at: datetime,
                           decision_id: str | None, reason: str) -> bool:
        key = and_(mirror_reference_withdrawn.c.platform == platform,
                   mirror_reference_withdrawn.c.account_id == account_id)
        if self.conn.execute(select(mirror_reference_withdrawn.c.account_id).where(key)).first():
            return False
        self.conn.execute(insert(mirror_reference_withdrawn).values(
            platform=platform, account_id=account_id, withdrawn_at=format_time(at),
            decision_id=decision_id, reason=reason))
        return True

    def withdrawn_references(self, platform: str | None = None) -> set[tuple[str, str]]:
        q = select(mirror_reference_withdrawn.c.platform, mirror_reference_withdrawn.c.account_id)
        if platform:
            q = q.where(mirror_reference_withdrawn.c.platform == platform)
        return {(r.platform, r.account_id) for r in self.conn.execute(q)}

    # -- job watermarks ------------------------------------------------------------------------
    def watermark(self, name: str) -> int:
        v = self.conn.execute(select(job_watermarks.c.last_seq).where(
            job_watermarks.c.name == name)).scalar()
        return int(v or 0)

    def set_watermark(self, name: str, seq: int) -> None:
        if self.conn.execute(select(job_watermarks.c.name).where(
                job_watermarks.c.name == name)).first():
            self.conn.execute(update(job_watermarks).where(job_watermarks.c.name == name)
                              .values(last_seq=seq))
        else:
            self.conn.execute(insert(job_watermarks).values(name=name, last_seq=seq))
