"""Sending what the outbox holds, after commit; failures are retried later with back-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tarazu.domain.events import ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.payloads import ActionDelivered
from tarazu.metrics import WEBHOOK_DELIVERIES, WEBHOOK_RETRIES
from tarazu.service.clock import Clock
from tarazu.service.ports import CaseUowFactory, DeliveryError, PlatformAdapter, UnitOfWork
from tarazu.service.records import OutboxMessage
from tarazu.service.transaction import read_only


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


#: How long a claimed message is left alone by other senders while it is being sent.
LEASE = timedelta(seconds=60)


def deliver_due(uow_factory: CaseUowFactory, adapter: PlatformAdapter, clock: Clock,
                limit: int = 100) -> DeliveryReport:
    """Claim due messages in a short transaction, send them with no transaction open (a slow
    platform must not hold the database), then record each result in its own transaction.
    A crash between sending and recording means a resend: the platform dedups by delivery id.

    Rounds repeat while they deliver something (up to ``limit`` sends): a message held back
    behind an earlier one about the same subject (a notice behind its enforcement) goes as
    soon as that one is delivered, not a whole period later."""
    delivered = failed = 0
    while delivered + failed < limit:
        with uow_factory() as uow:
            msgs = uow.outbox.claim(clock.now(), LEASE, limit - delivered - failed)
            uow.commit()
        if not msgs:
            break
        before = delivered
        for msg in msgs:
            if _send(uow_factory, adapter, clock, msg):
                delivered += 1
            else:
                failed += 1
        if delivered == before:
            break
    return DeliveryReport(delivered, failed)


def deliver_now(uow_factory: CaseUowFactory, adapter: PlatformAdapter, clock: Clock,
                limit: int = 10_000) -> DeliveryReport:
    """The platform is back: every undelivered message is due at once, whatever its
    back-off, and is sent now (each subject's messages still in order)."""
    with uow_factory() as uow:
        uow.outbox.retry_now(clock.now())
        uow.commit()
    return deliver_due(uow_factory, adapter, clock, limit)


def _send(uow_factory: CaseUowFactory, adapter: PlatformAdapter, clock: Clock,
          msg: OutboxMessage) -> bool:
    """Send one claimed message and record the result; True when delivered."""
    if msg.attempts:
        WEBHOOK_RETRIES.inc()
    try:
        adapter.send(msg.destination, msg.idempotency_key, msg.payload)
    except DeliveryError as e:
        with uow_factory() as uow:
            uow.outbox.failed(msg.id, clock.now(), str(e), msg.attempts)
            uow.commit()
        WEBHOOK_DELIVERIES.labels("failed").inc()
        return False
    with uow_factory() as uow:
        uow.outbox.delivered(msg.id, clock.now())
        _record_delivery(uow, msg, clock)
        uow.commit()
    WEBHOOK_DELIVERIES.labels("delivered").inc()
    return True


def _record_delivery(uow: UnitOfWork, msg: OutboxMessage, clock: Clock) -> None:
    """Enforcement that reached the platform is itself an event on the subject."""
    if msg.kind not in ("enforcement", "reversal", "expiry"):
        return
    p = msg.payload
    ref = SubjectRef(SubjectType(p["subject_type"]), f"{p['platform']}:{p['subject_id']}")
    uow.events.append(ModerationEvent.of(
        ref, "system:outbox", clock.now(),
        ActionDelivered(decision_id=p.get("decision_id"), kind=msg.kind,
                        action=p.get("action"), delivery=msg.idempotency_key)),
        idempotency_key=f"delivered:{msg.idempotency_key}")


@read_only
def undelivered(uow: UnitOfWork) -> int:
    """How many messages still wait to be delivered."""
    return uow.outbox.pending_count()
