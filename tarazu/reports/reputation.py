"""Reporter reputation: how much a reporter's word moves a case, learnt from what became of
their past reports. A Beta(1, 1) prior keeps one lucky or unlucky report from deciding it.

A reporter stays *new* until one of their reports has led to action, and while their platform
account is young. Age alone vouches for nothing: a campaign can open its reporter identities a
week (or a month) before it reports, so the time since a reporter was first seen is not a
record; a report that a reviewer acted on is."""

from __future__ import annotations

from datetime import datetime, timedelta

from tarazu.reports.model import ReporterView

#: A reporter whose platform account was created this recently is new, whatever their record.
NEW_ACCOUNT = timedelta(days=30)
#: Weight of a report from a new reporter with no decided reports: it counts, a little.
NEW_WEIGHT = 0.25
MIN_WEIGHT, MAX_WEIGHT = 0.1, 2.0


def score(actioned: int, not_actioned: int) -> float:
    """Posterior mean share of reports that led to action (0.5 with no history)."""
    return (actioned + 1) / (actioned + not_actioned + 2)


def is_new(r: ReporterView, now: datetime) -> bool:
    """No report of theirs has led to action yet, or their platform account is young."""
    if r.account_created_at is not None and now - r.account_created_at < NEW_ACCOUNT:
        return True
    return r.actioned == 0


def weight(r: ReporterView, now: datetime) -> float:
    """0 for a muted reporter; others by their record, from 0.1 (reports never led to action)
    to 2 (they nearly always did); a new reporter counts at most a quarter."""
    if r.muted:
        return 0.0
    by_record = round(min(MAX_WEIGHT, max(MIN_WEIGHT, 2 * score(r.actioned, r.not_actioned))), 3)
    return min(NEW_WEIGHT, by_record) if is_new(r, now) else by_record
