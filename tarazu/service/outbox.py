"""Sending what the outbox holds, after commit; failures are retried later with back-off."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.adapters.webhooks import DeliveryError
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.service.clock import Clock
from tarazu.service.ports import PlatformAdapter, UowFactory


@dataclass(frozen=True)
class DeliveryReport:
    delivered: int
    failed: int


def deliver_due(uow_factory: UowFactory, adapter: PlatformAdapter, clock: Clock,
                limit: int = 100) -> DeliveryReport:
    delivered = failed = 0
    with uow_factory() as uow:
        for msg in uow.outbox.due(clock.now(), limit):
            try:
                adapter.send(msg.destination, msg.idempotency_key, msg.payload)
            except DeliveryError as e:
                uow.outbox.failed(msg.id, clock.now(), str(e), msg.attempts)
                failed += 1
            else:
                uow.outbox.delivered(msg.id, clock.now())
                if msg.kind in ("enforcement", "reversal", "expiry"):
                    p = msg.payload
                    ref = SubjectRef(SubjectType(p["subject_type"]),
                                     f"{p['platform']}:{p['subject_id']}")
                    uow.events.append(ModerationEvent(
                        EventKind.ACTION_DELIVERED, ref, "system:outbox", clock.now(),
                        {"decision_id": p.get("decision_id"), "kind": msg.kind,
                         "action": p.get("action"), "delivery": msg.idempotency_key}),
                        idempotency_key=f"delivered:{msg.idempotency_key}")
                delivered += 1
            uow.commit()
    return DeliveryReport(delivered, failed)
