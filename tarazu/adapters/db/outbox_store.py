"""The transactional outbox: pushes to other systems are rows written with the event, sent
after commit, retried with back-off, and each carries an idempotency key."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from tarazu.adapters.db.tables import outbox
from tarazu.domain.chain import canonical_json, format_time
from tarazu.service.records import OutboxMessage, subject_key


class OutboxStore:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, *, idempotency_key: str, destination: str, kind: str,
            payload: dict[str, Any], at: datetime, event_seq: int | None = None) -> bool:
        exists = self.conn.execute(select(outbox.c.id).where(
            outbox.c.idempotency_key == idempotency_key,
            outbox.c.destination == destination)).first()
        if exists:
            return False
        self.conn.execute(insert(outbox).values(
            idempotency_key=idempotency_key, destination=destination, kind=kind,
            payload=canonical_json(payload), event_seq=event_seq, attempts=0,
            next_attempt_at=format_time(at), subject_key=subject_key(payload)))
        return True

    def due(self, now: datetime, limit: int = 50) -> list[OutboxMessage]:
        """Messages whose time has come, oldest first — except one written after another
        message about the same subject that is not delivered yet: it waits for that one
        (which may be backing off), so the platform never gets a notice before the
        enforcement it describes, or a reversal before the action it undoes."""
        earlier = outbox.alias("earlier")
        waiting = (select(earlier.c.id).where(
            earlier.c.destination == outbox.c.destination,
            earlier.c.subject_key == outbox.c.subject_key,
            earlier.c.delivered_at.is_(None), earlier.c.id < outbox.c.id).exists())
        q = (select(outbox).where(outbox.c.delivered_at.is_(None),
                                  outbox.c.next_attempt_at <= format_time(now), ~waiting)
             .order_by(outbox.c.id).limit(limit))
        if self.conn.dialect.name == "postgresql":
            q = q.with_for_update(skip_locked=True)
        return [OutboxMessage(r.id, r.idempotency_key, r.destination, r.kind,
                              json.loads(r.payload), r.attempts) for r in self.conn.execute(q)]

    def claim(self, now: datetime, lease: timedelta, limit: int = 50) -> list[OutboxMessage]:
        """Take due messages for sending: their next attempt moves ``lease`` ahead, so another
        sender leaves them alone while this one sends them outside any transaction."""
        msgs = self.due(now, limit)
        if msgs:
            self.conn.execute(update(outbox).where(outbox.c.id.in_([m.id for m in msgs]))
                              .values(next_attempt_at=format_time(now + lease)))
        return msgs

    def delivered(self, message_id: int, at: datetime) -> None:
        self.conn.execute(update(outbox).where(outbox.c.id == message_id).values(
            delivered_at=format_time(at), attempts=outbox.c.attempts + 1, last_error=None))

    def failed(self, message_id: int, at: datetime, error: str, attempts: int) -> None:
        """Back off exponentially: 2, 4, 8 ... seconds, at most an hour."""
        delay = timedelta(seconds=min(3600, 2 ** (attempts + 1)))
        self.conn.execute(update(outbox).where(outbox.c.id == message_id).values(
            attempts=attempts + 1, last_error=error[:2000],
            next_attempt_at=format_time(at + delay)))

    def retry_now(self, now: datetime) -> int:
        """Make every undelivered message due at once (the platform is back: no message
        should wait out its back-off). Returns how many. Order per subject still holds."""
        r = self.conn.execute(update(outbox).where(outbox.c.delivered_at.is_(None),
                                                   outbox.c.next_attempt_at > format_time(now))
                              .values(next_attempt_at=format_time(now)))
        return int(r.rowcount or 0)

    def pending(self, limit: int = 1000) -> list[OutboxMessage]:
        """Every undelivered message, oldest first, due or not, waiting behind another or not
        (what an operator lists; ``due`` is what a sender may send)."""
        q = (select(outbox).where(outbox.c.delivered_at.is_(None)).order_by(outbox.c.id)
             .limit(limit))
        return [OutboxMessage(r.id, r.idempotency_key, r.destination, r.kind,
                              json.loads(r.payload), r.attempts) for r in self.conn.execute(q)]

    def pending_count(self) -> int:
        return int(self.conn.execute(select(func.count()).select_from(outbox).where(
            outbox.c.delivered_at.is_(None))).scalar_one())
