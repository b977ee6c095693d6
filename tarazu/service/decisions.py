"""Deciding cases: a decision, its confirmation under the two-person rule, and the enforcement
message to the platform when (and only when) the decision takes effect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from tarazu.domain.case import DecisionStatus, parse_until
from tarazu.domain.events import EventKind, SubjectRef, is_automated
from tarazu.domain.policies import Action
from tarazu.domain.statement import build_statement
from tarazu.service import case_view, cases
from tarazu.service.clock import Clock
from tarazu.service.ports import UnitOfWork, UowFactory
from tarazu.service.transaction import committed


@dataclass(frozen=True)
class DecisionOutcome:
    decision_id: str
    status: DecisionStatus  # applied | pending (awaits a second reviewer) | rejected | withdrawn
    seq: int


def _government_request(subject: cases.Subject, now: datetime) -> tuple[bool, str | None]:
    """Whether a government asked, and its name for the notice — withheld while a recorded
    legal bar (``nondisclosure``, optionally ``nondisclosure_until`` a date) forbids naming."""
    for e in subject.history:
        if e.kind is EventKind.REPORT and e.payload.get("source") == "government":
            bar_until = e.payload.get("nondisclosure_until")
            barred = bool(e.payload.get("nondisclosure")) and (
                not bar_until or parse_until(str(bar_until)) > now)
            if barred:
                return True, None
            return True, str(e.payload.get("requester_name") or "a government authority")
    return False, None


def decide(uow: UnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
           action: Action, policy: str, reason: str, actor_is_senior: bool = False,
           evidence: Sequence[str] = (), until: str | None = None, country: str | None = None,
           designation: str | None = None, language: str = "en") -> DecisionOutcome:
    now = clock.now()
    s = cases.load(uow, subject)
    automated = is_automated(actor)
    involved, government = _government_request(s, now)
    statement = build_statement(
        action=action, policy=policy, facts=reason,
        automated_detection=automated or "automated" in s.state.sources,
        automated_decision=automated, government_request=government,
        evidence=evidence, until=until, country=country, language=language,
        government_involved=involved, detection=sorted(s.state.sources),
        designation=designation, subject_type=subject.type.value)
    extra = {"evidence": list(evidence), "until": until, "country": country,
             "designation": designation}
    e = s.decide(actor=actor, at=now, action=action, policy=policy, reason=reason,
                 statement=statement.to_dict(), actor_is_senior=actor_is_senior,
                 extra={k: v for k, v in extra.items() if v})
    rec = cases.save(uow, s)
    applied = s.state.decision(e.event_id)
    assert applied is not None
    if applied.status == DecisionStatus.APPLIED:
        cases.queue_enforcement(uow, s, e.event_id, now, rec[-1].seq)
    return DecisionOutcome(e.event_id, applied.status, rec[-1].seq)


def confirm(uow: UnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
            decision_id: str, actor_is_senior: bool = False) -> DecisionOutcome:
    now = clock.now()
    s = cases.load(uow, subject)
    s.confirm(actor=actor, at=now, decision_id=decision_id, actor_is_senior=actor_is_senior)
    rec = cases.save(uow, s)
    cases.queue_enforcement(uow, s, decision_id, now, rec[-1].seq)
    return DecisionOutcome(decision_id, DecisionStatus.APPLIED, rec[-1].seq)


def reject(uow: UnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
           decision_id: str, reason: str) -> DecisionOutcome:
    s = cases.load(uow, subject)
    s.reject(actor=actor, at=clock.now(), decision_id=decision_id, reason=reason)
    rec = cases.save(uow, s)
    return DecisionOutcome(decision_id, DecisionStatus.REJECTED, rec[-1].seq)


def withdraw(uow: UnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
             decision_id: str, reason: str, actor_is_senior: bool = False) -> DecisionOutcome:
    """Take back a proposal awaiting its second reviewer (recorded, with the reason), so that
    the case can be decided anew; a later decision never silently replaces it."""
    s = cases.load(uow, subject)
    s.withdraw(actor=actor, at=clock.now(), decision_id=decision_id, reason=reason,
               actor_is_senior=actor_is_senior)
    rec = cases.save(uow, s)
    return DecisionOutcome(decision_id, DecisionStatus.WITHDRAWN, rec[-1].seq)


def decide_case(uow_factory: UowFactory, clock: Clock, *, subject: SubjectRef, actor: str,
                action: Action, policy: str, reason: str, actor_is_senior: bool = False,
                evidence: Sequence[str] = (), until: str | None = None,
                country: str | None = None) -> DecisionOutcome | None:
    """A reviewer's decision on ``subject``, committed; None (nothing written) when tarazu
    knows nothing about the subject — a case is never decided on something unknown."""
    with uow_factory() as uow:
        if case_view.load_case(uow, subject) is None:
            return None
        out = decide(uow, clock, subject=subject, actor=actor, action=action, policy=policy,
                     reason=reason, actor_is_senior=actor_is_senior, evidence=evidence,
                     until=until, country=country)
        uow.commit()
    return out


#: The steps on a pending decision as use cases, each in a unit of work of its own.
confirm_decision = committed(confirm)
reject_decision = committed(reject)
withdraw_decision = committed(withdraw)
