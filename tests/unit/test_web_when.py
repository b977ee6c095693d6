"""Times on pages read as people write them: no ISO "T", no microseconds, no offset digits."""

from datetime import UTC, date, datetime, timedelta, timezone

from tarazu.entrypoints.web.templating import when


def test_times_are_human_readable_in_utc():
    t = datetime(2026, 12, 5, 14, 3, 27, 123456, tzinfo=UTC)
    assert when(t) == "5 Dec 2026, 14:03 UTC"
    assert when(t, seconds=True) == "5 Dec 2026, 14:03:27 UTC"
    assert when("2026-12-05T14:03:27.123456+00:00") == "5 Dec 2026, 14:03 UTC"
    assert when("2026-12-05T19:03:27Z") == "5 Dec 2026, 19:03 UTC"
    karachi = timezone(timedelta(hours=5))
    assert when(datetime(2026, 12, 5, 19, 3, tzinfo=karachi)) == "5 Dec 2026, 14:03 UTC"
    assert when(date(2026, 1, 9)) == "9 Jan 2026"
    assert when(None) == "" and when("not a time") == "not a time"
