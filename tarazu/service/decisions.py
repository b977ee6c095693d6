"""Deciding cases: a decision, its confirmation under the two-person rule, and the enforcement
message to the platform when (and only when) the decision takes effect."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tarazu.adapters.db.uow import SqlUnitOfWork
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.policies import Action
from tarazu.domain.statement import build_statement
from tarazu.service import cases
from tarazu.service.clock import Clock


@dataclass(frozen=True)
class DecisionOutcome:
    decision_id: str
    status: str  # applied | pending (awaits a second reviewer)
    seq: int


def _government_request(uow: SqlUnitOfWork, subject: cases.Subject) -> str | None:
    """The authority that asked, named in the notice (unless a recorded legal bar forbids)."""
    for e in subject.history:
        if e.kind is EventKind.REPORT and e.payload.get("source") == "government":
            if e.payload.get("nondisclosure"):
                return "a government authority (name withheld under a recorded legal bar)"
            return str(e.payload.get("requester_name") or "a government authority")
    return None


def decide(uow: SqlUnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
           action: Action, policy: str, reason: str, actor_is_senior: bool = False,
           evidence: Sequence[str] = (), until: str | None = None, country: str | None = None,
           designation: str | None = None, language: str = "en") -> DecisionOutcome:
    now = clock.now()
    s = cases.load(uow, subject)
    automated = actor.startswith("system:")
    statement = build_statement(
        action=action, policy=policy, facts=reason,
        automated_detection=automated or "automated" in s.state.sources,
        automated_decision=automated, government_request=_government_request(uow, s),
        evidence=evidence, until=until, country=country, language=language)
    extra = {"evidence": list(evidence), "until": until, "country": country,
             "designation": designation}
    e = s.decide(actor=actor, at=now, action=action, policy=policy, reason=reason,
                 statement=statement.to_dict(), actor_is_senior=actor_is_senior,
                 extra={k: v for k, v in extra.items() if v})
    rec = cases.save(uow, s)
    applied = s.state.decision(e.event_id)
    assert applied is not None
    if applied.status == "applied":
        cases.queue_enforcement(uow, s, e.event_id, now, rec[-1].seq)
    return DecisionOutcome(e.event_id, applied.status, rec[-1].seq)


def confirm(uow: SqlUnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
            decision_id: str, actor_is_senior: bool = False) -> DecisionOutcome:
    now = clock.now()
    s = cases.load(uow, subject)
    s.confirm(actor=actor, at=now, decision_id=decision_id, actor_is_senior=actor_is_senior)
    rec = cases.save(uow, s)
    cases.queue_enforcement(uow, s, decision_id, now, rec[-1].seq)
    return DecisionOutcome(decision_id, "applied", rec[-1].seq)


def reject(uow: SqlUnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
           decision_id: str, reason: str) -> DecisionOutcome:
    s = cases.load(uow, subject)
    s.reject(actor=actor, at=clock.now(), decision_id=decision_id, reason=reason)
    rec = cases.save(uow, s)
    return DecisionOutcome(decision_id, "rejected", rec[-1].seq)
