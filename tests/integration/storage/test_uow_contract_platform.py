"""The contract of the rest of ``uow.platform`` and ``uow.due_process``
(:class:`tarazu.service.ports.Platform`, :class:`tarazu.service.ports.DueProcess`) on every
unit of work: in memory, SQLite, PostgreSQL (the fixture ``new_uow`` is in this folder's
conftest; the case-deciding part of both is in test_uow_contract.py)."""

from __future__ import annotations

import pickle
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy.exc import IntegrityError

from tarazu.domain.case import CaseState
from tarazu.domain.events import SubjectRef
from tarazu.domain.platform import Account, Post

T0 = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)
HOUR = timedelta(hours=1)
A1 = SubjectRef.account("x", "a1")


def _account(account_id: str, platform: str = "x", handle: str = "", **kw: object) -> Account:
    return Account(account_id=account_id, handle=handle or f"@{account_id}", platform=platform,
                   created_at=T0, status="active", display_name=account_id,
                   identifiers={"email": f"{account_id}@example.invalid"}, **kw)  # type: ignore[arg-type]


def _post(post_id: str, account_id: str = "a1", minutes: int = 0) -> Post:
    return Post(post_id=post_id, account_id=account_id, platform="x",
                created_at=T0 + timedelta(minutes=minutes), text=post_id)


# -- the scoring queue ----------------------------------------------------------------------

def test_a_changed_record_marks_its_account_for_scoring(new_uow):
    with new_uow() as uow:
        uow.platform.upsert_account(_account("a1"))
        uow.platform.upsert_account(_account("a2"), mark=False)
        uow.platform.upsert_post(_post("p1", account_id="a3"))  # its author, not yet stored
        uow.commit()
    with new_uow() as uow:
        marks = uow.platform.queued_for_scoring()
        assert [(p, a) for p, a, _ in marks] == [("x", "a1"), ("x", "a3")]  # oldest first
        assert uow.platform.scoring_backlog() == 2
        assert uow.platform.queued_for_scoring(limit=1) == marks[:1]
        a1_mark = marks[0][2]
        assert uow.platform.upsert_account(_account("a1")) == "unchanged"
        assert uow.platform.queued_for_scoring()[0][2] == a1_mark  # no new mark
        assert not uow.platform.clear_scoring_mark("x", "a1", "an older time")
        assert uow.platform.clear_scoring_mark("x", "a1", a1_mark)
        assert uow.platform.scoring_backlog() == 1
        uow.platform.queue_for_scoring("x", "a2")
        later = uow.platform.queued_for_scoring()[-1][2]
        uow.platform.clear_scoring_marks([("x", "a2"), ("x", "a3")], before=later)
        assert uow.platform.scoring_backlog() == 0


def test_a_batch_clear_keeps_the_marks_set_after_its_read(new_uow):
    with new_uow() as uow:
        uow.platform.queue_for_scoring("x", "a1")
        read_at = uow.platform.queued_for_scoring()[0][2]
        uow.commit()
    with new_uow() as uow:
        uow.platform.queue_for_scoring("x", "a1")  # the record changed again
        uow.platform.clear_scoring_marks([("x", "a1")], before=read_at)
        assert [a for _, a, _ in uow.platform.queued_for_scoring()] == ["a1"]


def test_a_mark_due_later_waits_and_marking_again_keeps_the_earlier_due_time(new_uow):
    """A post marks its author for scoring later (the stream worker's re-score of posts):
    the mark is not listed until due; marked again sooner, it is due at the sooner time;
    marked again later, it keeps the time it had."""
    with new_uow() as uow:
        uow.platform.queue_for_scoring("x", "now")
        uow.platform.queue_many_for_scoring([("x", "later"), ("x", "later")], delay=3600)
        assert [a for _, a, _ in uow.platform.queued_for_scoring()] == ["now"]
        assert uow.platform.scoring_backlog() == 2
        uow.platform.queue_for_scoring("x", "now", delay=3600)  # keeps its earlier due time
        uow.platform.queue_for_scoring("x", "later")  # due now after all
        assert sorted(a for _, a, _ in uow.platform.queued_for_scoring()) == ["later", "now"]
        uow.platform.upsert_account(Account(account_id="s1", handle="@s1", platform="x",
                                            created_at=T0, status="active"))
        assert uow.platform.account_statuses([("x", "s1"), ("x", "missing")]) == {
            ("x", "s1"): "active"}


def test_scoring_reads_the_record_its_protection_its_mark_and_first_posts(new_uow):
    with new_uow() as uow:
        uow.platform.upsert_account(_account("a1", verified_categories=("journalist",)))
        for post_id, minutes in [("p1", 2), ("p3", 0), ("p2", 0)]:  # by time, then id
            uow.platform.upsert_post(_post(post_id, minutes=minutes))
        uow.platform.upsert_account(_account("a2"), mark=False)
        uow.platform.upsert_post(_post("q1", account_id="a9"))  # posts ahead of their author
        uow.commit()
    with new_uow() as uow:
        got = uow.platform.account_for_scoring("x", "a1", posts=2)
        assert got is not None and got.queued_at is not None
        assert got.account == _account("a1", verified_categories=("journalist",))
        assert got.protection == "journalist"
        assert [p.post_id for p in got.posts or []] == ["p2", "p3"]
        plain = uow.platform.account_for_scoring("x", "a1")
        assert plain is not None and plain.posts is None and plain.account == got.account
        unmarked = uow.platform.account_for_scoring("x", "a2", posts=5)
        assert unmarked is not None and (unmarked.queued_at, unmarked.posts) == (None, [])
        ahead = uow.platform.account_for_scoring("x", "a9", posts=5)
        assert ahead is not None and (ahead.account, ahead.protection, ahead.posts) == (
            None, None, None)
        assert uow.platform.account_for_scoring("x", "none") is None
        assert [p.post_id for p in uow.platform.posts_of("x", "a1")] == ["p2", "p3", "p1"]
        assert [p.post_id for p in uow.platform.posts_of("x", "a1", limit=1)] == ["p2"]
        assert uow.platform.count() == {"accounts": 2, "posts": 4}


def test_many_accounts_posts_read_together_are_each_accounts_posts_in_order(new_uow):
    """A build reads its batch's posts in one statement: each account's first posts in the
    order one account's read gives them, the limit per account, none of another platform's
    account of the same id, and an account without posts (or unknown) holding none."""
    with new_uow() as uow:
        for account_id in ("a1", "a2"):
            uow.platform.upsert_account(_account(account_id), mark=False)
        uow.platform.upsert_account(_account("a1", platform="y"), mark=False)
        for post_id, minutes in [("p1", 2), ("p3", 0), ("p2", 0), ("p4", 1)]:
            uow.platform.upsert_post(_post(post_id, minutes=minutes), mark=False)
        uow.platform.upsert_post(_post("q1", account_id="a2", minutes=5), mark=False)
        uow.platform.upsert_post(replace(_post("y1"), platform="y"), mark=False)
        uow.commit()
    with new_uow() as uow:
        keys = [("x", "a1"), ("x", "a2"), ("y", "a1"), ("x", "none")]
        for limit in (1, 3, 200):
            got = uow.platform.posts_of_many(keys, limit=limit)
            assert list(got) == keys
            for platform, account_id in keys:
                assert got[(platform, account_id)] == \
                    uow.platform.posts_of(platform, account_id, limit=limit)
        assert [p.post_id for p in got[("x", "a1")]] == ["p2", "p3", "p4", "p1"]
        assert [p.post_id for p in uow.platform.posts_of_many(keys, 2)[("x", "a1")]] == \
            ["p2", "p3"]
        assert got[("x", "none")] == [] and uow.platform.posts_of_many([], 5) == {}
        # read here, decoded in the process that builds the profiles: the same posts
        rows = uow.platform.posts_of_many_rows(keys, limit=3)
        assert pickle.loads(pickle.dumps(rows)).decode() == uow.platform.posts_of_many(keys, 3)


# -- what the platform did, and reads ---------------------------------------------------------

def test_a_status_set_here_is_kept_until_the_platform_sends_the_record_again(new_uow):
    with new_uow() as uow:
        uow.platform.upsert_account(_account("a1"), mark=False)
        uow.platform.upsert_account(_account("a2"), mark=False)
        uow.platform.set_status("x", "a1", "removed", T0 + HOUR, "spam")
        uow.commit()
    with new_uow() as uow:
        got = uow.platform.get_account("x", "a1")
        assert got is not None
        assert (got.status, got.removed_at, got.removal_reason) == ("removed", T0 + HOUR, "spam")
        assert uow.platform.removed_keys() == {("x", "a1")}
        assert [a for _, a, _ in uow.platform.queued_for_scoring()] == ["a1"]
        # the platform's record as it was: stored again, not taken for unchanged
        assert uow.platform.upsert_account(_account("a1")) == "updated"
        assert uow.platform.removed_keys() == set()
        uow.platform.set_status("x", "a2", "removed", T0, "x")
        uow.platform.set_status("x", "a2", "active", T0, "x")
        back = uow.platform.get_account("x", "a2")
        assert back is not None and (back.removed_at, back.removal_reason) == (None, "")
        # set as the platform's record already has it: still stored again when it comes
        assert uow.platform.upsert_account(_account("a2")) == "updated"
        assert uow.platform.upsert_account(_account("a2")) == "unchanged"


def test_an_account_is_found_by_id_handle_or_profile_link(new_uow):
    with new_uow() as uow:
        uow.platform.upsert_account(_account("1001", handle="@Amina_K"), mark=False)
        uow.platform.upsert_account(_account("1002", handle="bilal"), mark=False)
        uow.platform.upsert_account(_account("1001", platform="y", handle="@other"), mark=False)
        uow.commit()
    with new_uow() as uow:
        for ref in ("1001", "@amina_k", "amina_K", " https://x.example/Amina_K/ "):
            found = uow.platform.find_account("x", ref)
            assert found is not None and found.account_id == "1001", ref
            assert found.identifiers == {}
        found = uow.platform.find_account("x", "@bilal")
        assert found is not None and found.account_id == "1002"
        assert uow.platform.find_account("x", "@other") is None
        assert uow.platform.find_account("x", "nobody") is None


def test_accounts_are_listed_in_key_order_with_filters(new_uow):
    with new_uow() as uow:
        uow.platform.upsert_account(_account("b", platform="y"), mark=False)
        uow.platform.upsert_account(_account("b"), mark=False)
        uow.platform.upsert_account(replace(_account("a"), status="removed", removed_at=T0),
                                    mark=False)
        uow.commit()
    with new_uow() as uow:
        assert [(a.platform, a.account_id) for a in uow.platform.iter_accounts()] == [
            ("x", "a"), ("x", "b"), ("y", "b")]
        assert [a.account_id for a in uow.platform.iter_accounts(status="removed")] == ["a"]
        assert [a.platform for a in uow.platform.iter_accounts(platform="y")] == ["y"]
        assert all(a.identifiers == {} for a in uow.platform.iter_accounts())
        assert [a.identifiers for a in uow.platform.iter_accounts(platform="y",
                                                                  with_identifiers=True)] == [
            {"email": "b@example.invalid"}]


def test_the_protected_registry_lists_its_entries_in_key_order(new_uow):
    with new_uow() as uow:
        uow.platform.protect("y", "a1", "ngo", "import", "admin", T0, "list 3")
        uow.platform.protect("x", "a2", "journalist", "staff", "amina", T0 + HOUR)
        uow.commit()
    with new_uow() as uow:
        rows = uow.platform.protected_registry()
        assert [(r["platform"], r["account_id"], r["category"], r["source"], r["added_by"],
                 r["added_at"], r["note"]) for r in rows] == [
            ("x", "a2", "journalist", "staff", "amina", "2025-07-25T10:00:00.000000Z", ""),
            ("y", "a1", "ngo", "import", "admin", "2025-07-25T09:00:00.000000Z", "list 3")]


# -- due process ----------------------------------------------------------------------------

def test_an_appeal_token_is_found_by_its_secret_and_marked_used(new_uow):
    with new_uow() as uow:
        uow.due_process.add_token("secret", A1, "d1", T0, T0 + 14 * 24 * HOUR)
        uow.commit()
    with new_uow() as uow:
        tok = uow.due_process.token("secret")
        assert tok is not None and (tok.subject, tok.decision_id, tok.created_at,
                                    tok.expires_at, tok.appeal_id) == (
            A1, "d1", T0, T0 + 14 * 24 * HOUR, None)
        assert uow.due_process.token("guess") is None
        uow.due_process.token_used("secret", "e42")
        uow.due_process.token_used("guess", "e43")  # nothing to mark
        uow.commit()
    with new_uow() as uow:
        assert uow.due_process.token("secret").appeal_id == "e42"  # type: ignore[union-attr]
        with pytest.raises(IntegrityError):
            uow.due_process.add_token("secret", A1, "d2", T0, T0 + HOUR)


def test_a_reference_is_withdrawn_once_and_watermarks_move(new_uow):
    with new_uow() as uow:
        assert uow.due_process.withdraw_reference("x", "a1", T0, "d1", "reinstated")
        assert not uow.due_process.withdraw_reference("x", "a1", T0, None, "again")
        assert uow.due_process.withdraw_reference("y", "a1", T0, None, "")
        assert uow.due_process.watermark("mirrors") == 0
        uow.due_process.set_watermark("mirrors", 5)
        uow.due_process.set_watermark("mirrors", 9)
        uow.due_process.set_watermark("other", 1)
        uow.commit()
    with new_uow() as uow:
        assert uow.due_process.withdrawn_references() == {("x", "a1"), ("y", "a1")}
        assert uow.due_process.withdrawn_references("y") == {("y", "a1")}
        assert uow.due_process.watermark("mirrors") == 9
        assert uow.due_process.watermark("other") == 1


def _case(account_id: str, review: str, enforcement: str | None = None) -> CaseState:
    return CaseState(subject=SubjectRef.account("x", account_id), review_state=review,
                     enforcement=enforcement, last_event_at=T0)


def test_enforced_subjects_and_overdue_counts_come_from_the_projection(new_uow):
    now = T0 + 10 * HOUR + timedelta(minutes=30)
    with new_uow() as uow:
        uow.status.save(_case("b", "closed", "suspend"), None, False, 1)
        uow.status.save(_case("a", "open", "suspend"), "general", False, 2, T0)
        uow.status.save(_case("c", "open", "remove"), "general", False, 3, T0 + HOUR)
        uow.status.save(_case("d", "escalated"), "senior", False, 4, T0 + 10 * HOUR)
        uow.status.save(_case("e", "open"), None, False, 5, T0 + 2 * HOUR)  # unrouted
        uow.status.save(_case("f", "open"), "general", False, 6, now)  # due now: not over
        uow.status.save(_case("g", "closed"), "general", False, 7, T0)  # closed: not counted
        uow.status.save(_case("h", "open"), "general", False, 8, T0 + 30 * HOUR)
        uow.status.save(_case("i", "open"), "general", False, 9)  # no due date
        uow.commit()
    with new_uow() as uow:
        assert [s.id for s in uow.due_process.subjects_enforced("suspend")] == ["x:a", "x:b"]
        assert uow.due_process.subjects_enforced("warn") == []
        assert uow.due_process.overdue_counts(now) == {"general": 2, "senior": 1,
                                                       "unrouted": 1}
        uow.status.save(_case("a", "closed", "suspend"), "general", False, 10, T0)
        uow.status.save(_case("d", "escalated"), "senior", False, 11, T0 + 20 * HOUR)
        assert uow.due_process.overdue_counts(now) == {"general": 1, "unrouted": 1}
        assert uow.due_process.overdue_counts(T0) == {}
