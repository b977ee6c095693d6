"""Coordinated mass reporting: many reporters, mostly new, one target, a short window.

Organic reports of a real problem come from reporters of every age spread over hours; a
campaign to get an account (often a journalist's) taken down comes from fresh accounts within
minutes. "New" means without a record (see :mod:`tarazu.reports.reputation`): no report of
theirs has led to action yet, or their platform account is young — so reporter identities a
campaign opened a week before it strikes are still new. Two thresholds:

* **hold**: once a target has ``hold_after`` reports from new reporters inside the window, more
  reports from new reporters are recorded but add no priority until the window passes. This
  bounds what a campaign can gain before it is recognised.
* **detect**: ``min_reports`` reports from ``min_reporters`` distinct reporters in the window,
  at least ``min_new_share`` of them new: a campaign. From then on its reports (from new
  reporters, and from every reporter already in it) are set aside; reviewers see it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class CampaignPolicy:
    window: timedelta = timedelta(minutes=30)
    hold_after: int = 3
    min_reports: int = 10
    min_reporters: int = 8
    min_new_share: float = 0.6


@dataclass(frozen=True)
class Sighting:
    """One recent report on the target."""

    at: datetime
    reporter: str
    new_reporter: bool


@dataclass(frozen=True)
class Burst:
    reports: int
    reporters: int
    new_reporters: int
    first_at: datetime | None
    last_at: datetime | None

    @property
    def minutes(self) -> int:
        if not self.first_at or not self.last_at:
            return 0
        return max(1, round((self.last_at - self.first_at).total_seconds() / 60))

    def describe(self) -> str:
        return (f"possible coordinated campaign: {self.reports} reports from "
                f"{self.new_reporters} new reporters in {self.minutes} minutes")


def burst(sightings: Sequence[Sighting], now: datetime, policy: CampaignPolicy) -> Burst:
    """The reports on one target inside the window ending now."""
    recent = [s for s in sightings if now - s.at <= policy.window]
    reporters = {s.reporter for s in recent}
    new = {s.reporter for s in recent if s.new_reporter}
    return Burst(len(recent), len(reporters), len(new),
                 min((s.at for s in recent), default=None),
                 max((s.at for s in recent), default=None))


def is_campaign(b: Burst, policy: CampaignPolicy) -> bool:
    return (b.reports >= policy.min_reports and b.reporters >= policy.min_reporters
            and b.new_reporters >= policy.min_new_share * b.reporters)


def should_hold(sightings: Sequence[Sighting], now: datetime, policy: CampaignPolicy) -> bool:
    """A new reporter's report adds no priority while new reporters are piling onto one
    target (``sightings`` are the earlier reports, without this one)."""
    recent_new = {s.reporter for s in sightings
                  if s.new_reporter and now - s.at <= policy.window}
    return len(recent_new) >= policy.hold_after
