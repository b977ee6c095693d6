"""The contract of ``uow.users`` and ``uow.referrals`` (:class:`tarazu.service.ports.Users`,
:class:`tarazu.service.ports.Referrals`) on every unit of work: in memory, SQLite, PostgreSQL
(the fixture ``new_uow`` is in this folder's conftest)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tarazu.domain.roles import Role

T0 = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)


# -- users ----------------------------------------------------------------------------------

def test_a_user_is_added_once_a_name_and_added_again_is_given_new_credentials(new_uow):
    with new_uow() as uow:
        amina = uow.users.add("amina", "h1", frozenset({Role.REVIEWER}), T0, "Amina", "Ops")
        bilal = uow.users.add("bilal", "h2", frozenset({Role.LEGAL, Role.ADMIN}), T0)
        uow.users.set_active(amina.id, False)
        uow.commit()
    with new_uow() as uow:
        assert bilal.id != amina.id
        assert uow.users.by_id(amina.id) == amina.__class__(
            amina.id, "amina", frozenset({Role.REVIEWER}), "Amina", "Ops", False)
        again = uow.users.add("amina", "h3", frozenset({Role.SENIOR_REVIEWER}), T0 + HOUR)
        assert (again.id, again.roles, again.display_name, again.organisation, again.active) == (
            amina.id, frozenset({Role.SENIOR_REVIEWER}), "", "", True)
        uow.users.set_password_hash(bilal.id, "h4")
        uow.commit()
    with new_uow() as uow:
        assert uow.users.by_name("amina") == (again, "h3")
        assert uow.users.by_name("bilal") == (bilal, "h4")
        assert uow.users.by_name("nobody") is None and uow.users.by_id(999) is None
        assert [u.username for u in uow.users.all()] == ["amina", "bilal"]


def test_a_token_finds_its_live_user_until_it_is_revoked(new_uow):
    with new_uow() as uow:
        u = uow.users.add("bot", "h", frozenset({Role.MONITOR}), T0)
        uow.users.add_token(u.id, "scraper", "secret-1", T0)
        uow.users.add_token(u.id, "scraper", "secret-2", T0)
        uow.users.add_token(u.id, "other", "secret-3", T0)
        uow.commit()
    with new_uow() as uow:
        assert uow.users.by_token("secret-1") == u
        assert uow.users.by_token("wrong") is None
        assert uow.users.revoke_tokens(u.id, T0 + HOUR, name="scraper") == 2
        assert uow.users.revoke_tokens(u.id, T0 + HOUR, name="scraper") == 0  # already
        assert uow.users.by_token("secret-1") is None
        assert uow.users.by_token("secret-3") == u
        uow.users.set_active(u.id, False)
        assert uow.users.by_token("secret-3") is None  # a disabled user's token does nothing
        uow.commit()


def test_the_same_token_cannot_be_issued_twice(new_uow):
    with new_uow() as uow:
        u = uow.users.add("bot", "h", frozenset({Role.MONITOR}), T0)
        uow.users.add_token(u.id, "a", "same", T0)
        with pytest.raises(IntegrityError):
            uow.users.add_token(u.id, "b", "same", T0)


def test_a_session_lasts_until_it_expires_or_ends(new_uow):
    with new_uow() as uow:
        u = uow.users.add("amina", "h", frozenset({Role.REVIEWER}), T0)
        other = uow.users.add("bilal", "h", frozenset({Role.REVIEWER}), T0)
        uow.users.add_session("s1", u.id, "csrf1", T0, T0 + HOUR)
        uow.users.add_session("s2", u.id, "csrf2", T0, T0 + HOUR)
        uow.users.add_session("s3", other.id, "csrf3", T0, T0 + HOUR)
        uow.users.add_token(u.id, "t", "tok", T0)
        uow.commit()
    with new_uow() as uow:
        s = uow.users.session("s1", T0 + HOUR - timedelta(microseconds=1))
        assert s is not None and (s.user, s.csrf_token) == (u, "csrf1")
        assert s.expires_at == "2025-07-25T10:00:00.000000Z"
        assert uow.users.session("s1", T0 + HOUR) is None  # expired at its time
        assert uow.users.session("nope", T0) is None
        uow.users.end_session("s2")
        assert uow.users.session("s2", T0) is None
        assert uow.users.end_all_sessions(u.id, T0) == (1, 1)
        assert uow.users.session("s1", T0) is None and uow.users.by_token("tok") is None
        assert uow.users.session("s3", T0) is not None  # another user's stays
        uow.users.set_active(other.id, False)
        assert uow.users.session("s3", T0) is None
        with pytest.raises(IntegrityError):
            uow.users.add_session("s3", u.id, "x", T0, T0 + HOUR)


# -- referrals ------------------------------------------------------------------------------

def _request(uow, request_id: str, at: datetime, by: str | None = "ministry") -> None:
    uow.referrals.add_request(request_id=request_id, requester={
        "type": "government", "country": "PK", "agency": "Ministry", "note": ("a", "b")},
        received_at=at, document_sha256="d" * 64, submitted_by=by)


def _item(uow, request_id: str, line: int, account_id: str | None, outcome: str) -> None:
    uow.referrals.add_item(request_id=request_id, line=line, account_ref=f"@{account_id}",
                           platform="x", account_id=account_id,
                           item={"ref": f"@{account_id}", "tags": ("t",)}, outcome=outcome,
                           reasons=["r1"])


def test_referral_requests_are_kept_as_received_and_listed_oldest_first(new_uow):
    with new_uow() as uow:
        _request(uow, "R2", T0 + HOUR)
        _request(uow, "R1", T0 + 2 * HOUR)
        uow.referrals.add_request(request_id="R3", requester={}, received_at=T0,
                                  document_sha256="e" * 64, submitted_by=None)
        uow.commit()
    with new_uow() as uow:
        assert uow.referrals.has_request("R1") and not uow.referrals.has_request("R9")
        r = uow.referrals.get_request("R1")
        assert r is not None
        assert {k: r[k] for k in ("request_id", "requester_type", "country", "agency",
                                  "received_at", "submitted_by", "document_sha256")} == {
            "request_id": "R1", "requester_type": "government", "country": "PK",
            "agency": "Ministry", "received_at": "2025-07-25T11:00:00.000000Z",
            "submitted_by": "ministry", "document_sha256": "d" * 64}
        assert r["requester"] == ('{"type": "government", "country": "PK", "agency": '
                                  '"Ministry", "note": ["a", "b"]}')
        plain = uow.referrals.get_request("R3")
        assert plain is not None and (plain["requester_type"], plain["country"]) == ("public", "")
        assert uow.referrals.get_request("R9") is None
        assert [x["request_id"] for x in uow.referrals.requests()] == ["R3", "R2", "R1"]
        assert [x["request_id"] for x in uow.referrals.requests("ministry")] == ["R2", "R1"]
        with pytest.raises(IntegrityError):
            _request(uow, "R1", T0)


def test_referral_items_keep_their_line_order_and_outcome(new_uow):
    with new_uow() as uow:
        _request(uow, "R1", T0)
        _request(uow, "R2", T0 + HOUR)
        _item(uow, "R1", 2, "a1", "accepted")
        _item(uow, "R1", 1, "a2", "refused")
        _item(uow, "R1", 3, None, "returned")
        _item(uow, "R2", 1, "a1", "escalated")
        uow.commit()
    with new_uow() as uow:
        items = uow.referrals.items("R1")
        assert [(i.line, i.account_id, i.outcome) for i in items] == [
            (1, "a2", "refused"), (2, "a1", "accepted"), (3, None, "returned")]
        assert items[0].item == {"ref": "@a2", "tags": ["t"]} and items[0].reasons == ["r1"]
        uow.referrals.set_outcome("R1", 1, "accepted", ["checked", "again"])
        uow.commit()
    with new_uow() as uow:
        first = uow.referrals.items("R1")[0]
        assert (first.outcome, first.reasons) == ("accepted", ["checked", "again"])
        assert [(i.request_id, i.line) for i in uow.referrals.items_naming("x", "a1")] == [
            ("R1", 2), ("R2", 1)]
        assert [(i.request_id, i.line) for i in uow.referrals.items_naming(
            "x", "a1", outcomes=("escalated",))] == [("R2", 1)]
        assert uow.referrals.items_naming("y", "a1") == []
        assert uow.referrals.outcome_counts() == {"accepted": 2, "returned": 1, "escalated": 1}
        assert uow.referrals.outcome_counts("R2") == {"escalated": 1}
        assert uow.referrals.items("R9") == []
        with pytest.raises(IntegrityError):
            _item(uow, "R1", 2, "a9", "accepted")
