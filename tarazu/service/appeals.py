"""Appeals: the user contests a decision (public page with the secret token from the notice,
or the platform's API on the user's behalf), the appeal goes to the ``appeals`` queue, and a
reviewer who took no part in the contested decision decides it (the domain enforces that).

A **reversal** really undoes: the platform is told to reinstate (outbox ``kind="reversal"``),
the account leaves the reference set of mirror detection, and every decision that relied on it
— mirror-account decisions (policy EVA-1, or a ``relied_on`` naming it) on accounts flagged as
its mirrors — is reversed too and its case re-opened for a fresh review."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from tarazu.domain.case import (
    AppealOutcome,
    DecisionStatus,
    DueProcessError,
    Subject,
    sanction_of,
    suspension_problem,
)
from tarazu.domain.events import EventKind, ReversalCause, SubjectRef, SubjectType
from tarazu.domain.platform import Account
from tarazu.domain.policies import ENFORCING, Action
from tarazu.service import case_view, cases, mirror_reference, notices
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.transaction import committed, read_only

SYSTEM = "system:appeals"
#: What a person reads on a reliance reversal; free to reword (code reads the event's
#: ``cause``, never this text).
RELIANCE_REASON = "relied on a reversed decision"
MAX_STATEMENT = 5000


class AppealError(ValueError):
    """The appeal cannot be filed or decided; the message says why (shown to the user)."""


@dataclass(frozen=True)
class AppealFiled:
    subject: SubjectRef
    decision_id: str
    appeal_id: str


@dataclass(frozen=True)
class AppealDecided:
    subject: SubjectRef
    outcome: str
    decision_id: str
    new_decision_id: str | None = None
    reopened: tuple[SubjectRef, ...] = ()


def _statement(text: str) -> str:
    text = (text or "").strip()
    if len(text) > MAX_STATEMENT:
        raise AppealError(f"field 'statement': at most {MAX_STATEMENT} characters")
    return text


def _file(uow: StoreUnitOfWork, clock: Clock, ref: SubjectRef, decision_id: str, actor: str,
          statement: str) -> AppealFiled:
    s = cases.load(uow, ref)
    try:
        e = s.appeal(actor=actor, at=clock.now(), decision_id=decision_id,
                     statement=_statement(statement))
    except DueProcessError as err:
        raise AppealError(str(err)) from None
    cases.save(uow, s)
    return AppealFiled(ref, decision_id, e.event_id)


def contested(uow: StoreUnitOfWork, token: str, clock: Clock) -> tuple[Subject, str]:
    """The subject and decision a token lets its holder appeal (errors say why not)."""
    t = uow.due_process.token(token)
    if t is None:
        raise AppealError("this appeal link is not valid")
    if t.expires_at <= clock.now():
        raise AppealError("the time to appeal this decision has passed")
    return cases.load(uow, t.subject), t.decision_id


@dataclass(frozen=True)
class Contested:
    """What the public appeal page shows of a token's decision."""
    subject: Subject
    decision_id: str
    filed: bool  # an appeal with this token has been filed


@read_only
def contested_by_token(uow: StoreUnitOfWork, token: str, clock: Clock) -> Contested:
    """The subject and decision a token lets its holder appeal, and whether they have (errors
    say why the token is no good)."""
    s, decision_id = contested(uow, token, clock)
    t = uow.due_process.token(token)
    return Contested(s, decision_id, bool(t and t.appeal_id))


def appeal_with_token(uow: StoreUnitOfWork, clock: Clock, token: str, statement: str
                      ) -> AppealFiled:
    """The public page: the token from the notice is the user's proof of standing."""
    t = uow.due_process.token(token)
    if t is not None and t.appeal_id:
        raise AppealError("an appeal with this link has already been filed")
    s, decision_id = contested(uow, token, clock)
    filed = _file(uow, clock, s.ref, decision_id, "appellant", statement)
    uow.due_process.token_used(token, filed.appeal_id)
    return filed


def appeal_by_platform(uow: StoreUnitOfWork, clock: Clock, actor: str, decision_id: str,
                       statement: str) -> AppealFiled:
    """The platform files an appeal on its user's behalf, naming the decision it contests."""
    rec = uow.events.get(decision_id)
    if rec is None or rec.event.kind is not EventKind.DECISION:
        raise AppealError(f"field 'decision_id': no decision {decision_id!r}")
    return _file(uow, clock, rec.event.subject, decision_id, actor, statement)


def _reinstate(uow: StoreUnitOfWork, s: Subject, decision_id: str, seq: int, clock: Clock
               ) -> None:
    cases.queue_enforcement(uow, s, decision_id, clock.now(), seq, kind="reversal",
                            override_action="reinstate")


def decide_appeal(uow: StoreUnitOfWork, clock: Clock, *, subject: SubjectRef, actor: str,
                  outcome: str, reason: str, actor_is_senior: bool = False,
                  new_decision: Mapping[str, Any] | None = None) -> AppealDecided:
    """Decide the open appeal of ``subject``. ``modified`` needs ``new_decision`` (action,
    policy, reason, optional until/country/evidence) that replaces the contested one; the
    domain refuses one that is not strictly lesser."""
    now = clock.now()
    s = cases.load(uow, subject)
    contested_id = s.state.appealed_decision
    try:
        replacement = None
        if outcome == AppealOutcome.MODIFIED:
            if not new_decision:
                raise DueProcessError("a modified outcome needs the new decision")
            action = Action(str(new_decision.get("action")))
            until = new_decision.get("until")
            if action is Action.SUSPEND and (problem := suspension_problem(until, now)):
                raise DueProcessError(problem)
            replacement = sanction_of(action, str(until) if until else None)
        s.decide_appeal(actor=actor, at=now, outcome=outcome, reason=reason,
                        replacement=replacement)
        new_id = None
        if outcome == AppealOutcome.MODIFIED:
            assert new_decision is not None
            extra = {k: new_decision.get(k) for k in ("until", "country", "evidence",
                                                      "designation") if new_decision.get(k)}
            extra["modifies"] = contested_id
            e = s.decide(actor=actor, at=now, action=action,
                         policy=str(new_decision.get("policy", "")),
                         reason=str(new_decision.get("reason") or reason),
                         actor_is_senior=actor_is_senior, extra=extra)
            new_id = e.event_id
    except ValueError as err:  # DueProcessError, unknown policy or action
        raise AppealError(str(err)) from None
    rec = cases.save(uow, s)
    assert contested_id is not None
    reopened: tuple[SubjectRef, ...] = ()
    if outcome in (AppealOutcome.REVERSED, AppealOutcome.MODIFIED):
        _reinstate(uow, s, contested_id, rec[-1].seq, clock)
    if outcome == AppealOutcome.REVERSED:
        reopened = _undo_reliance(uow, clock, s, contested_id)
    if new_id:
        cases.queue_enforcement(uow, s, new_id, now, rec[-1].seq)
    notices.send_outcome_notice(uow, clock, s, contested_id, outcome, reason)
    return AppealDecided(subject, outcome, contested_id, new_id, reopened)


def _flags_on(uow: StoreUnitOfWork, account: SubjectRef) -> dict[SubjectRef, str]:
    """Subjects flagged as mirrors of ``account``, with the candidate key the flag used."""
    found: dict[SubjectRef, str] = {}
    for rec, payload in uow.events.payloads(EventKind.MIRROR_FLAG.value):
        key = str(payload.get("removed_account", ""))
        if key == account.id or (key == account.native_id
                                 and rec.event.subject.platform == account.platform):
            found.setdefault(rec.event.subject, key)
    return found


def _relied_on(payload: Mapping[str, Any], account: SubjectRef, key: str) -> bool:
    relied = payload.get("relied_on")
    if relied:
        names = [relied] if isinstance(relied, str) else list(relied)
        return key in names or account.id in names
    return payload.get("policy") == "EVA-1"


def _undo_reliance(uow: StoreUnitOfWork, clock: Clock, s: Subject, reversed_id: str
                   ) -> tuple[SubjectRef, ...]:
    """Withdraw a reinstated account from the mirror reference set and reverse (and re-open)
    every decision on its flagged mirrors that relied on it."""
    if s.ref.type is not SubjectType.ACCOUNT:
        return ()
    now = clock.now()
    mirror_reference.withdraw_from_reference(uow, s.ref, at=now, decision_id=reversed_id)
    reopened = []
    for ref, key in sorted(_flags_on(uow, s.ref).items()):
        m = cases.load(uow, ref)
        undone = []
        for e in m.history:
            d = m.state.decision(e.event_id) if e.kind is EventKind.DECISION else None
            if d is None or d.status not in (DecisionStatus.APPLIED, DecisionStatus.PENDING):
                continue
            if d.action not in ENFORCING or not _relied_on(e.payload, s.ref, key):
                continue
            m.reverse(actor=SYSTEM, at=now, decision_id=d.decision_id, reason=RELIANCE_REASON,
                      cause=ReversalCause.RELIED_ON_REVERSED, reopen=True,
                      extra={"relied_on": s.ref.id, "reversed_decision": reversed_id,
                             "withdrawn_candidate": key})
            undone.append((d.decision_id, d.status))
        if not undone:
            continue
        rec = cases.save(uow, m)
        for decision_id, was in undone:
            if was == DecisionStatus.APPLIED:
                _reinstate(uow, m, decision_id, rec[-1].seq, clock)
                notices.send_outcome_notice(uow, clock, m, decision_id, "reversed_reliance",
                                            RELIANCE_REASON, decided_by_other=False)
        reopened.append(ref)
    return tuple(reopened)


#: The use cases the appeal pages and the platform's API call, each in a unit of work of its
#: own that it commits.
file_with_token = committed(appeal_with_token)
file_by_platform = committed(appeal_by_platform)
decide_appeal_case = committed(decide_appeal)


def read_appeal(uow_factory: UowFactory, ref: SubjectRef, reader: str, at: datetime
                ) -> tuple[Subject, Account | None]:
    """The case under appeal and its account for ``reader``, named by handle and display
    name (the read of those two fields logged and committed, as on the case page)."""
    with uow_factory() as uow:
        s = cases.load(uow, ref)
        account = case_view.named_account(uow, reader, ref, "appeal review", at)
        uow.commit()
    return s, account
