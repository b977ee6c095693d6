"""Withdrawing an account from the mirror reference set changes what tarazu flags: it is
recorded through the account's aggregate, so the chain and the case projection both carry it,
and doing it twice records it once. On the in-memory unit of work (the same contract as the
database's: tests/integration/storage/test_uow_contract*.py)."""

from __future__ import annotations

from datetime import timedelta

from tarazu.domain.events import EventKind
from tarazu.service import mirror_reference
from tests.integration.due_process.conftest import add_account, report


def test_a_withdrawal_is_an_event_on_the_account_and_moves_its_projection(memory_app):
    app = memory_app
    ref = add_account(app, "orig")
    report(app, ref)
    later = app.clock.now() + timedelta(hours=2)
    with app.uow() as uow:
        assert mirror_reference.withdraw_from_reference(uow, ref, at=later, decision_id="d1",
                                                        actor="rev1")
        assert not mirror_reference.withdraw_from_reference(uow, ref, at=later)
        uow.commit()
    with app.uow() as uow:
        notes = [e for e in uow.events.for_subject(ref) if e.kind is EventKind.NOTE]
        row = uow.status.get(ref)
        assert mirror_reference.is_withdrawn(uow, ref)
    assert [(n.actor, dict(n.payload)) for n in notes] == [
        ("rev1", {"reference": "withdrawn", "decision_id": "d1",
                  "reason": "its removal was reversed"})]
    assert row.last_event_at.startswith(later.strftime("%Y-%m-%dT%H:%M"))
