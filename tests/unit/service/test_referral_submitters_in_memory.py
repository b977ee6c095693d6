"""Referral ids belong to their submitter (on the in-memory unit of work, the same contract as
the database's: tests/integration/storage/test_uow_contract*.py): another requester or
trusted flagger sending the same bytes or the same id gets their own request checked and learns
nothing of the first; and the requester's agency must be a plain name (it reaches notices)."""

from __future__ import annotations

import pytest

from tarazu.referrals.parse import ReferralFileError
from tarazu.service import referrals
from tests.integration.referrals.helpers import document, item, outcomes, run, seed_platform


def test_the_same_bytes_from_another_submitter_are_their_own_request(memory_app):
    app = memory_app
    seed_platform(app)
    doc = document("PTA-9", [item("acc0"), item("journo")])
    first = run(app, doc, by="ministry")
    theirs = run(app, doc, by="flagger")
    assert not theirs.already_imported and theirs.request_id == "PTA-9"
    assert theirs.stored_id != "PTA-9"
    # checked afresh: acc0 is now a duplicate of the ministry's open item
    assert outcomes(theirs)[0][1:] == ("refused", ["duplicate"])
    assert outcomes(first)[0][1:] == ("accepted", [])
    with app.uow() as uow:
        mine = referrals.response_for(uow, app.clock, "PTA-9", submitted_by="flagger")
        assert mine["request_id"] == "PTA-9"
        assert [i["outcome"] for i in mine["items"]][0] == "refused"
        # the other authority's request id is not revealed in the duplicate's explanation
        assert "PTA-9#1" not in str(mine) and "another requester" in str(mine)
        theirs_seen_by_owner = referrals.response_for(uow, app.clock, "PTA-9",
                                                      submitted_by="ministry")
        assert theirs_seen_by_owner["items"][0]["outcome"] == "accepted"
        with pytest.raises(referrals.RequestNotFound):
            referrals.response_for(uow, app.clock, "PTA-9", submitted_by="third")


def test_reusing_an_id_reveals_nothing_but_the_owner_is_still_held_to_it(memory_app):
    app = memory_app
    seed_platform(app)
    run(app, document("PTA-10", [item("acc0")]), by="ministry")
    other = run(app, document("PTA-10", [item("acc1")]), by="flagger")  # no "already used"
    assert not other.already_imported and outcomes(other)[0][1] == "accepted"
    assert run(app, document("PTA-10", [item("acc1")]), by="flagger").already_imported
    with pytest.raises(referrals.DuplicateRequest):
        run(app, document("PTA-10", [item("acc2")]), by="ministry")
    with pytest.raises(ReferralFileError, match="reserved"):
        run(app, document("PTA-10@x", [item("acc2")]), by="flagger")


@pytest.mark.parametrize("agency", ["Agency <script>alert(1)</script>", "FIA\u202eAP",
                                    "A" * 201])
def test_the_agency_must_be_a_plain_name(memory_app, agency):
    app = memory_app
    seed_platform(app)
    doc = document("PTA-11", [item("acc0")]).replace('"Ministry of Interior"',
                                                     f'"{agency}"')
    with pytest.raises(ReferralFileError, match="'requester.agency'"):
        run(app, doc)
    with app.uow() as uow:
        assert uow.referrals.get_request("PTA-11") is None


def test_a_submitted_id_leaves_room_for_its_scope(memory_app):
    app = memory_app
    seed_platform(app)
    with pytest.raises(ReferralFileError, match="at most 180"):
        run(app, document("R" * 181, [item("acc0")]), by="flagger")
    run(app, document("R" * 180, [item("acc0")]), by="ministry")
    assert not run(app, document("R" * 180, [item("acc1")]), by="flagger").already_imported


def test_the_received_time_of_a_referral_is_the_systems(memory_app):
    app = memory_app
    seed_platform(app)
    backdated = document("PTA-12", [item("acc0")]).replace("2025-07-25T09:00:00Z",
                                                           "2020-01-01T00:00:00Z")
    run(app, backdated)  # the document's own date is no receipt time
    with app.uow() as uow:
        assert uow.referrals.get_request("PTA-12")["received_at"].startswith("2025-07-25")
    future = document("PTA-13", [item("acc0")]).replace("2025-07-25T09:00:00Z",
                                                        "2099-01-01T00:00:00Z")
    with pytest.raises(ReferralFileError, match="received_at"):
        run(app, future)  # and a future one is refused by name
