"""A queue page costs the same few statements whatever the number of cases on it, and the
queue page and the queue summary count the queues in the database: with a million open cases,
two statements per row or a count of every account on each page is what makes the queue slow
(see bench/queue_load.py)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import event

from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.platform import Account
from tarazu.service import case_view, cases, queues
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


def _open_cases(app, n: int) -> None:
    """``n`` reported accounts with handles; account i has i + 1 reports."""
    for i in range(n):
        with app.uow() as uow:
            uow.platform.upsert_account(Account(f"a{i}", f"handle_{i}", app.clock.now(),
                                                "active", platform="x"))
            s = cases.load(uow, SubjectRef.account("x", f"a{i}"))
            for _ in range(i + 1):
                s.record(EventKind.REPORT, "system:test", app.clock.now(),
                         {"source": "public", "reporter": "someone", "priority": 1})
            cases.save(uow, s)
            uow.commit()


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
    reads = [s for s in seen if "FROM subject_status" in s]
    assert reads and all("count(" in s for s in reads), reads


def test_the_queue_page_counts_only_the_queues_it_shows(seeded):  # noqa: F811
    c, _ = _client(seeded, "reviewer")
    seen = _statements(seeded, lambda: c.get("/queue"))
    counts = [s for s in seen if "count(" in s]
    assert counts and all("FROM subject_status" in s for s in counts), counts
    home = c.get("/")  # the dashboard still counts accounts, posts and messages
    assert "messages waiting for the platform" in home.text
