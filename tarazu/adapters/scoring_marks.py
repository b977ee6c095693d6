"""The time stamps of scoring marks, one form for every store: the stores compare them as
text (the SQL store in its queries), so they are always written the same way."""

from __future__ import annotations

from datetime import datetime


def mark_stamp(t: datetime) -> str:
    """A scoring mark's time (queued or due), in the one form marks are compared in."""
    return t.isoformat(timespec="microseconds")


def overdue_seconds(first_due: str | None, now: datetime) -> float:
    """Seconds from the earliest due time of the marks (a :func:`mark_stamp`) to ``now``; 0
    when there is none or it is not yet due."""
    if first_due is None:
        return 0.0
    return max(0.0, (now - datetime.fromisoformat(first_due)).total_seconds())
