"""The invariant: no disclosure package without a recorded, approved legal authorisation.

Every path that should not disclose is tried; each must raise NotAuthorised before anything
is read (no DATA_ACCESS event, no DISCLOSURE event, no package row). On the in-memory unit of
work (the same contract as the database's: tests/integration/storage/test_uow_contract*.py)."""

import pytest

from tarazu.datarequests.case import NotAuthorised
from tarazu.domain.events import EventKind, ModerationEvent, SubjectType
from tarazu.service import datarequests as dr
from tests.integration.datarequests.helpers import LEGAL, events, seed, submit

RID = "FIA-2025-0811-07"


def refused(app):
    submit(app, instrument={"type": "none"})


def refused_by_legal(app):
    submit(app)
    with app.uow() as uow:
        dr.refuse(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="no")
        uow.commit()


def agency_letter(app):
    submit(app, instrument__issuer="Ministry of Interior")


def pending(app):
    submit(app)


def approved_without_confirmation(app):
    submit(app)
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        uow.commit()


def confirmation_declined(app):
    approved_without_confirmation(app)
    with app.uow() as uow:
        dr.reject(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL, reason="no")
        uow.commit()


def forged_self_confirmation(app):
    """Someone appends a CONFIRM by the approver straight into the log: still no second
    person, so still no authorisation."""
    approved_without_confirmation(app)
    with app.uow() as uow:
        case = dr.load(uow, RID)
        uow.events.append(ModerationEvent(EventKind.CONFIRM, case.ref, "legal1",
                                          app.clock.now(), {"decision_id":
                                                            case.state.decision_id}))
        uow.commit()


def preservation_only(app):
    submit(app, instrument__type="preservation", instrument__issuer="FIA")


def expired_emergency(app):
    """A provisional emergency approval whose package was not made before the follow-up
    deadline passed (approval recorded through the aggregate, as if production had failed)."""
    submit(app, instrument__type="emergency", instrument__issuer="FIA duty officer",
           emergency={"threat_to_life": True, "description": "threat"})
    with app.uow() as uow:
        case = dr.load(uow, RID)
        case.approve(actor="legal1", roles=LEGAL, at=app.clock.now(), reason="ok")
        dr.save(uow, case)
        uow.commit()
    app.clock.advance(days=8)


def already_disclosed(app):
    submit(app)
    with app.uow() as uow:
        dr.approve(uow, app.clock, request_id=RID, actor="legal1", roles=LEGAL, reason="ok")
        dr.confirm(uow, app.clock, request_id=RID, actor="legal2", roles=LEGAL)
        uow.commit()


@pytest.mark.parametrize("scenario", [
    refused, refused_by_legal, agency_letter, pending, approved_without_confirmation,
    confirmation_declined, forged_self_confirmation, preservation_only, expired_emergency,
    already_disclosed,
])
def test_no_package_without_authorisation(memory_app, scenario):
    app = memory_app
    seed(app)
    scenario(app)
    with app.uow() as uow:
        before_packages = uow.datarequests.package_count()
    before_reads = len(events(app, EventKind.DATA_ACCESS))
    before_disclosures = len(events(app, EventKind.DISCLOSURE))
    with app.uow() as uow, pytest.raises(NotAuthorised):
        dr.produce_package(uow, app.clock, request_id=RID, actor="legal2")
    with app.uow() as uow:
        assert uow.datarequests.package_count() == before_packages
    assert len(events(app, EventKind.DATA_ACCESS)) == before_reads
    assert len(events(app, EventKind.DISCLOSURE)) == before_disclosures



def test_an_emergency_package_is_made_before_the_deadline_not_after(memory_app):
    app = memory_app
    seed(app)
    expired_emergency(app)
    with app.uow() as uow, pytest.raises(NotAuthorised, match="expired"):
        dr.produce_package(uow, app.clock, request_id=RID, actor="legal1")
    app.clock.advance(days=-2)  # within the 7 days: the provisional answer may be produced
    with app.uow() as uow:
        result = dr.produce_package(uow, app.clock, request_id=RID, actor="legal1")
        uow.commit()
    assert result.accounts == 1
    reads = [e for e in events(app, EventKind.DATA_ACCESS)
             if e.subject.type is SubjectType.ACCOUNT]
    assert len(reads) == 1 and "provisional (emergency)" in reads[0].payload["authority"]
