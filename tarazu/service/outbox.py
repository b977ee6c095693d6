"""Sending what the outbox holds, after commit; failures are retried later with back-off."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.service.clock import Clock
from tarazu.service.ports import CaseUowFactory, DeliveryError, PlatformAdapter, UnitOfWork
from tarazu.service.records import OutboxMessage


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
    A crash between sending and recording means a resend: the platform dedups by delivery id."""
    with uow_factory() as uow:
        msgs = uow.outbox.claim(clock.now(), LEASE, limit)
        uow.commit()
    delivered = failed = 0
    for msg in msgs:
        try:
            adapter.send(msg.destination, msg.idempotency_key, msg.payload)
        except DeliveryError as e:
            with uow_factory() as uow:
                uow.outbox.failed(msg.id, clock.now(), str(e), msg.attempts)
                uow.commit()
            failed += 1
            continue
        with uow_factory() as uow:
            uow.outbox.delivered(msg.id, clock.now())
            _record_delivery(uow, msg, clock)
            uow.commit()
        delivered += 1
    return DeliveryReport(delivered, failed)


def _record_delivery(uow: UnitOfWork, msg: OutboxMessage, clock: Clock) -> None:
    """Enforcement that reached the platform is itself an event on the subject."""
    if msg.kind not in ("enforcement", "reversal", "expiry"):
        return
    p = msg.payload
    ref = SubjectRef(SubjectType(p["subject_type"]), f"{p['platform']}:{p['subject_id']}")
    uow.events.append(ModerationEvent(
        EventKind.ACTION_DELIVERED, ref, "system:outbox", clock.now(),
        {"decision_id": p.get("decision_id"), "kind": msg.kind, "action": p.get("action"),
         "delivery": msg.idempotency_key}),
        idempotency_key=f"delivered:{msg.idempotency_key}")
