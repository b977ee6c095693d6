"""Narrowing the review queue: by what a case waits for (its state in words) and by when it is
due. The queue page, its pager and the JSON API share one filter, so a filtered list reads the
same in a browser and in a script, and survives paging."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from urllib.parse import urlencode

from tarazu.domain.case import CaseState

#: What a case in the queue waits for, as the queue shows it (the key is the query value).
STATES: dict[str, str] = {
    "open": "open",
    "escalated": "escalated",
    "awaiting_second": "awaiting second reviewer",
    "appealed": "appealed",
}

#: Due-date filters: overdue now, or due on or before the day given as ``due_by``.
DUE = {"overdue": "overdue"}


class FilterError(ValueError):
    """A filter value is not one the queue knows (the message names the field)."""


def entry_state(review_state: str, pending_decision: bool, appealed: bool) -> str:
    """The one state a queue row shows: a proposal awaiting its second reviewer first (someone
    must act on it), then an open appeal, else the review state itself."""
    if pending_decision:
        return "awaiting_second"
    if appealed:
        return "appealed"
    return review_state


def case_entry_state(state: CaseState) -> str:
    """:func:`entry_state` of a folded case: what the case projection keeps beside each case,
    so the queue filters by state in the database instead of folding cases until a page is
    full."""
    return entry_state(state.review_state, state.pending_decision is not None,
                       state.appeal_open is not None)


@dataclass(frozen=True)
class QueueFilter:
    state: str | None = None
    overdue: bool = False
    due_by: date | None = None

    @classmethod
    def parse(cls, state: str | None, due: str | None, due_by: str | None) -> QueueFilter:
        """The filter from query parameters; an empty value means "any"."""
        state = (state or "").strip() or None
        if state is not None and state not in STATES:
            raise FilterError(f"field 'state': must be one of {', '.join(STATES)}")
        due = (due or "").strip()
        if due and due not in DUE:
            raise FilterError(f"field 'due': must be one of {', '.join(DUE)} (or empty)")
        day = None
        if (due_by or "").strip():
            try:
                day = date.fromisoformat((due_by or "").strip())
            except ValueError:
                raise FilterError("field 'due_by': must be a date (YYYY-MM-DD)") from None
        return cls(state, due == "overdue", day)

    @property
    def active(self) -> bool:
        return bool(self.state or self.overdue or self.due_by)

    def due_before(self, now: datetime) -> datetime | None:
        """The due-date filter as one bound: the cases it keeps are due before this instant
        (overdue: before now; due by a day: before the next day begins; both: the earlier).
        None: no due filter. A case with no due date never matches a due filter. One bound,
        so the projection answers it with a WHERE on its due date column."""
        bounds = []
        if self.overdue:
            bounds.append(now)
        if self.due_by is not None:
            bounds.append(datetime.combine(self.due_by + timedelta(days=1), time.min,
                                           tzinfo=now.tzinfo))
        return min(bounds) if bounds else None

    def query(self) -> str:
        """The filter as a query string (without ``?``), for links that must keep it."""
        params = {"state": self.state or "", "due": "overdue" if self.overdue else "",
                  "due_by": self.due_by.isoformat() if self.due_by else ""}
        return urlencode({k: v for k, v in params.items() if v})
