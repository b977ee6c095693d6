"""Helpers for the due-process tests: synthetic accounts and reports, on the SQL stores or the
in-memory unit of work (tests/unit/service/test_*_in_memory.py)."""

from __future__ import annotations

from datetime import UTC, datetime

from tarazu.bootstrap import App
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Account
from tarazu.domain.policies import Action
from tarazu.service import appeals, cases, decisions

PLATFORM = "x"


def add_account(app: App, account_id: str, *, status: str = "active",
                verified: tuple[str, ...] = ()) -> SubjectRef:
    with app.uow() as uow:
        uow.platform.upsert_account(Account(
            account_id=account_id, handle=f"@{account_id}_handle", platform=PLATFORM,
            created_at=datetime(2024, 1, 2, tzinfo=UTC), status=status,
            display_name=f"Display {account_id}", verified_categories=verified,
            identifiers={"email": f"{account_id}@example.invalid"}))
        uow.commit()
    return SubjectRef.account(PLATFORM, account_id)


def report(app: App, ref: SubjectRef, source: str = "government", **payload) -> None:
    with app.uow() as uow:
        s = cases.load(uow, ref)
        s.record(EventKind.REPORT, "system:referral-check", app.clock.now(),
                 {"source": source, "reporter": "Ministry of Interior / PK",
                  "requester_name": "Ministry of Interior / PK", **payload})
        cases.save(uow, s)
        uow.commit()


def flag_mirror(app: App, ref: SubjectRef, removed: str, probability: float = 0.97) -> None:
    with app.uow() as uow:
        s = cases.load(uow, ref)
        s.record(EventKind.MIRROR_FLAG, "system:mirrors", app.clock.now(),
                 {"removed_account": removed, "probability": probability})
        cases.save(uow, s)
        uow.commit()


def suspended(app: App, account_id: str, *, policy: str = "DOI-2",
              reason: str = "recruitment", appeal_by: str | None = None
              ) -> tuple[SubjectRef, str]:
    """A new account, reported and suspended until 2025-08-20, and appealed through the
    platform ``appeal_by`` when given: its ref and the suspension's decision id."""
    ref = add_account(app, account_id)
    report(app, ref)
    with app.uow() as uow:
        out = decisions.decide(uow, app.clock, subject=ref, actor="reviewer",
                               action=Action.SUSPEND, policy=policy, reason=reason,
                               until="2025-08-20")
        if appeal_by:
            appeals.appeal_by_platform(uow, app.clock, appeal_by, out.decision_id, "context")
        uow.commit()
    return ref, out.decision_id


def reversed_on_appeal(app: App, ref: SubjectRef, decision_id: str) -> None:
    """The platform appeals the decision for the account holder, a journalist, and a third
    reviewer reverses it."""
    with app.uow() as uow:
        appeals.appeal_by_platform(uow, app.clock, "bot", decision_id, "journalist")
        appeals.decide_appeal(uow, app.clock, subject=ref, actor="rev3", outcome="reversed",
                              reason="reporting")
        uow.commit()


def decide_confirmed(app: App, ref: SubjectRef, action: Action, policy: str,
                     actor: str = "rev1", **kw: object) -> decisions.DecisionOutcome:
    """Decide, and confirm as a second reviewer when the decision waits for one."""
    with app.uow() as uow:
        out = decisions.decide(uow, app.clock, subject=ref, actor=actor, action=action,
                               policy=policy, reason="reviewer notes naming @someone_private",
                               **kw)
        if out.status == "pending":
            decisions.confirm(uow, app.clock, subject=ref, actor="rev2",
                              decision_id=out.decision_id)
        uow.commit()
    return out
