"""The stream worker handles a fetched batch of events in one unit of work: the events in
order, one commit, acknowledged after it. The batch is a matter of cost, never of outcome:
the same events give the same flags whatever the batch size, an event delivered again after
the commit changes nothing, and a batch that fails before its commit, delivered again, ends
as if it had never failed."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from tarazu.adapters.broker import PoisonMessage, Unavailable
from tarazu.adapters.db.uow import SqlUnitOfWork
from tarazu.bootstrap import App, bootstrap
from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.entrypoints.cli.stream import WorkerHandler, build_detector
from tarazu.service import mirrors
from tarazu.service.platform_events import PlatformEventError
from tests.conftest import _fresh_sqlite, make_settings
from tests.integration.mirrors import data
from tests.integration.mirrors.conftest import store


def _event(record: dict[str, Any], kind: str | None = None) -> dict[str, Any]:
    if kind is None:
        kind = "post.created" if record["type"] == "post" else (
            "account.removed" if record["status"] == "removed" else "account.created")
    rid = record.get("post_id") or record["account_id"]
    return {"type": kind, "event_id": f"{kind}:{rid}", "record": record}


def _stream() -> list[dict[str, Any]]:
    """A removal (with its posts), two mirrors of it signing up (one posting), a journalist
    covering the group, and a reinstatement."""
    reinstated = next(r for r in data.removed() if r.get("account_id") == "o3")
    reinstated = {k: v for k, v in reinstated.items() if k not in ("removed_at",
                                                                   "removal_reason")}
    records = [*data.removed()[:31], *data.mirror("m1"), data.mirror("m2")[0],
               *data.journalist()]
    return [*(_event(r) for r in records),
            _event({**reinstated, "status": "active"}, "account.updated")]


def _flags(app: App) -> list[tuple[str, str, float]]:
    with app.uow() as uow:
        return sorted((rec.event.subject.id, p["removed_account"], p["probability"])
                      for rec, p in uow.events.payloads(EventKind.MIRROR_FLAG.value))


def _accounts(app: App) -> set[tuple[str, str]]:
    with app.uow() as uow:
        return {(a.account_id, a.status) for a in uow.platform.iter_accounts()}


@pytest.fixture
def new_app(tmp_path: Path, migrated_sqlite: Path, clock):  # type: ignore[no-untyped-def]
    """A further empty store (SQLite), to run the same events again from scratch."""
    made = []

    def make(name: str) -> App:
        home = tmp_path / name
        home.mkdir()
        _fresh_sqlite(migrated_sqlite, home)
        made.append(bootstrap(make_settings(home, None), clock=clock))
        return made[-1]

    yield make
    for a in made:
        a.engine.dispose()


def _run(app: App, events: list[dict[str, Any]], size: int) -> None:
    detector = build_detector(app)
    for i in range(0, len(events), size):
        out = mirrors.handle_stream_records(app.uow, app.clock, detector, events[i:i + size])
        assert not [o for o in out if isinstance(o, PlatformEventError)]


def test_the_same_events_give_the_same_flags_whatever_the_batch_size(new_app):
    events = _stream()
    runs = {}
    for size in (1, 4, len(events)):
        app = new_app(f"batch{size}")
        _run(app, events, size)
        runs[size] = (_flags(app), _accounts(app))
    flags, accounts = runs[1]
    assert "x:m1" in {s for s, _, _ in flags}, flags
    assert ("o3", "active") in accounts and ("r1", "removed") in accounts
    assert runs[4] == runs[1] and runs[len(events)] == runs[1]


def test_an_event_delivered_again_after_its_commit_changes_nothing(sqlite_app):
    app = sqlite_app
    events = _stream()
    detector = build_detector(app)
    mirrors.handle_stream_records(app.uow, app.clock, detector, events)
    flags = _flags(app)
    with app.uow() as uow:
        head = uow.events.head()
    again = mirrors.handle_stream_records(app.uow, app.clock, detector, events)
    assert {o.change for o in again} == {"unchanged"}  # type: ignore[union-attr]
    assert all(o.scored is None for o in again)  # type: ignore[union-attr]
    assert _flags(app) == flags
    with app.uow() as uow:
        assert uow.events.head() == head  # not one event more in the log


def test_a_malformed_event_is_named_and_the_rest_of_its_batch_is_handled(sqlite_app):
    app = sqlite_app
    events = _stream()[31:34]
    bad = {"type": "account.created", "event_id": "bad-1",
           "record": {"type": "account", "platform": "x", "account_id": "zz"}}
    handler = WorkerHandler(app, build_detector(app))
    results = handler([events[0], bad, *events[1:]], lambda: False)
    assert [type(r) for r in results] == [type(None), PoisonMessage, type(None), type(None)]
    assert "bad-1" in str(results[1]) and "record." in str(results[1])
    assert {"m1", "zz"} & {a for a, _ in _accounts(app)} == {"m1"}


def test_told_to_stop_mid_batch_it_commits_the_events_handled_and_takes_up_no_more(
        sqlite_app):
    app = sqlite_app
    events = _stream()[31:37]  # m1 and its posts
    asked = []

    def stop_after_two() -> bool:
        asked.append(1)
        return len(asked) >= 2

    out = mirrors.handle_stream_records(app.uow, app.clock, build_detector(app), events,
                                        stop_after_two)
    assert len(out) == 2  # the first event, and the one in hand when told to stop
    with app.uow() as uow:
        assert uow.platform.get_account("x", "m1") is not None
        assert uow.platform.get_post("x", "m1-p0") is not None
        assert uow.platform.get_post("x", "m1-p1") is None


def test_a_batch_that_fails_before_its_commit_comes_again_and_ends_as_if_it_never_failed(
        new_app, monkeypatch):
    """Two mirrors of the same removed account sign up in one batch. The batch is handled,
    then the commit fails (the database went away): nothing of it is stored, but the
    detector took both sign-ups in as possible successors. Delivered again, the batch must
    not be scored against that memory — the first mirror would meet the second as a rival
    it has, as far as the store knows, never met — but against a detector built again from
    the store: the flags equal an uninterrupted run's, probabilities included."""
    batch = [_event(data.mirror("m1")[0]), _event(data.mirror("m2")[0]),
             *(_event(r) for r in data.journalist())]

    def prepared(name: str) -> App:
        app = new_app(name)
        store(app, data.removed())
        with app.engine.begin() as c:  # history: the removed accounts are already indexed
            c.exec_driver_sql("DELETE FROM scoring_queue")
        return app

    calm = prepared("calm")
    assert all(r is None for r in WorkerHandler(calm, build_detector(calm))(batch,
                                                                           lambda: False))
    expected = _flags(calm)
    assert "x:m1" in {s for s, _, _ in expected}, expected

    app = prepared("crash")
    handler = WorkerHandler(app, build_detector(app))
    commit = SqlUnitOfWork.commit

    def lost(self: SqlUnitOfWork) -> None:
        raise OperationalError("COMMIT", {}, ConnectionError("server closed the connection"))

    monkeypatch.setattr(SqlUnitOfWork, "commit", lost)
    with pytest.raises(Unavailable):
        handler(batch, lambda: False)
    monkeypatch.setattr(SqlUnitOfWork, "commit", commit)
    assert _flags(app) == []
    assert all(r is None for r in handler(batch, lambda: False))  # delivered again
    assert _flags(app) == expected
    assert handler.rebuilds == 1


def test_an_account_is_read_for_scoring_with_its_record_protection_and_mark(app):
    """What the worker reads first of every account it is sent, in one statement; and a
    record it stores without a mark (it scores it in the same transaction)."""
    from tarazu.interchange import parse_object

    records = [data.account("a1", "@plain", data.T0, identifiers={"email": "a1@x.invalid"}),
               data.account("a2", "@sara", data.T0, verified_categories=["journalist"]),
               *data.posts("a3", 1, data.T0, "ahead of its author")]
    store(app, records)
    with app.uow() as uow:
        assert uow.platform.upsert_account(parse_object(data.account("a4", "@quiet", data.T0)),
                                           mark=False) == "added"
        marks = {a: t for _, a, t in uow.platform.queued_for_scoring(10)}
        plain = uow.platform.account_for_scoring("x", "a1")
        sara = uow.platform.account_for_scoring("x", "a2")
        ahead = uow.platform.account_for_scoring("x", "a3")
        quiet = uow.platform.account_for_scoring("x", "a4")
        uow.platform.clear_scoring_mark("x", "a1", plain.queued_at)
        cleared = uow.platform.account_for_scoring("x", "a1")
        assert uow.platform.account_for_scoring("x", "nobody") is None
    assert set(marks) == {"a1", "a2", "a3"}
    assert (plain.queued_at, plain.account, plain.protection) == (
        marks["a1"], parse_object(records[0]), None)
    assert plain.account.identifiers == {"email": "a1@x.invalid"}
    assert (sara.account.account_id, sara.protection) == ("a2", "journalist")
    assert (ahead.queued_at, ahead.account) == (marks["a3"], None)  # nothing to score yet
    assert (quiet.queued_at, quiet.account.account_id) == (None, "a4")
    assert (cleared.queued_at, cleared.account) == (None, plain.account)


def test_an_account_is_read_for_scoring_with_its_posts_as_posts_of_reads_them(app):
    """The worker reads an account's record, mark, protection and first posts in one
    statement; the posts are the ones, in the order, that ``posts_of`` gives every other
    reader (the start-up's recall of successors, the batch scan): oldest first, posts of
    the same moment by id — whatever order they were stored in."""
    from tarazu.interchange import parse_object

    same_time = [{**p, "post_id": f"a1-{n}"} for n, p in zip(
        ("p9", "p3", "p5"), data.posts("a1", 3, data.T0, "one moment"), strict=True)]
    same_time = [{**p, "created_at": same_time[0]["created_at"]} for p in same_time]
    later = data.posts("a1", 3, data.T0 + data.timedelta(days=1), "later")[1:]
    records = [data.account("a1", "@plain", data.T0), *later, *same_time,
               data.account("a2", "@silent", data.T0)]
    store(app, records)
    with app.uow() as uow:
        posts = uow.platform.posts_of("x", "a1", 200)
        read = uow.platform.account_for_scoring("x", "a1", posts=200)
        first = uow.platform.account_for_scoring("x", "a1", posts=2)
        silent = uow.platform.account_for_scoring("x", "a2", posts=200)
        plain = uow.platform.account_for_scoring("x", "a1")
    assert [p.post_id for p in posts] == ["a1-p3", "a1-p5", "a1-p9", "a1-p1", "a1-p2"]
    assert read.posts == posts and first.posts == posts[:2]
    assert read.account == parse_object(records[0]) == plain.account
    assert (read.queued_at, read.protection) == (plain.queued_at, plain.protection)
    assert plain.posts is None and silent.posts == []


def test_the_worker_sync_keeps_the_record_of_what_it_read(sqlite_app):
    """A removal made elsewhere reaches the worker at its next sync, and the read of the
    removed account's identifiers is committed to the log."""
    app = sqlite_app
    store(app, data.removed())
    handler = WorkerHandler(app, build_detector(app), sync_every=0)
    store(app, data.mirror())
    with app.uow() as uow:
        uow.platform.set_status("x", "m1", "removed", app.clock.now())
        uow.commit()
    reference = SubjectRef(SubjectType.SYSTEM, "mirrors:reference")

    def accesses() -> int:
        with app.uow() as uow:
            return sum(e.kind is EventKind.DATA_ACCESS for e in uow.events.for_subject(reference))

    before = accesses()
    assert handler([], lambda: False) == []
    assert "x:m1" in handler.detector
    assert accesses() == before + 1


# -- posts re-score their author after an interval ------------------------------------------
WAIT = 0.3  # the worker's --rescore-posts-after in these tests, seconds


def _with_reference(app: App) -> App:
    store(app, data.removed())
    with app.engine.begin() as c:  # history: the removed accounts are already indexed
        c.exec_driver_sql("DELETE FROM scoring_queue")
    return app


def _scoring_handler(app: App, scored: list[str]) -> WorkerHandler:
    """A worker's handler that defers posts by ``WAIT`` and notes every account it scores."""
    def note(out: mirrors.StreamOutcome) -> None:
        if out.scored is not None:
            scored.append(str(out.scored.subject))

    return WorkerHandler(app, build_detector(app), on_outcome=note, rescore_after=WAIT,
                         drain_slice=0)


def test_a_burst_of_posts_scores_its_author_once_after_the_interval(new_app):
    """The sign-up is scored at once; the ten posts that follow, in three batches, only mark
    the account (nothing is due before the interval), and the drain after it scores the
    account once, with every post stored, and clears the mark."""
    app = _with_reference(new_app("burst"))
    account, *_ = data.mirror("m1")
    posts = data.posts("m1", 10, data.T0 + data.timedelta(hours=6), "Alpha media bulletin")
    scored: list[str] = []
    handler = _scoring_handler(app, scored)
    assert handler([_event(account)], lambda: False) == [None]
    assert scored == ["account/x:m1"]
    for i in range(0, 10, 4):
        assert all(r is None for r in handler([_event(p) for p in posts[i:i + 4]],
                                              lambda: False))
    assert handler.drain(50) and scored == ["account/x:m1"]  # not due yet
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 1
    time.sleep(WAIT)
    assert handler.drain(50) and handler.drain(50)
    assert scored == ["account/x:m1", "account/x:m1"]
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 0


def test_a_profile_change_after_posts_is_scored_at_once_and_takes_their_mark(new_app):
    app = _with_reference(new_app("change"))
    account, *posts = data.mirror("m1")
    scored: list[str] = []
    handler = _scoring_handler(app, scored)
    handler([_event(account), *(_event(p) for p in posts)], lambda: False)
    handler([_event({**account, "bio": "New bio"}, "account.updated")], lambda: False)
    assert scored == ["account/x:m1", "account/x:m1"]
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 0


def test_a_deferred_rescore_survives_a_restart_and_ends_as_an_immediate_one(new_app):
    """Posts committed with their author's mark, then the worker gone (as after kill -9):
    a new worker, built from the store, scores the account once the mark is due, and the
    flags equal those of a worker that scored at every post."""
    events = [_event(r) for r in data.mirror("m1")]
    at_once = _with_reference(new_app("at_once"))
    handler = WorkerHandler(at_once, build_detector(at_once))
    for e in events:
        handler([e], lambda: False)
    expected = _flags(at_once)
    assert "x:m1" in {s for s, _, _ in expected}, expected

    app = _with_reference(new_app("restarted"))
    first = _scoring_handler(app, [])
    first([events[0]], lambda: False)
    first(events[1:], lambda: False)
    del first  # the worker is gone; its marks are in the store
    scored: list[str] = []
    again = _scoring_handler(app, scored)
    time.sleep(WAIT)
    assert again.drain(50)
    assert scored == ["account/x:m1"]
    assert _flags(app) == expected
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 0


def test_posts_stored_together_say_each_what_changed_and_mark_their_authors_once(app):
    from tarazu.interchange import parse_object

    records = [*data.posts("a1", 3, data.T0, "first"), *data.posts("a2", 1, data.T0, "x")]
    ps = [parse_object(r) for r in records]
    with app.uow() as uow:
        assert uow.platform.upsert_posts(ps, mark=False) == ["added"] * 4
        edited = [ps[0], parse_object({**records[1], "text": "edited"}), ps[3]]
        assert uow.platform.upsert_posts(edited) == ["unchanged", "updated", "unchanged"]
        assert [a for _, a, _ in uow.platform.queued_for_scoring(10)] == ["a1"]
        assert uow.platform.get_post("x", "a1-p1").text == "edited"
        uow.commit()


def test_a_run_of_posts_marks_active_authors_and_looks_at_the_others_at_once(app):
    """Posts between two account events are stored together: an active author is marked
    (due later), a removed one's posts reach the reference set at once, posts ahead of
    their author wait for it; each post has its outcome, in order."""
    store(app, [data.account("r9", "@gone", data.T0, "removed"),
                data.account("a1", "@here", data.T0)])
    with app.engine.begin() as c:
        c.exec_driver_sql("DELETE FROM scoring_queue")
    detector = build_detector(app)
    events = [_event(p) for p in (*data.posts("a1", 2, data.T0, "hello"),
                                  *data.posts("r9", 1, data.T0, "gone"),
                                  *data.posts("n1", 1, data.T0, "early"))]
    events.insert(1, events[0])  # delivered twice in the batch
    out = mirrors.handle_stream_records(app.uow, app.clock, detector, events,
                                        rescore_after=60)
    assert [(o.event_id, o.change, o.scored, o.reference) for o in out] == [
        ("post.created:a1-p0", "added", None, None),
        ("post.created:a1-p0", "unchanged", None, None),
        ("post.created:a1-p1", "added", None, None),
        ("post.created:r9-p0", "added", None, "updated"),
        ("post.created:n1-p0", "added", None, None)]
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 1  # a1, not due for a minute
        assert uow.platform.queued_for_scoring(10) == []


class SteppingClock:
    """A monotonic clock of the test's: ``step`` seconds pass at each reading, as if every
    step of the worker took that long."""

    def __init__(self, step: float) -> None:
        self.now, self.step = 0.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


def _due_authors(app: App, handler: WorkerHandler, n: int) -> None:
    """``n`` journalists sign up (scored at once), then post: each post marks its author,
    due ``WAIT`` later; returns once they are due."""
    for i in range(n):
        account, *posts = data.journalist(f"j{i}")
        handler([_event(account)], lambda: False)
        handler([_event(p) for p in posts], lambda: False)
    time.sleep(WAIT)
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == n


def test_a_drain_starts_no_score_after_its_time_and_leaves_the_rest_marked(new_app):
    """A drain given 0.25 s, on a worker whose every step takes 0.1 s, scores a few due
    accounts and stops; what it did not reach stays marked and a later drain scores it."""
    app = _with_reference(new_app("timed"))
    scored: list[str] = []
    handler = _scoring_handler(app, scored)
    _due_authors(app, handler, 6)
    scored.clear()
    handler._monotonic = SteppingClock(0.1)
    assert handler.drain(50, seconds=0.25)
    assert 1 <= len(scored) < 6
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 6 - len(scored)
    assert handler.drain(50)
    assert sorted(scored) == sorted(f"account/x:j{i}" for i in range(6))


def test_a_handler_behind_the_stream_drains_for_its_share_and_stops_in_time(new_app):
    """Between two full batches 0.8 s apart (the stream is behind) the worker earns 0.2 s of
    draining; its every step taking 0.1 s, it scores some of the due accounts and no more."""
    app = _with_reference(new_app("between"))
    scored: list[str] = []
    handler = _scoring_handler(app, scored)
    _due_authors(app, handler, 6)
    scored.clear()
    handler.budget = mirrors.DrainBudget(share=0.25, slice=0.25, last=0.0)
    handler._monotonic = SteppingClock(0.1)
    handler._monotonic.now = 0.7
    handler.drain_between(behind=True)
    assert 1 <= len(scored) < 6
    assert handler.budget.credit <= 0.0  # spent: the next batch gets no drain
    handler.drain_between(behind=True)
    assert len(scored) < 6


def _share_of_time_draining(behind: bool, batch_seconds: float, score_seconds: float,
                            rounds: int = 2000) -> float:
    """A worker that takes ``batch_seconds`` for each batch and drains a queue that never
    empties, each score ``score_seconds`` (the last one started may overrun): the share of
    its time spent draining."""
    budget = mirrors.DrainBudget(share=0.25, slice=0.25)
    now = draining = 0.0
    for _ in range(rounds):
        now += batch_seconds
        if (allowed := budget.earn(now, behind)) > 0:
            took = score_seconds * (1 + int(allowed // score_seconds))
            now += took
            draining += took
            budget.spend(took, now)
    return draining / now


@pytest.mark.parametrize("batch_seconds", [0.01, 0.2, 1.0, 3.0])
@pytest.mark.parametrize("score_seconds", [0.005, 0.02, 0.3])
def test_re_scores_take_a_quarter_of_the_time_behind_and_half_when_keeping_up(
        batch_seconds, score_seconds):
    assert _share_of_time_draining(True, batch_seconds, score_seconds) <= 0.25 + 0.005
    assert _share_of_time_draining(False, batch_seconds, score_seconds) <= 0.5 + 0.005


def test_no_event_waits_longer_than_a_slice_and_one_score_behind_a_drain():
    budget = mirrors.DrainBudget(share=0.25, slice=0.25)
    assert budget.earn(100.0, behind=False) == 0.25
    budget.spend(0.31, 100.31)  # one score overran
    assert budget.earn(100.32, behind=True) == 0.0  # paid back first
    assert budget.earn(101.0, behind=True) == pytest.approx(0.25 * 0.69 - 0.06)


def test_a_withdrawal_by_another_process_reaches_the_worker_without_a_full_sync(new_app):
    """A reversed removal (an appeal upheld in the web app) marks the account: the worker
    takes it out of its reference set at its next drain, not at the safety-net sync."""
    from tarazu.service.mirror_reference import withdraw_from_reference

    app = _with_reference(new_app("withdrawal"))
    handler = WorkerHandler(app, build_detector(app), sync_every=3600)
    assert "x:o3" in handler.detector
    with app.uow() as uow:  # another process
        assert withdraw_from_reference(uow, "x:o3", decision_id="d1")
        uow.commit()
    assert handler.drain(50)
    assert "x:o3" not in handler.detector
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 0
