"""One contract for every unit of work (:class:`tarazu.service.ports.UnitOfWork`): the SQL one
on SQLite and PostgreSQL, and the in-memory one. A use case written against the port, and its
tests run on the in-memory twin, mean what they would on the database only while this suite
passes for all of them. The fixture ``new_uow`` is in this folder's conftest; the other
repositories of :class:`tarazu.service.ports.StoreUnitOfWork` have their contracts in the
sibling files ``test_uow_contract_*.py``."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from tarazu.domain.case import CaseState, DecisionRecord
from tarazu.domain.chain import GENESIS, verify
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.platform import Account, Post
from tarazu.domain.policies import Action

T0 = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
A1 = SubjectRef.account("x", "a1")
A2 = SubjectRef.account("x", "a2")


def _event(ref: SubjectRef = A1, kind: EventKind = EventKind.REPORT, minutes: int = 0,
           **payload: object) -> ModerationEvent:
    return ModerationEvent(kind, ref, "system:test", T0 + timedelta(minutes=minutes),
                           payload or {"source": "public"})


def _account(account_id: str, verified: tuple[str, ...] = ()) -> Account:
    return Account(account_id=account_id, handle=f"@{account_id}", platform="x",
                   created_at=T0, status="active", display_name=account_id,
                   verified_categories=verified, identifiers={"email": "a@example.invalid"})


# -- transactions ---------------------------------------------------------------------------

def test_what_is_committed_is_seen_by_the_next_unit_of_work(new_uow):
    with new_uow() as uow:
        uow.events.append(_event())
        uow.commit()
    with new_uow() as uow:
        assert len(uow.events.for_subject(A1)) == 1


def test_leaving_without_commit_discards_the_work(new_uow):
    with new_uow() as uow:
        uow.events.append(_event())
        uow.outbox.add(idempotency_key="k", destination="x", kind="enforcement",
                       payload={}, at=T0)
    with new_uow() as uow:
        assert uow.events.for_subject(A1) == []
        assert uow.events.head() == (0, GENESIS)
        assert uow.outbox.pending_count() == 0


def test_rollback_discards_only_what_came_after_the_last_commit(new_uow):
    with new_uow() as uow:
        uow.events.append(_event(minutes=1))
        uow.commit()
        uow.events.append(_event(minutes=2))
        uow.rollback()
        assert len(uow.events.for_subject(A1)) == 1
        uow.commit()
    with new_uow() as uow:
        assert [e.occurred_at for e in uow.events.for_subject(A1)] == [T0 + timedelta(minutes=1)]


# -- the event log --------------------------------------------------------------------------

def test_appended_events_form_a_chain_that_verifies(new_uow):
    with new_uow() as uow:
        recs = [uow.events.append(_event(ref, minutes=i))
                for i, ref in enumerate([A1, A2, A1])]
        uow.commit()
    with new_uow() as uow:
        stored = list(uow.events.iter_all())
        assert [r.seq for r in stored] == [1, 2, 3]
        assert verify(stored) == (3, None)
        assert uow.events.head() == (3, recs[-1].hash)
        assert [r.seq for r in uow.events.iter_all(after_seq=2)] == [3]
        assert [r.seq for r in uow.events.iter_all(batch=1)] == [1, 2, 3]


def test_a_retried_append_with_the_same_key_returns_the_stored_event(new_uow):
    with new_uow() as uow:
        first = uow.events.append(_event(), idempotency_key="once")
        again = uow.events.append(_event(minutes=5), idempotency_key="once")
        uow.commit()
        assert again.seq == first.seq and again.event.event_id == first.event.event_id
        assert uow.events.head()[0] == 1


def test_events_come_back_as_json_in_subject_order(new_uow):
    with new_uow() as uow:
        e = _event(minutes=3, evidence=("x:p1", "x:p2"), score=0.5)
        uow.events.append(e)
        uow.events.append(_event(A2))
        uow.events.append(_event(kind=EventKind.COMMENT, text="later"))
        uow.commit()
    with new_uow() as uow:
        got = uow.events.for_subject(A1)
        assert [g.kind for g in got] == [EventKind.REPORT, EventKind.COMMENT]
        assert dict(got[0].payload) == {"evidence": ["x:p1", "x:p2"], "score": 0.5}
        assert got[0].occurred_at == e.occurred_at and got[0].event_id == e.event_id
        stored = uow.events.get(e.event_id)
        assert stored is not None and stored.seq == 1
        assert uow.events.get("missing") is None


def test_subjects_and_payloads_of_one_kind(new_uow):
    post = SubjectRef.post("x", "p1")
    with new_uow() as uow:
        uow.events.append(_event(A1))
        uow.events.append(_event(A1))
        uow.events.append(_event(post))
        uow.events.append(_event(A2, kind=EventKind.COMMENT, text="n"))
        uow.commit()
        assert sorted(uow.events.subjects_with_kind("report")) == sorted([A1, post])
        assert uow.events.subjects_with_kind("report", SubjectType.POST) == [post]
        assert [(r.seq, p) for r, p in uow.events.payloads("comment")] == [(4, {"text": "n"})]


# -- the case projection --------------------------------------------------------------------

def _state(ref: SubjectRef, review: str, priority: int, minutes: int) -> CaseState:
    return CaseState(subject=ref, review_state=review, priority=priority,
                     last_event_at=T0 + timedelta(minutes=minutes))


def test_the_projection_keeps_one_row_a_subject_and_orders_the_queue(new_uow):
    a3 = SubjectRef.account("x", "a3")
    with new_uow() as uow:
        uow.status.save(_state(A1, "open", 1, 5), "general", False, 1)
        uow.status.save(_state(A2, "open", 5, 9), "protected", True, 2)
        uow.status.save(_state(a3, "open", 1, 2), "general", False, 3)
        uow.status.save(_state(A1, "escalated", 1, 6), "general", False, 4)  # replaces
        uow.status.save(_state(SubjectRef.account("x", "a4"), "closed", 9, 1), None, False, 5)
        uow.commit()
    with new_uow() as uow:
        assert [r.subject for r in uow.status.queue()] == [A2, a3, A1]
        assert [r.subject for r in uow.status.queue(queue="general")] == [a3, A1]
        assert [r.subject for r in uow.status.queue(limit=1, offset=1)] == [a3]
        row = uow.status.get(A1)
        assert row is not None and (row.review_state, row.queue, row.protected) == (
            "escalated", "general", False)
        assert uow.status.get(SubjectRef.account("x", "none")) is None
        assert uow.status.counts() == {"open": 2, "escalated": 1, "closed": 1}
        assert uow.status.queue_counts() == {"general": 2, "protected": 1}
        assert uow.status.queue_counts(("closed",)) == {"unrouted": 1}


def test_the_projection_keeps_what_each_case_waits_for_and_filters_the_queue_by_it(new_uow):
    a3, a4 = SubjectRef.account("x", "a3"), SubjectRef.account("x", "a4")
    proposal = DecisionRecord("d1", Action.REMOVE, "TER-1", "r", "reviewer1", T0,
                              needs_confirmation=True)
    with new_uow() as uow:
        uow.status.save(_state(A1, "open", 1, 5), "general", False, 1)
        uow.status.save(replace(_state(A2, "open", 5, 9), decisions=(proposal,)), "general",
                        False, 2)
        uow.status.save(replace(_state(a3, "escalated", 3, 2), appeal_open="e9"), "appeals",
                        False, 3)
        uow.status.save(_state(a4, "escalated", 2, 1), "senior", False, 4)
        uow.status.save(_state(A2, "open", 5, 10), "general", False, 5)  # proposal withdrawn
        uow.commit()
    with new_uow() as uow:
        assert [(r.subject, r.entry_state) for r in uow.status.queue()] == [
            (A2, "open"), (a3, "appealed"), (a4, "escalated"), (A1, "open")]
        assert [r.subject for r in uow.status.queue(entry_state="open")] == [A2, A1]
        assert [r.subject for r in uow.status.queue(entry_state="open", limit=1, offset=1)
                ] == [A1]
        assert [r.subject for r in uow.status.queue(entry_state="appealed")] == [a3]
        assert uow.status.queue(queue="general", entry_state="appealed") == []
        assert uow.status.queue(entry_state="awaiting_second") == []
        uow.status.save(replace(_state(A1, "open", 1, 6), decisions=(proposal,)), "general",
                        False, 6)
        assert [r.subject for r in uow.status.queue(queue="general",
                                                    entry_state="awaiting_second")] == [A1]
        assert uow.status.get(A1).entry_state == "awaiting_second"  # type: ignore[union-attr]


# -- the outbox -----------------------------------------------------------------------------

def test_the_outbox_adds_once_per_key_and_destination(new_uow):
    with new_uow() as uow:
        assert uow.outbox.add(idempotency_key="k", destination="x", kind="enforcement",
                              payload={"b": (1, 2)}, at=T0, event_seq=1)
        assert not uow.outbox.add(idempotency_key="k", destination="x", kind="enforcement",
                                  payload={}, at=T0)
        assert uow.outbox.add(idempotency_key="k", destination="y", kind="enforcement",
                              payload={}, at=T0)
        uow.commit()
    with new_uow() as uow:
        due = uow.outbox.due(T0)
        assert [(m.destination, m.payload, m.attempts) for m in due] == [
            ("x", {"b": [1, 2]}, 0), ("y", {}, 0)]
        assert uow.outbox.due(T0 - timedelta(seconds=1)) == []
        assert uow.outbox.pending_count() == 2


def test_claimed_messages_wait_out_their_lease_and_failures_back_off(new_uow):
    with new_uow() as uow:
        for key in ("k1", "k2"):
            uow.outbox.add(idempotency_key=key, destination="x", kind="enforcement",
                           payload={}, at=T0)
        uow.commit()
    with new_uow() as uow:
        first, second = uow.outbox.claim(T0, timedelta(minutes=1))
        uow.commit()
        assert uow.outbox.due(T0 + timedelta(seconds=59)) == []
        uow.outbox.delivered(first.id, T0)
        uow.outbox.failed(second.id, T0, "refused", attempts=second.attempts)
        uow.commit()
    with new_uow() as uow:
        assert uow.outbox.pending_count() == 1
        assert uow.outbox.due(T0 + timedelta(seconds=1)) == []  # first back-off: 2 s
        (retry,) = uow.outbox.due(T0 + timedelta(seconds=2))
        assert (retry.id, retry.attempts) == (second.id, 1)


# -- subjects and deadlines -----------------------------------------------------------------

def test_protection_comes_from_the_registry_or_the_platform_verification(new_uow):
    with new_uow() as uow:
        assert uow.platform.upsert_account(_account("a1")) == "added"
        assert uow.platform.upsert_account(_account("a1")) == "unchanged"
        uow.platform.upsert_account(_account("a2", verified=("journalist",)))
        assert uow.platform.protect("x", "a1", "human_rights_defender", "registry", "admin", T0)
        assert not uow.platform.protect("x", "a1", "journalist", "registry", "admin", T0)
        # in the registry before the platform sent the account (or without it ever doing so)
        assert uow.platform.protect("x", "a3", "ngo", "registry", "admin", T0)
        uow.commit()
    with new_uow() as uow:
        assert uow.platform.protection("x", "a1") == "human_rights_defender"
        assert uow.platform.protection("x", "a2") == "journalist"
        assert uow.platform.protection("x", "a3") == "ngo"
        assert uow.platform.protection("x", "a9") is None
        plain = uow.platform.get_account("x", "a1")
        assert plain is not None and plain.identifiers == {}
        full = uow.platform.get_account("x", "a1", with_identifiers=True)
        assert full is not None and full.identifiers == {"email": "a@example.invalid"}


def test_a_post_is_found_by_platform_and_id(new_uow):
    post = Post(post_id="p1", account_id="a1", platform="x", created_at=T0, text="hello")
    with new_uow() as uow:
        assert uow.platform.upsert_post(post) == "added"
        uow.commit()
    with new_uow() as uow:
        assert uow.platform.get_post("x", "p1") == post
        assert uow.platform.get_post("y", "p1") is None


def test_a_record_stored_again_is_added_updated_or_unchanged(new_uow):
    post = Post(post_id="p1", account_id="a1", platform="x", created_at=T0, text="hello")
    with new_uow() as uow:
        assert uow.platform.upsert_account(_account("a1"), mark=False) == "added"
        assert uow.platform.upsert_post(post, mark=False) == "added"
        uow.commit()
    with new_uow() as uow:
        assert uow.platform.upsert_account(_account("a1")) == "unchanged"
        assert uow.platform.upsert_post(post) == "unchanged"
        moved = replace(_account("a1"), bio="new bio", removed_at=T0, status="removed")
        assert uow.platform.upsert_account(moved) == "updated"
        assert uow.platform.upsert_post(replace(post, text="edited")) == "updated"
        assert uow.platform.upsert_account(moved) == "unchanged"
        uow.commit()
    with new_uow() as uow:
        got = uow.platform.get_account("x", "a1", with_identifiers=True)
        assert got == moved
        assert uow.platform.get_post("x", "p1") == replace(post, text="edited")


def test_deadlines_are_saved_and_replaced(new_uow):
    due = T0 + timedelta(hours=24, microseconds=7)
    with new_uow() as uow:
        uow.due_process.save_deadline(A1, "general", T0)
        uow.due_process.save_deadline(A1, "general", due)
        uow.due_process.save_deadline(A2, None, None)
        uow.commit()
    with new_uow() as uow:
        a3 = SubjectRef.account("x", "a3")
        assert uow.due_process.deadlines([A1, A2, a3]) == {A1: due, A2: None, a3: None}
        assert uow.due_process.deadlines([]) == {}


def test_the_projection_keeps_when_each_case_is_due_and_filters_the_queue_by_it(new_uow):
    a3 = SubjectRef.account("x", "a3")
    with new_uow() as uow:
        uow.status.save(_state(A1, "open", 1, 5), "general", False, 1, T0 + timedelta(hours=1))
        uow.status.save(_state(A2, "open", 5, 9), "general", False, 2, T0 + timedelta(hours=3))
        uow.status.save(_state(a3, "open", 3, 2), "general", False, 3)  # no due date
        uow.commit()
    with new_uow() as uow:
        assert [r.subject for r in uow.status.queue()] == [A2, a3, A1]
        assert [r.subject for r in uow.status.queue(due_before=T0 + timedelta(hours=4))] == [
            A2, A1]
        assert [r.subject for r in uow.status.queue(due_before=T0 + timedelta(hours=3))] == [
            A1]  # due exactly then is not before it
        assert uow.status.queue(due_before=T0 + timedelta(hours=1)) == []
        uow.status.save(_state(A1, "open", 1, 6), "general", False, 4)  # the due date goes
        assert uow.status.queue(due_before=T0 + timedelta(hours=2)) == []


def test_many_appends_in_one_transaction_chain_and_leave_the_head_at_the_last(new_uow):
    """The head moves with each append inside the transaction (as the transaction reads it)
    and is where the last append left it after the commit; a rolled-back transaction leaves
    it where it was."""
    with new_uow() as uow:
        before = uow.events.head()
        recs = [uow.events.append(_event(minutes=i)) for i in range(5)]
        assert [r.seq for r in recs] == list(range(before[0] + 1, before[0] + 6))
        assert uow.events.head() == (recs[-1].seq, recs[-1].hash)
        uow.commit()
    with new_uow() as uow:
        assert uow.events.head() == (recs[-1].seq, recs[-1].hash)
        uow.events.append(_event(minutes=9))
        uow.rollback()
        assert uow.events.head() == (recs[-1].seq, recs[-1].hash)
        again = uow.events.append(_event(minutes=10))
        assert again.seq == recs[-1].seq + 1 and again.prev_hash == recs[-1].hash
        uow.commit()
    with new_uow() as uow:
        stored = list(uow.events.iter_all())
        assert verify(stored) == (len(stored), None)
        assert uow.events.head() == (again.seq, again.hash)
