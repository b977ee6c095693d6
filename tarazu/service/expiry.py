"""Timed actions end by themselves: a suspension whose ``until`` has passed gets an EXPIRY
event (actor ``system:expiry``) and the platform is told to reinstate (outbox ``kind="expiry"``,
action ``reinstate``). Run by ``tarazu cases expire`` and periodically by the served app;
running it twice does nothing more."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.domain.case import parse_until
from tarazu.domain.policies import Action
from tarazu.service import cases
from tarazu.service.clock import Clock
from tarazu.service.ports import UowFactory


@dataclass(frozen=True)
class ExpiryReport:
    checked: int
    expired: int


def expire_due(uow_factory: UowFactory, clock: Clock) -> ExpiryReport:
    """Expire every applied suspension whose end has passed; one transaction per subject."""
    checked = expired = 0
    with uow_factory() as uow:
        subjects = uow.due_process.subjects_enforced(Action.SUSPEND.value)
    for ref in subjects:
        checked += 1
        with uow_factory() as uow:
            s = cases.load(uow, ref)
            d = s.state.applied_decision
            now = clock.now()
            if d is None or d.action is not Action.SUSPEND or not d.until:
                continue
            if parse_until(d.until) > now:
                continue
            s.expire(at=now, decision_id=d.decision_id)
            rec = cases.save(uow, s)
            cases.queue_enforcement(uow, s, d.decision_id, now, rec[-1].seq, kind="expiry",
                                    override_action="reinstate")
            uow.commit()
            expired += 1
    return ExpiryReport(checked, expired)
