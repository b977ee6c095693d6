"""A queue page costs the same few statements whatever the number of cases on it, and the
queue page and the queue summary count the queues in the database: with a million open cases,
two statements per row or a count of every account on each page is what makes the queue slow
(see bench/queue_load.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from alembic import command
from sqlalchemy import event, text

from tarazu.adapters.db.engine import alembic_config
from tarazu.domain.case import fold
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Account
from tarazu.domain.policies import Action
from tarazu.service import case_view, cases, decisions, queues
from tarazu.service.queue_filters import QueueFilter
from tests.integration.web.test_review import _client, seeded  # noqa: F401 (fixture)


def _statements(app, fn: Callable[[], object]) -> list[str]:
    """The SQL statements ``fn`` runs on the app's database."""
    seen: list[str] = []

    def listen(conn, cursor, statement, *args):  # type: ignore[no-untyped-def]
        seen.append(" ".join(statement.split()))

    event.listen(app.engine, "before_cursor_execute", listen)
    try:
        fn()
    finally:
        event.remove(app.engine, "before_cursor_execute", listen)
    return seen


def _open_case(app, i: int) -> None:
    """Reported account ``i``, with a handle and i + 1 reports."""
    with app.uow() as uow:
        uow.platform.upsert_account(Account(f"a{i}", f"handle_{i}", app.clock.now(),
                                            "active", platform="x"))
        s = cases.load(uow, SubjectRef.account("x", f"a{i}"))
        for _ in range(i + 1):
            s.record(EventKind.REPORT, "system:test", app.clock.now(),
                     {"source": "public", "reporter": "someone", "priority": 1})
        cases.save(uow, s)
        uow.commit()


def _open_cases(app, n: int) -> None:
    """``n`` reported accounts with handles; account i has i + 1 reports."""
    for i in range(n):
        _open_case(app, i)


@pytest.mark.parametrize("filters", [QueueFilter(), QueueFilter(state="open")],
                         ids=["unfiltered", "filtered"])
def test_a_page_of_twelve_costs_the_statements_of_a_page_of_three(app, filters):
    _open_cases(app, 12)
    pages = {}

    def page(n: int) -> Callable[[], None]:
        def read() -> None:
            with app.uow() as uow:
                pages[n] = case_view.queue_page(uow, None, 1, n, filters, app.clock.now())
        return read

    three, twelve = _statements(app, page(3)), _statements(app, page(12))
    assert len(twelve) == len(three)
    assert len(pages[12].entries) == 12 and len(pages[3].entries) == 3
    for e in pages[12].entries:  # each row still gets its own history and handle
        i = int(e.row.subject.native_id[1:])
        assert (e.handle, e.reports, e.sources, e.state) == (
            f"handle_{i}", i + 1, ("public",), "open")


def test_the_queue_summary_counts_in_the_database(app):
    _open_cases(app, 3)
    found = {}

    def summary() -> None:
        with app.uow() as uow:
            found["rows"] = queues.summary(uow, app.clock.now())

    seen = _statements(app, summary)
    assert {q.name: q.open for q in found["rows"]}["general"] == 3
    rows_read = [s for s in seen if "FROM subject_status" in s and "count(" not in s]
    assert not rows_read, rows_read


def test_the_queue_page_counts_only_the_queues_it_shows(seeded):  # noqa: F811
    c, _ = _client(seeded, "reviewer")
    seen = _statements(seeded, lambda: c.get("/queue"))
    assert c.get("/queue").status_code == 200
    others = [s for s in seen if "count(" in s and any(
        f"FROM {t}" in s for t in ("accounts", "posts", "outbox"))]
    assert not others, others
    home = c.get("/")  # the dashboard still counts accounts, posts and messages
    assert "messages waiting for the platform" in home.text


def _counted(app) -> dict[str, int]:
    """Open cases per queue, counted row by row."""
    with app.engine.connect() as c:
        rows = c.execute(text("SELECT queue, count(*) FROM subject_status WHERE review_state "
                              "IN ('open', 'escalated') GROUP BY queue")).all()
    return {q or "unrouted": n for q, n in rows}


def _kept(app) -> dict[str, int]:
    with app.uow() as uow:
        return uow.status.queue_counts()


def test_the_queue_counts_are_kept_through_every_change(app):
    _open_cases(app, 3)
    assert _kept(app) == _counted(app) == {"general": 3}
    a0, a1, a2 = (SubjectRef.account("x", f"a{i}") for i in range(3))
    with app.uow() as uow:
        queues.escalate(uow, app.clock, subject=a1, actor="reviewer", reason="hard one")
        decisions.decide(uow, app.clock, subject=a2, actor="reviewer", action=Action.NO_ACTION,
                         policy="", reason="nothing wrong")
        uow.commit()
    assert _kept(app) == _counted(app) == {"general": 1, "senior": 1}
    _open_cases(app, 3)  # reported again: a2 reopens, a1 stays with senior review
    assert _kept(app) == _counted(app) == {"general": 2, "senior": 1}
    del a0


def test_reading_the_queue_counts_counts_no_case(app):
    _open_cases(app, 2)
    seen = _statements(app, lambda: _kept(app))
    assert seen and not [s for s in seen if "FROM subject_status" in s], seen


def test_the_migration_counts_the_cases_already_open(app):
    _open_cases(app, 3)
    with app.uow() as uow:
        queues.escalate(uow, app.clock, subject=SubjectRef.account("x", "a0"), actor="reviewer",
                        reason="hard one")
        uow.commit()
    cfg = alembic_config(app.engine)
    command.downgrade(cfg, "0010_queue_order")
    command.upgrade(cfg, "head")
    assert _kept(app) == _counted(app) == {"general": 2, "senior": 1}


def _propose(app, i: int) -> SubjectRef:
    """Account ``a{i}``'s case now awaits a second reviewer."""
    ref = SubjectRef.account("x", f"a{i}")
    with app.uow() as uow:
        decisions.decide(uow, app.clock, subject=ref, actor="reviewer", action=Action.REMOVE,
                         policy="DOI-1", reason="needs a second look")  # severe: two people
        uow.commit()
    return ref


def test_a_state_filtered_page_reads_and_folds_only_the_matching_cases(app, monkeypatch):
    _open_cases(app, 12)
    waiting = [_propose(app, 0), _propose(app, 1)]  # the two least reported: last in the queue
    folded: list[SubjectRef] = []

    def counting_fold(subject, events):  # type: ignore[no-untyped-def]
        folded.append(subject)
        return fold(subject, events)

    monkeypatch.setattr(case_view, "fold", counting_fold)
    pages = {}

    def page(filters: QueueFilter) -> Callable[[], None]:
        def read() -> None:
            with app.uow() as uow:
                pages[filters] = case_view.queue_page(uow, None, 1, 3, filters, app.clock.now())
        return read

    unfiltered = _statements(app, page(QueueFilter()))
    folded.clear()
    waits = QueueFilter(state="awaiting_second")
    filtered = _statements(app, page(waits))
    assert [e.row.subject for e in pages[waits].entries] == [waiting[1], waiting[0]]
    assert not pages[waits].has_next
    assert folded == []  # what the page shows of a case is in its row: nothing is folded
    assert len(filtered) == len(unfiltered)  # one read of the queue, not a batch per pass


def test_the_migration_keeps_what_the_open_cases_already_wait_for(app):
    _open_cases(app, 4)
    proposed = _propose(app, 1)
    with app.uow() as uow:
        queues.escalate(uow, app.clock, subject=SubjectRef.account("x", "a2"),
                        actor="reviewer", reason="hard one")
        decisions.decide(uow, app.clock, subject=SubjectRef.account("x", "a3"),
                         actor="reviewer", action=Action.NO_ACTION, policy="",
                         reason="nothing wrong")
        uow.commit()
    cfg = alembic_config(app.engine)
    command.downgrade(cfg, "0011_queue_counts")
    command.upgrade(cfg, "head")
    with app.engine.connect() as c:
        kept = dict(c.execute(text("SELECT subject_id, entry_state FROM subject_status")).all())
    assert kept == {"x:a0": "open", proposed.id: "awaiting_second", "x:a2": "escalated",
                    "x:a3": None}  # a closed case gets its value when an event writes it
    with app.uow() as uow:
        page = case_view.queue_page(uow, None, 1, 10, QueueFilter(state="awaiting_second"))
    assert [e.row.subject for e in page.entries] == [proposed]


def test_due_filters_and_overdue_counts_are_answered_by_the_projection(app):
    """Three overdue cases at the end of the queue: the due filter used to read the queue in
    growing batches and look up each row's due date (a pass over the whole queue when few
    cases match), and the overdue counts joined every deadline to every case."""
    from tarazu.domain.routing import QUEUES

    for i in range(3):  # fewest reports: last in the queue's order
        _open_case(app, i)
    due = app.clock.now() + QUEUES["general"].sla
    app.clock.advance(days=30)
    for i in range(3, 12):
        _open_case(app, i)
    overdue = [SubjectRef.account("x", f"a{i}") for i in (2, 1, 0)]
    found = {}

    def page(filters: QueueFilter) -> Callable[[], None]:
        def read() -> None:
            with app.uow() as uow:
                found[filters] = case_view.queue_page(uow, None, 1, 3, filters,
                                                      app.clock.now())
        return read

    plain = _statements(app, page(QueueFilter()))
    for filters in (QueueFilter(overdue=True), QueueFilter(due_by=due.date())):
        seen = _statements(app, page(filters))
        assert [e.row.subject for e in found[filters].entries] == overdue, filters
        assert not found[filters].has_next
        assert len(seen) == len(plain), seen
        assert not [s for s in seen if "case_deadlines" in s]

    def summary() -> None:
        with app.uow() as uow:
            found["summary"] = queues.summary(uow, app.clock.now())

    seen = _statements(app, summary)
    general = next(q for q in found["summary"] if q.name == "general")
    assert (general.open, general.overdue) == (12, 3)
    assert not [s for s in seen if "case_deadlines" in s], seen


def _overdue_counted(app, now) -> dict[str, int]:  # type: ignore[no-untyped-def]
    """Overdue open cases per queue, counted row by row."""
    from tarazu.domain.chain import format_time

    with app.engine.connect() as c:
        rows = c.execute(text("SELECT queue, count(*) FROM subject_status WHERE review_state "
                              "IN ('open', 'escalated') AND due_at < :now GROUP BY queue"),
                         {"now": format_time(now)}).all()
    return {q or "unrouted": n for q, n in rows}


def test_the_overdue_counts_are_kept_through_every_change_and_every_hour(app):
    """The overdue counts add up kept counts per hour that have passed, and count the current
    hour's cases: they must equal a count row by row at any time and after any change."""
    from datetime import timedelta

    def kept(now) -> dict[str, int]:  # type: ignore[no-untyped-def]
        with app.uow() as uow:
            return uow.due_process.overdue_counts(now)

    _open_cases(app, 3)
    app.clock.advance(minutes=90)
    with app.uow() as uow:  # two more, an hour and a half later
        for i in (3, 4):
            s = cases.load(uow, SubjectRef.account("x", f"a{i}"))
            s.record(EventKind.REPORT, "system:test", app.clock.now(),
                     {"source": "public", "reporter": "someone", "priority": 1})
            cases.save(uow, s)
        uow.commit()
    a0, a1, a4 = (SubjectRef.account("x", f"a{i}") for i in (0, 1, 4))
    with app.uow() as uow:
        queues.escalate(uow, app.clock, subject=a1, actor="reviewer", reason="hard one")
        decisions.decide(uow, app.clock, subject=a0, actor="reviewer", action=Action.NO_ACTION,
                         policy="", reason="nothing wrong")
        uow.commit()
    start = app.clock.now()
    seen = set()
    for minutes in range(0, 80 * 60, 17):  # across every hour the cases fall due in
        at = start + timedelta(minutes=minutes)
        counted = _overdue_counted(app, at)
        assert kept(at) == counted, at
        seen.add(sum(counted.values()))
    assert min(seen) == 0 and max(seen) == 4 and len(seen) >= 3  # none, some, all open
    with app.uow() as uow:  # a decided case leaves the counts
        decisions.decide(uow, app.clock, subject=a4, actor="reviewer",
                         action=Action.NO_ACTION, policy="", reason="nothing wrong")
        uow.commit()
    later = start + timedelta(days=10)
    assert kept(later) == _overdue_counted(app, later)
    assert sum(kept(later).values()) == 3
    with app.engine.connect() as c:
        assert c.execute(text("SELECT count(*) FROM queue_due_counts WHERE cases <= 0")
                         ).scalar_one() == 0


def test_migration_0014_fills_the_due_dates_and_their_counts_from_the_deadlines(app):
    from datetime import timedelta

    _open_cases(app, 3)
    with app.engine.connect() as c:
        before = c.execute(text("SELECT subject_id, due_at FROM subject_status")).all()
    assert len(before) == 3 and all(due for _, due in before)
    command.downgrade(alembic_config(app.engine), "0013_report_text_encrypted")
    command.upgrade(alembic_config(app.engine), "head")
    with app.engine.connect() as c:
        assert c.execute(text("SELECT subject_id, due_at FROM subject_status")).all() == before
    later = app.clock.now() + timedelta(days=10)
    with app.uow() as uow:
        kept = uow.due_process.overdue_counts(later)
    assert kept == _overdue_counted(app, later) == {"general": 3}


def _shown(entries) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(e.row.subject, e.reports, e.sources, e.last_event, e.pending_decision, e.appealed,
             e.state) for e in entries]


def _folded(app, entries) -> list[tuple]:  # type: ignore[no-untyped-def]
    """What the page would show of each case folded from its events."""
    out = []
    with app.uow() as uow:
        for e in entries:
            events = uow.events.for_subject(e.row.subject)
            st = fold(e.row.subject, events)
            out.append((e.row.subject, st.reports, tuple(sorted(st.sources)),
                        events[-1].kind.value, st.pending_decision is not None,
                        st.appeal_open is not None, e.state))
    return out


def _page(app) -> list:  # type: ignore[type-arg]
    with app.uow() as uow:
        return list(case_view.queue_page(uow, None, 1, 50, QueueFilter(),
                                         app.clock.now()).entries)


def test_a_queue_page_reads_no_event_and_shows_what_the_fold_would(app):
    """The busiest cases carry hundreds of events: a page that read and folded them all was
    what kept the queue's first page over its time goal at a million cases."""
    _open_cases(app, 6)
    _propose(app, 2)
    with app.uow() as uow:
        queues.escalate(uow, app.clock, subject=SubjectRef.account("x", "a4"),
                        actor="reviewer", reason="hard one")
        uow.commit()
    found: dict[str, list] = {}  # type: ignore[type-arg]
    seen = _statements(app, lambda: found.setdefault("page", _page(app)))
    assert not [s for s in seen if "moderation_events" in s], seen
    assert _shown(found["page"]) == _folded(app, found["page"])
    assert {e.pending_decision for e in found["page"]} == {True, False}


def test_the_migration_fills_what_the_queue_shows_and_a_row_without_it_is_folded(app):
    _open_cases(app, 4)
    _propose(app, 1)
    before = _shown(_page(app))
    cfg = alembic_config(app.engine)
    command.downgrade(cfg, "0014_queue_due")
    command.upgrade(cfg, "head")
    assert _shown(_page(app)) == before
    with app.engine.begin() as c:  # a row the projection wrote before it kept the summary
        c.execute(text("UPDATE subject_status SET reports = NULL WHERE subject_id = :i"),
                  {"i": SubjectRef.account("x", "a3").id})
    seen = _statements(app, lambda: _page(app))
    assert [s for s in seen if "moderation_events" in s]  # that one case is folded
    assert _shown(_page(app)) == before
