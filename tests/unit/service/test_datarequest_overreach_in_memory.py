"""Authorities cannot overreach (through the service, on the in-memory unit of work: the same
contract as the database's, tests/integration/storage/test_uow_contract*.py): no endless gag on
the user's notice, no gag without a reason, no back- or forward-dated receipt, no instrument
dated in the future, no markup in the agency's name, no bulk request waved through, and no
reading another submitter's request by reusing its id or its bytes."""

from datetime import UTC, date, datetime

import pytest

from tarazu.datarequests.case import DataRequestRuleError
from tarazu.datarequests.model import DataRequestFileError
from tarazu.domain.events import EventKind
from tarazu.domain.platform import Account
from tarazu.domain.roles import Role
from tarazu.service import datarequests as dr
from tests.integration.datarequests.helpers import LEGAL, SENIOR, events, seed, submit

RID = "FIA-2025-0811-07"
WHY = "the investigation would be compromised"


def _fields(err: DataRequestFileError) -> set[str]:
    return {e.field for e in err.errors}


def _stored(app, rid=RID):
    with app.uow() as uow:
        return uow.datarequests.get(rid)


@pytest.mark.parametrize("changes, field", [
    ({"nondisclosure_until": "2999-01-01", "nondisclosure_reason": WHY}, "nondisclosure_until"),
    ({"nondisclosure_until": "2026-01-01"}, "nondisclosure_reason"),
    ({"nondisclosure_until": "indefinite"}, "nondisclosure_reason"),
    ({"instrument__date": "2099-01-01", "received_at": "2099-01-02T00:00:00Z"},
     "instrument.date"),
    ({"period": {"from": "2025-08-01", "to": "2030-01-01"}}, "period.to"),
    ({"agency": "Agency <script>alert(1)</script>"}, "agency"),
    ({"agency": "FIA\u202e AP"}, "agency"),
    ({"agency": "A" * 201}, "agency"),
    ({"instrument__issuer": "Sessions Court <b>Islamabad</b>"}, "instrument.issuer"),
])
def test_implausible_or_unsafe_statements_are_refused_naming_the_field(memory_app, changes, field):
    app = memory_app
    seed(app)
    with pytest.raises(DataRequestFileError) as err:
        submit(app, **changes)
    assert field in _fields(err.value)
    assert _stored(app) is None  # nothing stored, the requester corrects and resends


def test_the_received_time_is_the_systems(memory_app):
    app = memory_app
    seed(app)
    submit(app, received_at="2020-01-01T00:00:00Z")
    assert _stored(app).received_at.startswith(app.clock.now().date().isoformat())
    [e] = events(app, EventKind.DATA_REQUEST)
    assert e.payload["received_at"].startswith("2025-08-11")


def test_every_nondisclosure_is_capped_and_extended_only_by_a_recorded_renewed_order(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, nondisclosure_until="2026-12-01", nondisclosure_reason=WHY)
    assert r.report.nondisclosure_until == date(2026, 2, 7)  # received 2025-08-11 + 180 days
    assert "nondisclosure_capped" in [x.value for x in r.report.reasons]
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        s = dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        uow.commit()
    assert s.notice_due_at == datetime(2026, 2, 7, tzinfo=UTC)
    order = {"type": "court_order", "issuer": "Sessions Court Islamabad",
             "reference": "CrM-1234/2025-R1", "date": "2025-08-11"}
    app.clock.advance(days=170)  # 2026-01-28
    with app.uow() as uow:
        with pytest.raises(DataRequestRuleError, match="reason"):
            dr.extend_nondisclosure(uow, app.clock, request_id=RID, actor="legal1",
                                    roles=LEGAL, until=date(2026, 4, 1), reason=" ",
                                    order=order)
        with pytest.raises(DataRequestRuleError, match="lacks its reference"):
            dr.extend_nondisclosure(uow, app.clock, request_id=RID, actor="legal1",
                                    roles=LEGAL, until=date(2026, 4, 1), reason=WHY,
                                    order={**order, "reference": ""})
        with pytest.raises(DataRequestRuleError, match="at most"):
            dr.extend_nondisclosure(uow, app.clock, request_id=RID, actor="legal1",
                                    roles=LEGAL, until=date(2999, 1, 1), reason=WHY,
                                    order=order)
        with pytest.raises(DataRequestRuleError, match="role legal"):
            dr.extend_nondisclosure(uow, app.clock, request_id=RID, actor="sen",
                                    roles=SENIOR, until=date(2026, 4, 1), reason=WHY,
                                    order=order)
        s = dr.extend_nondisclosure(uow, app.clock, request_id=RID, actor="legal1",
                                    roles=LEGAL, until=date(2026, 4, 1), reason=WHY,
                                    order=order)
        uow.commit()
    assert s.notice_due_at == datetime(2026, 4, 1, tzinfo=UTC)
    [ext] = [e for e in events(app, EventKind.LEGAL_DECISION)
             if e.payload["decision"] == "extend_nondisclosure"]
    assert ext.payload["reason"] == WHY and ext.payload["order"]["reference"].endswith("R1")
    assert dr.run_due(app.uow, app.clock).notices == 0
    app.clock.advance(days=64)  # 2026-04-02
    assert dr.run_due(app.uow, app.clock).notices == 1


def _many(app, n: int) -> list[str]:
    with app.uow() as uow:
        for i in range(n):
            uow.platform.upsert_account(Account(
                f"b{i}", f"@bulk_{i}", datetime(2025, 1, 5, tzinfo=UTC), "active",
                platform="x", identifiers={"email": f"e{i}"}))
        uow.commit()
    return [f"@bulk_{i}" for i in range(n)]


def test_a_bulk_request_is_flagged_and_needs_narrowing_or_a_recorded_justification(memory_app):
    app = memory_app
    seed(app)
    r = submit(app, targets=_many(app, 12))
    assert r.report.outcome.value == "escalated"
    assert "disproportionate" in [x.value for x in r.report.reasons]
    assert any("12 accounts" in w for w in r.report.explanation)
    with app.uow() as uow:
        with pytest.raises(DataRequestRuleError, match="more than 10"):
            dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                       reason="all of them")
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                   reason="all of them", proportionality="each posted the same recruitment "
                                                         "video on the day of the attack")
        with pytest.raises(DataRequestRuleError, match="senior reviewer"):
            dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        dr.confirm(uow, app.clock, request_id=RID, actor="sen1",
                   roles=frozenset({Role.SENIOR_REVIEWER}))
        uow.commit()
    [approval] = [e for e in events(app, EventKind.LEGAL_DECISION)
                  if e.payload["decision"] == "approve"]
    assert approval.payload["proportionality"].startswith("each posted")
    assert approval.payload["senior_required"] is True


def test_a_bulk_request_narrowed_to_the_limit_needs_no_justification(memory_app):
    app = memory_app
    seed(app)
    submit(app, targets=_many(app, 12))
    with app.uow() as uow:
        s = dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL,
                       reason="only the ten named in the order's annex",
                       account_ids=[f"b{i}" for i in range(10)])
        uow.commit()
    assert s.status == "approved" and len(s.scope.targets) == 10 and not s.senior_required


def test_another_submitter_learns_nothing_from_the_same_id_or_bytes(memory_app):
    app = memory_app
    seed(app)
    mine = submit(app, submitted_by="fia_portal", nondisclosure_until="2026-01-01",
                  nondisclosure_reason=WHY)
    theirs = submit(app, submitted_by="other_portal", nondisclosure_until="2026-01-01",
                    nondisclosure_reason=WHY)  # the very same bytes
    assert not theirs.already_imported and theirs.request_id == RID
    assert theirs.report is not None  # checked afresh as their own request
    different = submit(app, submitted_by="third_portal", categories=["subscriber"])
    assert not different.already_imported  # no "already used" for someone else's id
    with app.uow() as uow:
        own = dr.find_own(uow, RID, "other_portal")
        assert own != RID and uow.datarequests.get(own).submitted_by == "other_portal"
        assert dr.find_own(uow, RID, "fia_portal") == RID
        assert dr.find_own(uow, "R-NONE", "other_portal") is None
        assert len(uow.datarequests.list()) == 3
    again = submit(app, submitted_by="fia_portal", nondisclosure_until="2026-01-01",
                   nondisclosure_reason=WHY)
    assert again.already_imported and again.status == mine.status
    with pytest.raises(dr.DuplicateRequest):
        submit(app, submitted_by="other_portal", categories=["content"])
    with pytest.raises(DataRequestFileError, match="reserved"):
        submit(app, submitted_by="other_portal", request_id="X@1")
