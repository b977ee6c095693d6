"""The queue filter on its own: what each value admits, the edges of a due date, and the query
string links carry so a filtered list survives paging."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from tarazu.service.queue_filters import FilterError, QueueFilter, entry_state

NOW = datetime(2025, 7, 25, 9, 0, tzinfo=UTC)


def test_a_proposal_awaiting_its_second_reviewer_is_shown_before_an_appeal():
    assert entry_state("open", pending_decision=True, appealed=True) == "awaiting_second"
    assert entry_state("escalated", pending_decision=False, appealed=True) == "appealed"
    assert entry_state("escalated", pending_decision=False, appealed=False) == "escalated"


def test_overdue_admits_only_cases_past_their_due_time():
    assert QueueFilter(overdue=True).due_before(NOW) == NOW  # due exactly now is not overdue
    assert QueueFilter().due_before(NOW) is None  # no due filter: every case


def test_due_by_a_day_includes_the_whole_of_that_day():
    f = QueueFilter(due_by=date(2025, 7, 26))
    assert f.due_before(NOW) == datetime(2025, 7, 27, 0, 0, tzinfo=UTC)
    # both: the earlier bound
    assert QueueFilter(overdue=True, due_by=date(2025, 7, 26)).due_before(NOW) == NOW
    assert QueueFilter(overdue=True, due_by=date(2025, 7, 1)).due_before(NOW) == datetime(
        2025, 7, 2, tzinfo=UTC)


def test_parse_and_query_round_trip():
    f = QueueFilter.parse("appealed", "overdue", "2025-08-01")
    assert f == QueueFilter("appealed", True, date(2025, 8, 1)) and f.active
    assert f.query() == "state=appealed&due=overdue&due_by=2025-08-01"
    assert QueueFilter.parse("", "", "") == QueueFilter() and QueueFilter().query() == ""


@pytest.mark.parametrize("args, field", [(("waiting", None, None), "state"),
                                         ((None, "late", None), "due"),
                                         ((None, None, "25/07/2025"), "due_by")])
def test_an_unknown_value_names_its_field(args, field):
    with pytest.raises(FilterError, match=f"field '{field}'"):
        QueueFilter.parse(*args)
