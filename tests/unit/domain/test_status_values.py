"""The status enums keep the very strings stored before them: projections, event JSON (which
the chain hashes) and files carry these values, so renaming one would orphan stored data."""

from __future__ import annotations

import json

from tarazu.datarequests.case import PreservationStep, RequestStatus
from tarazu.domain.case import AppealOutcome, DecisionStatus, ReviewState
from tarazu.domain.platform import AccountStatus


def test_the_values_are_the_stored_strings():
    assert [s.value for s in DecisionStatus] == [
        "pending", "applied", "rejected", "withdrawn", "expired", "reversed", "superseded"]
    assert [s.value for s in ReviewState] == ["none", "open", "escalated", "closed"]
    assert [s.value for s in AppealOutcome] == ["upheld", "reversed", "modified"]
    assert [s.value for s in AccountStatus] == ["active", "removed"]
    assert [s.value for s in RequestStatus] == [
        "none", "pending_legal", "approved", "authorised", "disclosed", "refused", "returned",
        "preserved", "preservation_ended"]
    assert [s.value for s in PreservationStep] == ["preserved", "extended", "released", "expired"]


def test_a_member_reads_and_writes_as_its_string():
    assert DecisionStatus.APPLIED == "applied" and "open" in {ReviewState.OPEN}
    assert json.dumps({"was": DecisionStatus.APPLIED}) == '{"was": "applied"}'
    assert f"{RequestStatus.PENDING_LEGAL}" == "pending_legal"
