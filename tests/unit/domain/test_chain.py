from dataclasses import replace
from datetime import UTC, datetime

from tarazu.domain.chain import GENESIS, chain, verify
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef

T = datetime(2025, 7, 25, 10, 0, tzinfo=UTC)


def _events(n: int) -> list:
    out, prev = [], None
    for i in range(n):
        e = ModerationEvent(EventKind.REPORT, SubjectRef.account("x", f"a{i}"), "u", T,
                            {"i": i})
        prev = chain(prev, e)
        out.append(prev)
    return out


def test_a_clean_chain_verifies():
    recs = _events(5)
    assert recs[0].prev_hash == GENESIS
    assert verify(recs) == (5, None)


def test_changed_payload_is_named():
    recs = _events(5)
    bad = replace(recs[2], event=replace(recs[2].event, payload={"i": 99}))
    n, problem = verify(recs[:2] + [bad] + recs[3:])
    assert problem is not None and problem.seq == 3
    assert "changed" in problem.reason


def test_removed_row_is_detected():
    recs = _events(5)
    _, problem = verify(recs[:2] + recs[3:])
    assert problem is not None and problem.seq == 4


def test_reordered_rows_are_detected():
    recs = _events(4)
    _, problem = verify([recs[0], recs[2], recs[1], recs[3]])
    assert problem is not None and problem.seq == 3


def test_same_event_hashes_the_same_every_time():
    e = ModerationEvent(EventKind.NOTE, SubjectRef.account("x", "a"), "u", T, {"b": 1, "a": 2},
                        event_id="e1")
    assert chain(None, e).hash == chain(None, e).hash


def test_parse_time_reads_back_format_time_and_no_other_form():
    from datetime import UTC, datetime, timedelta, timezone

    import pytest

    from tarazu.domain.chain import format_time, parse_time

    for t in (datetime(2025, 7, 25, 9, 0, tzinfo=UTC),
              datetime(1999, 12, 31, 23, 59, 59, 999_999, tzinfo=UTC),
              datetime(2025, 1, 1, 5, 30, 0, 120, tzinfo=timezone(timedelta(hours=5)))):
        assert parse_time(format_time(t)) == t and parse_time(format_time(t)).tzinfo is UTC
    for bad in ("2025-07-25T09:00:00Z", "2025-07-25 09:00:00.000000Z",
                "2025-07-25T09:00:00.000000+00:00", "2025-07-25T09:00:00.00000aZ", ""):
        with pytest.raises(ValueError):
            parse_time(bad)
