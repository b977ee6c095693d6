"""The reference set of mirror detection: accounts removed for a violation, against which new
accounts are compared. An account whose removal is reversed must leave it — otherwise tarazu
keeps flagging "mirrors" of someone who did nothing wrong.

Hook for the linker: :func:`withdraw_from_reference` records a NOTE event
``{"reference": "withdrawn"}`` on the account and adds ``(platform, account_id)`` to the table
``mirror_reference_withdrawn``; the linker's index reads :func:`withdrawn_references` (or the
table) and drops those accounts from its reference set."""

from __future__ import annotations

from datetime import datetime

from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType, utcnow
from tarazu.domain.payloads import Note
from tarazu.service import cases
from tarazu.service.ports import StoreUnitOfWork

#: The ``reference`` field of the note that withdraws an account from the set.
WITHDRAWN = "withdrawn"


def is_withdrawal(e: ModerationEvent) -> bool:
    """Whether ``e`` is the note that withdrew its account from the reference set (how a
    process that holds the set catches up from the log)."""
    return (e.kind is EventKind.NOTE and e.subject.type is SubjectType.ACCOUNT
            and e.payload.get("reference") == WITHDRAWN)


def _ref(account_ref: SubjectRef | str) -> SubjectRef:
    if isinstance(account_ref, SubjectRef):
        if account_ref.type is not SubjectType.ACCOUNT:
            raise ValueError(f"{account_ref} is not an account")
        return account_ref
    if ":" not in account_ref:
        raise ValueError(f"account reference {account_ref!r} must be 'platform:account_id'")
    return SubjectRef(SubjectType.ACCOUNT, account_ref)


def withdraw_from_reference(uow: StoreUnitOfWork, account_ref: SubjectRef | str, *,
                            at: datetime | None = None, decision_id: str | None = None,
                            reason: str = "its removal was reversed",
                            actor: str = "system:appeals") -> bool:
    """Withdraw an account from the reference set; False if it was withdrawn already. The
    account is marked for scoring in the same transaction, so a running stream worker takes
    it out of the set it holds at its next drain, as it takes in a removal."""
    ref = _ref(account_ref)
    at = at or utcnow()
    if not uow.due_process.withdraw_reference(ref.platform, ref.native_id, at, decision_id,
                                              reason):
        return False
    uow.platform.queue_for_scoring(ref.platform, ref.native_id)
    account = cases.load(uow, ref)  # through the aggregate, like every act on a subject
    account.record(EventKind.NOTE, actor, at,
                   Note(reference=WITHDRAWN, decision_id=decision_id, reason=reason))
    cases.save(uow, account)
    return True


def withdrawn_references(uow: StoreUnitOfWork, platform: str | None = None) -> set[str]:
    """``platform:account_id`` of every account withdrawn from the reference set."""
    return {f"{p}:{a}" for p, a in uow.due_process.withdrawn_references(platform)}


def is_withdrawn(uow: StoreUnitOfWork, account_ref: SubjectRef | str) -> bool:
    ref = _ref(account_ref)
    return (ref.platform, ref.native_id) in uow.due_process.withdrawn_references(ref.platform)
