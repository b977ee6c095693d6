"""Mirror detection as a use case, on SQLite and PostgreSQL: flags, the automated decision and
its limits, idempotence, and the reference set kept in step with the store."""

from __future__ import annotations

from datetime import timedelta

from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.service import mirrors
from tarazu.service.mirror_reference import withdraw_from_reference
from tests.integration.mirrors import data
from tests.integration.mirrors.conftest import detector, store

M1 = SubjectRef.account("x", "m1")
REFERENCE = SubjectRef(SubjectType.SYSTEM, "mirrors:reference")


def _events(app, ref, kind=None):
    with app.uow() as uow:
        evs = uow.events.for_subject(ref)
    return [e for e in evs if kind is None or e.kind is kind]


def _score(app, det, account_id):
    with app.uow() as uow:
        out = mirrors.score_account(uow, app.clock, det, "x", account_id)
        uow.commit()
    return out


def test_reference_set_is_the_removed_accounts(reference):
    det = detector(reference)
    assert det.size == 21 and "x:r1" in det and "x:m1" not in det


def test_a_mirror_is_flagged_and_suspended_automatically(reference):
    store(reference, data.mirror())
    det = detector(reference)
    out = _score(reference, det, "m1")
    assert out.flagged == ["x:r1"] and out.decision_status == "applied"
    flag = _events(reference, M1, EventKind.MIRROR_FLAG)[0].payload
    assert flag["removed_account"] == "x:r1" and flag["probability"] >= 0.995
    assert flag["strong_signals"] >= 2 and "identity" in flag["strong_families"]
    assert flag["model"] == "fellegi_sunter_v1/expert"
    bars = {s["comparator"]: s["weight"] for s in flag["signals"]}
    assert bars["own_avatar"] > 3 and abs(
        flag["prior_weight"] + sum(bars.values()) - flag["total"]) < 0.05
    (dec,) = _events(reference, M1, EventKind.DECISION)
    assert dec.actor == "system:mirrors" and dec.automated
    p = dec.payload
    assert p["action"] == "suspend" and p["policy"] == "EVA-1" and p["until"] > "2025-07-25"
    assert p["statement"]["automated_decision"] is True and p["evidence"] == ["x:r1"]
    with reference.uow() as uow:
        row = uow.status.get(M1)
        pending = uow.outbox.pending_count()
    assert row.enforcement == "suspend" and pending == 1
    # the identifiers it compared were read, and the read is on record
    access = _events(reference, M1, EventKind.DATA_ACCESS)
    assert access and access[0].payload["fields"] == ["identifiers"]


def test_rescoring_the_same_result_writes_nothing(reference):
    store(reference, data.mirror())
    det = detector(reference)
    _score(reference, det, "m1")
    with reference.uow() as uow:
        head = uow.events.head()
    again = _score(reference, det, "m1")
    with reference.uow() as uow:
        assert uow.events.head() == head
    assert again.flagged == [] and again.unchanged == ["x:r1"]


def test_without_auto_action_the_flag_opens_a_case_in_the_mirrors_queue(reference):
    store(reference, data.mirror())
    det = detector(reference, auto_action="none")
    out = _score(reference, det, "m1")
    assert out.flagged == ["x:r1"] and out.decision_id is None
    with reference.uow() as uow:
        row = uow.status.get(M1)
    assert row.queue == "mirrors" and row.review_state == "open"


def test_a_protected_account_is_never_actioned_automatically(reference):
    # a verified account that shares every identity signal with the removed one
    store(reference, data.mirror("p1", verified_categories=["journalist"]))
    det = detector(reference)
    out = _score(reference, det, "p1")
    ref = SubjectRef.account("x", "p1")
    assert out.flagged == ["x:r1"] and out.decision_id is None
    assert "protected" in (out.withheld or "")
    assert _events(reference, ref, EventKind.DECISION) == []
    (note,) = _events(reference, ref, EventKind.NOTE)
    assert note.payload["auto_action"] == "withheld"
    with reference.uow() as uow:
        assert uow.status.get(ref).queue == "senior"


def test_a_journalist_covering_the_group_is_not_auto_actioned(reference):
    store(reference, data.journalist())
    det = detector(reference)
    out = _score(reference, det, "j1")
    ref = SubjectRef.account("x", "j1")
    assert _events(reference, ref, EventKind.DECISION) == []
    flags = _events(reference, ref, EventKind.MIRROR_FLAG)
    assert all(f.payload["probability"] < f.payload["thresholds"]["auto_action"] for f in flags)
    assert out.decision_id is None


def test_withdrawn_and_reinstated_accounts_leave_the_reference_set(reference):
    det = detector(reference)
    with reference.uow() as uow:
        withdraw_from_reference(uow, "x:r1", at=reference.clock.now())
        uow.platform.set_status("x", "o1", "active")
        uow.commit()
    with reference.uow() as uow:
        rep = det.refresh(uow)
    assert rep.withdrawn == 2 and "x:r1" not in det and "x:o1" not in det
    store(reference, data.mirror())
    assert _score(reference, det, "m1").flagged == []
    # a new removal joins incrementally
    with reference.uow() as uow:
        uow.platform.set_status("x", "o1", "removed", reference.clock.now())
        uow.commit()
        rep = det.refresh(uow)
    assert rep.added == 1 and "x:o1" in det


def test_a_refresh_replaces_changed_records_and_adds_new_ones_in_one_batch(reference):
    """A refresh indexes what it reads a batch at a time; a batch that holds an account
    already in the set (its record changed) as well as new removals must replace the one and
    add the others, each exactly once."""
    det = detector(reference)
    held = det.size
    store(reference, [data.account("o3", "@gardener3", data.T0 - timedelta(days=203),
                                   "removed", display_name="Orchard Keeper",
                                   bio="Seeds and soil.",
                                   removed_at="2025-06-22T00:00:00Z"),
                      data.account("n1", "@newly_removed", data.T0 - timedelta(days=50),
                                   "removed", display_name="Newly Removed")])
    with reference.uow() as uow:
        rep = det.refresh(uow, clock=reference.clock)
        uow.commit()
    assert rep.added == 2 and det.size == held + 1
    assert det.linker.removed["x:o3"].display_name == "Orchard Keeper"
    assert det.linker.removed["x:n1"].display_name == "Newly Removed"
    assert sorted(det.linker.columns.row) == sorted(det.linker.removed)


def test_the_system_subject_records_the_reference_read(reference):
    detector(reference)
    evs = _events(reference, SubjectRef(SubjectType.SYSTEM, "mirrors:reference"))
    assert evs and evs[0].kind is EventKind.DATA_ACCESS


def test_an_account_older_than_the_removal_is_not_its_mirror(reference):
    """Ban evasion comes after the removal: an account that already existed (the operator's
    other account, or anyone who shares its look) is never flagged as its continuation."""
    sibling = data.mirror("s1")
    sibling[0] = {**sibling[0], "created_at": "2025-06-20T10:00:00Z"}  # before r1's removal
    store(reference, sibling)
    det = detector(reference)
    out = _score(reference, det, "s1")
    assert out.flagged == [] and out.decision_id is None
    store(reference, data.mirror("s2"))  # the same look, made after the removal: flagged
    assert _score(reference, det, "s2").flagged == ["x:r1"]


def test_a_worker_sync_takes_in_removals_made_elsewhere_and_reads_only_those(reference):
    det = detector(reference)
    held = det.size
    store(reference, data.mirror())  # an active account, not in the set
    accesses = len(_events(reference, REFERENCE, EventKind.DATA_ACCESS))
    with reference.uow() as uow:
        rep = det.sync(uow, reference.clock)
        uow.commit()
    assert (rep.added, rep.withdrawn) == (0, 0) and det.size == held
    # nothing read in: no personal data accessed, nothing logged
    assert len(_events(reference, REFERENCE, EventKind.DATA_ACCESS)) == accesses
    # another process removes m1 and withdraws r1 on appeal
    with reference.uow() as uow:
        uow.platform.set_status("x", "m1", "removed", reference.clock.now())
        withdraw_from_reference(uow, "x:r1", at=reference.clock.now())
        uow.commit()
    with reference.uow() as uow:
        rep = det.sync(uow, reference.clock)
        uow.commit()
    assert (rep.added, rep.withdrawn) == (1, 1)
    assert "x:m1" in det and "x:r1" not in det
    # the read of m1's identifiers is on the record
    assert len(_events(reference, REFERENCE, EventKind.DATA_ACCESS)) == accesses + 1
    # and a new sign-up is now scored against m1
    m2 = data.mirror("m2")  # made after m1's removal, as a mirror of it would be
    m2[0] = {**m2[0], "created_at": (reference.clock.now() + timedelta(hours=1)).isoformat()}
    store(reference, m2)
    results = det.score(*_account_and_posts(reference, "m2"))
    assert results and results[0].removed_id == "x:m1"


def _account_and_posts(app, account_id):
    with app.uow() as uow:
        return (uow.platform.get_account("x", account_id),
                uow.platform.posts_of("x", account_id))
