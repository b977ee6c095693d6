"""Working the queues: what is due when, who has taken which case, escalation to senior review,
and deciding several cases at once.

Due dates come from each queue's SLA (:data:`tarazu.domain.routing.QUEUES`) counted from when the
case entered review; they are kept in the ``case_deadlines`` projection next to the queue.

Bulk decisions apply one decision to several selected cases in one transaction — all or none.
They are refused for protected accounts (each of those deserves its own senior look) and for
escalated cases unless the reviewer is senior, and for a case whose proposal awaits a second
reviewer (a bulk decision never replaces it); every other rule (two-person rule for severe
sanctions, suspension end dates and lengths) applies to each case as it would alone. One
account with hundreds of reports is already one case, so it never needs a bulk action."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tarazu.domain.case import UNDER_REVIEW, DueProcessError
from tarazu.domain.events import SubjectRef
from tarazu.domain.policies import Action
from tarazu.domain.roles import DECIDERS, SENIOR
from tarazu.domain.routing import QUEUES
from tarazu.service import cases, decisions
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UnitOfWork, UowFactory
from tarazu.service.records import QueueRow
from tarazu.service.transaction import committed, read_only

MAX_BULK = 200


@dataclass(frozen=True)
class QueueEntry:
    row: QueueRow
    due_at: datetime | None
    overdue: bool


@dataclass(frozen=True)
class QueueSummary:
    name: str
    title: str
    sla_hours: float
    open: int
    overdue: int


def entries(uow: StoreUnitOfWork, now: datetime, queue: str | None = None, limit: int = 200,
            offset: int = 0) -> list[QueueEntry]:
    """A queue's cases (all queues when None) with their due dates."""
    rows = uow.status.queue(queue=queue, limit=limit, offset=offset)
    due = uow.due_process.deadlines([r.subject for r in rows])
    return [QueueEntry(r, due.get(r.subject), bool(due.get(r.subject) and due[r.subject] < now))
            for r in rows]


def summary(uow: StoreUnitOfWork, now: datetime) -> list[QueueSummary]:
    """Each queue's open and overdue counts."""
    counts = uow.status.queue_counts()  # counted in the store, not row by row here
    overdue = uow.due_process.overdue_counts(now)
    return [QueueSummary(q.name, q.title, q.sla.total_seconds() / 3600, counts.get(q.name, 0),
                         overdue.get(q.name, 0)) for q in QUEUES.values()]


#: The queues as pages and listings read them, each in a unit of work of its own.
read_entries = read_only(entries)
read_summary = read_only(summary)


def assign(uow: StoreUnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
           assignee: str | None) -> None:
    """A reviewer takes a case (``assignee=None`` gives it back). Only deciders can hold cases,
    and only senior reviewers cases in a senior-only queue."""
    if assignee:
        found = uow.users.by_name(assignee)
        if not found or not found[0].active or not found[0].has(*DECIDERS):
            raise DueProcessError(f"{assignee!r} is not a reviewer who can take cases")
        row = uow.status.get(subject)
        spec = QUEUES.get(row.queue or "") if row else None
        if spec and spec.senior_only and not found[0].has(*SENIOR):
            raise DueProcessError(f"the {spec.name} queue is worked by senior reviewers only")
    s = cases.load(uow, subject)
    s.assign(actor=actor, at=clock.now(), assignee=assignee)
    cases.save(uow, s)


def escalate(uow: StoreUnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
             reason: str) -> None:
    s = cases.load(uow, subject)
    s.escalate(actor=actor, at=clock.now(), reason=reason)
    cases.save(uow, s)


def assign_case(uow_factory: UowFactory, clock: Clock, *, subject: SubjectRef, actor: str,
                assignee: str | None) -> QueueRow | None:
    """:func:`assign`, committed; the case's queue row after the commit."""
    with uow_factory() as uow:
        assign(uow, clock, subject=subject, actor=actor, assignee=assignee)
        uow.commit()
        return uow.status.get(subject)


def escalate_case(uow_factory: UowFactory, clock: Clock, *, subject: SubjectRef, actor: str,
                  reason: str) -> QueueRow | None:
    """:func:`escalate`, committed; the case's queue row after the commit."""
    with uow_factory() as uow:
        escalate(uow, clock, subject=subject, actor=actor, reason=reason)
        uow.commit()
        return uow.status.get(subject)


class BulkError(DueProcessError):
    """One selected case refused the decision; nothing was decided."""


def bulk_decide(uow: UnitOfWork, clock: Clock, *, subjects: Sequence[SubjectRef],
                actor: str, action: Action, policy: str, reason: str,
                actor_is_senior: bool = False, evidence: Sequence[str] = (),
                until: str | None = None, country: str | None = None,
                designation: str | None = None) -> list[decisions.DecisionOutcome]:
    """Decide every selected case the same way, or none (the caller commits)."""
    unique = list(dict.fromkeys(subjects))
    if not unique:
        raise BulkError("select at least one case")
    if len(unique) > MAX_BULK:
        raise BulkError(f"at most {MAX_BULK} cases at once")
    for ref in unique:
        if cases.is_protected(uow, ref):
            raise BulkError(f"{ref} is a protected account: decide it on its own")
        state = cases.load(uow, ref).state
        if state.review_state not in UNDER_REVIEW:
            raise BulkError(f"{ref} is not under review")
        if state.appeal_open:
            raise BulkError(f"{ref} has an open appeal: decide the appeal instead")
        if state.pending_decision is not None:
            raise BulkError(f"{ref} has a proposal awaiting a second reviewer: confirm, "
                            "do not confirm or withdraw it first")
    out = []
    for ref in unique:
        try:
            out.append(decisions.decide(
                uow, clock, subject=ref, actor=actor, action=action, policy=policy,
                reason=reason, actor_is_senior=actor_is_senior, evidence=evidence,
                until=until, country=country, designation=designation))
        except ValueError as e:
            raise BulkError(f"{ref}: {e}") from None
    return out


#: :func:`bulk_decide` in a unit of work of its own: every selected case decided, or none.
bulk_decide_cases = committed(bulk_decide)
