"""Reporter reputation: how much a reporter's word moves a case, learnt from what became of
their past reports. A Beta(1, 1) prior keeps one lucky or unlucky report from deciding it."""

from __future__ import annotations

from datetime import datetime, timedelta

from tarazu.reports.model import ReporterView

#: A reporter first seen (or whose platform account was created) this recently is new.
NEW_REPORTER = timedelta(days=7)
NEW_ACCOUNT = timedelta(days=30)
#: Weight of a report from a new reporter with no decided reports: it counts, a little.
NEW_WEIGHT = 0.25
MIN_WEIGHT, MAX_WEIGHT = 0.1, 2.0


def score(actioned: int, not_actioned: int) -> float:
    """Posterior mean share of reports that led to action (0.5 with no history)."""
    return (actioned + 1) / (actioned + not_actioned + 2)


def is_new(r: ReporterView, now: datetime) -> bool:
    if r.account_created_at is not None and now - r.account_created_at < NEW_ACCOUNT:
        return True
    decided = r.actioned + r.not_actioned
    return decided == 0 and (r.first_seen_at is None or now - r.first_seen_at < NEW_REPORTER)


def weight(r: ReporterView, now: datetime) -> float:
    """0 for a muted reporter; a new one counts a quarter; others by their record, from 0.1
    (reports never led to action) to 2 (they nearly always did)."""
    if r.muted:
        return 0.0
    if is_new(r, now):
        return NEW_WEIGHT
    return round(min(MAX_WEIGHT, max(MIN_WEIGHT, 2 * score(r.actioned, r.not_actioned))), 3)
