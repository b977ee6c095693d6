"""Recording events on subjects: load the aggregate, let it check the rules, append its new
events to the chain, refresh the projection and queue outgoing messages — in one transaction."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from tarazu.domain import routing
from tarazu.domain.case import CaseState, Subject
from tarazu.domain.events import ModerationEvent, RecordedEvent, SubjectRef, SubjectType
from tarazu.domain.policies import Action
from tarazu.service.ports import UnitOfWork
from tarazu.service.transaction import read_only

#: Routing: which named queue a case belongs in (see :mod:`tarazu.domain.routing`).
Router = Callable[[CaseState, bool], str | None]

#: The declarative, ordered default rules; pass another ``routing.Router(rules)`` to ``save``.
default_router: Router = routing.Router(routing.DEFAULT_RULES)


def protection(uow: UnitOfWork, ref: SubjectRef) -> str | None:
    """What protects the subject: the account's category, or its author's for a post (a
    protected journalist's post is decided as carefully as the journalist's account)."""
    if ref.type is SubjectType.POST:
        post = uow.platform.get_post(ref.platform, ref.native_id)
        return uow.platform.protection(ref.platform, post.account_id) if post else None
    if ref.type is not SubjectType.ACCOUNT:
        return None
    return uow.platform.protection(ref.platform, ref.native_id)


def is_protected(uow: UnitOfWork, ref: SubjectRef) -> bool:
    return protection(uow, ref) is not None


def load(uow: UnitOfWork, ref: SubjectRef) -> Subject:
    return Subject(ref, uow.events.for_subject(ref), protected=is_protected(uow, ref))


#: A subject with its history, read in a unit of work of its own (for a page or a listing).
read_subject = read_only(load)


def save(uow: UnitOfWork, subject: Subject, router: Router = default_router,
         idempotency_key: str | None = None) -> list[RecordedEvent]:
    """Append the aggregate's new events and refresh its projection."""
    recorded = []
    for i, e in enumerate(subject.new_events):
        key = f"{idempotency_key}#{i}" if idempotency_key else None
        recorded.append(uow.events.append(e, idempotency_key=key))
    subject.new_events.clear()
    if recorded:
        queue = router(subject.state, subject.protected)
        due = routing.due_at(subject.state, queue)
        uow.status.save(subject.state, queue, subject.protected, recorded[-1].seq, due)
        uow.due_process.save_deadline(subject.ref, queue, due)
    return recorded


def enforcement_message(subject: Subject, decision: ModerationEvent, at: datetime
                        ) -> dict[str, Any]:
    """What the platform receives when a decision takes effect."""
    p = decision.payload
    return {
        "type": "enforcement",
        "decision_id": decision.event_id,
        "platform": subject.ref.platform,
        "subject_type": subject.ref.type.value,
        "subject_id": subject.ref.native_id,
        "action": p["action"],
        "until": p.get("until"),
        "country": p.get("country"),
        "policy": p.get("policy"),
        "automated": decision.automated,
        "statement_of_reasons": p.get("statement", {}),
        "issued_at": at.isoformat(),
    }


def queue_enforcement(uow: UnitOfWork, subject: Subject, decision_id: str, at: datetime,
                      seq: int | None, kind: str = "enforcement",
                      override_action: str | None = None) -> None:
    """Queue the platform message for a decision that has just taken effect (or been undone)."""
    decision = next(e for e in subject.history if e.event_id == decision_id)
    msg = enforcement_message(subject, decision, at)
    if override_action:
        msg["action"] = override_action
        msg["type"] = kind
    if msg["action"] == Action.NO_ACTION.value:
        return
    if seq is not None:
        msg["sequence"] = seq  # the platform ignores a message older than one it has applied
    uow.outbox.add(idempotency_key=f"{kind}:{decision_id}", destination=subject.ref.platform,
                   kind=kind, payload=msg, at=at, event_seq=seq)
