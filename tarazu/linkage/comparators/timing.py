"""Comparators of time: when the active account appeared relative to the removal, and at
which hours both accounts are active."""

from __future__ import annotations

import numpy as np

from tarazu.linkage.corpus import Corpus
from tarazu.linkage.levels import Comparator, ComparisonResult, ConfigVar, band
from tarazu.linkage.profile import AccountProfile

HOUR = 3600.0


class CreationGapComparator(Comparator):
    """Hours between the removal of the old account and the creation of the new one. "Whenever
    an account is removed, in minutes they come up with mirror accounts": a new account minutes
    after a removal is evidence, one that predates the removal by a year is evidence against."""

    NAME = "creation_gap"
    FAMILY = "timing"
    LEVELS = (
        "created within 10 minutes after removal",
        "10 minutes to 1 hour after",
        "1 to 6 hours after",
        "6 to 24 hours after",
        "1 to 7 days after",
        "7 to 30 days after",
        "30 to 365 days after",
        "over a year after",
        "created up to 30 days before removal",
        "30 to 365 days before removal",
        "over a year before removal",
    )
    CONFIG = (
        ConfigVar(
            "after_hours",
            (1 / 6, 1, 6, 24, 24 * 7, 24 * 30, 24 * 365),
            "upper bounds (hours) of the 'after removal' levels",
        ),
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if b.removed_at is None:
            return self.missing((a.created_at.isoformat(), ""))
        hours = (a.created_at - b.removed_at).total_seconds() / HOUR
        values = (a.created_at.isoformat(), b.removed_at.isoformat())
        if hours >= 0:
            for i, bound in enumerate(self.config["after_hours"]):
                if hours <= bound:
                    return self.level(self.LEVELS[i], values, hours)
            return self.level("over a year after", values, hours)
        if hours >= -24 * 30:
            return self.level("created up to 30 days before removal", values, hours)
        if hours >= -24 * 365:
            return self.level("30 to 365 days before removal", values, hours)
        return self.level("over a year before removal", values, hours)


class ActivityHoursComparator(Comparator):
    """Cosine of the two accounts' posting-hour profiles (UTC): operators work shifts."""

    NAME = "activity_hours"
    FAMILY = "timing"
    LEVELS = ("same hours", "similar hours", "overlapping hours", "different hours")
    CONFIG = (
        ConfigVar("min_posts", 5, "posts needed on each side"),
        ConfigVar("bands", (0.9, 0.75, 0.5), "cosine thresholds of the first levels"),
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if (
            a.hours is None
            or b.hours is None
            or min(a.n_posts, b.n_posts) < self.config["min_posts"]
        ):
            return self.missing()
        c = float(a.hours @ b.hours / (np.linalg.norm(a.hours) * np.linalg.norm(b.hours)))
        peak = (f"peak {int(np.argmax(a.hours)):02d}h", f"peak {int(np.argmax(b.hours)):02d}h")
        return self.level(band(c, self.config["bands"], self.LEVELS), peak, c)


class PauseComparator(Comparator):
    """The gap between the removed account's last post and the new account's first post, in
    units of the removed account's usual pause between posts. A bot posting every five minutes
    that "returns" after five minutes continues its rhythm; one that returns after a week,
    or a week-a-post account that returns in a minute, less so."""

    NAME = "pause"
    FAMILY = "timing"
    LEVELS = (
        "within its usual pause",
        "up to 3 usual pauses",
        "3 to 10 usual pauses",
        "10 to 100 usual pauses",
        "over 100 usual pauses",
        "first post before the last old post",
    )
    CONFIG = (ConfigVar("bands", (1.0, 3.0, 10.0, 100.0), "upper bounds of the first levels"),)

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if a.first_post is None or b.last_post is None or not b.median_pause:
            return self.missing()
        gap = (a.first_post - b.last_post).total_seconds()
        values = (
            f"first post {a.first_post.isoformat()}",
            f"usual pause {b.median_pause / 60:.0f} min",
        )
        if gap < 0:
            return self.level("first post before the last old post", values, gap / b.median_pause)
        ratio = gap / max(60.0, b.median_pause)
        for bound, label in zip(self.config["bands"], self.LEVELS, strict=False):
            if ratio <= bound:
                return self.level(label, values, ratio)
        return self.level("over 100 usual pauses", values, ratio)


class PauseFitComparator(Comparator):
    """How typical the silence between the removed account's last post and the new account's
    first post is *for that removed account*: the density of that gap (log scale) under a
    kernel estimate of the removed account's own pauses. An account that posts every 40
    minutes and "returns" 40 minutes later keeps its rhythm; one that returns in 40 minutes
    after habitually pausing for days, less so."""

    NAME = "pause_fit"
    FAMILY = "timing"
    LEVELS = (
        "a very typical pause for it",
        "a typical pause",
        "an unusual pause",
        "a rare pause",
        "a pause it never takes",
        "first post before the last old post",
    )
    CONFIG = (
        ConfigVar("bandwidth", 0.2, "kernel width in log10 seconds"),
        ConfigVar("bands", (1.0, 0.4, 0.15, 0.04), "densities (per log10 unit) of the levels"),
    )

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if a.first_post is None or b.last_post is None or b.log_pauses is None:
            return self.missing()
        gap = (a.first_post - b.last_post).total_seconds()
        values = (f"{gap / HOUR:.1f} h after its last post", f"{len(b.log_pauses)} pauses")
        if gap < 0:
            return self.level("first post before the last old post", values, None)
        bw = float(self.config["bandwidth"])
        z = (np.log10(max(gap, 60.0)) - b.log_pauses) / bw
        density = float(np.mean(np.exp(-0.5 * z * z)) / (bw * np.sqrt(2 * np.pi)))
        return self.level(band(density, self.config["bands"], self.LEVELS[:5]), values, density)


class TempoComparator(Comparator):
    """Ratio of the two accounts' usual pause between posts (posting rate)."""

    NAME = "tempo"
    FAMILY = "timing"
    LEVELS = ("same tempo (within 1.5x)", "similar tempo (within 3x)", "different tempo")

    def compare(self, a: AccountProfile, b: AccountProfile, corpus: Corpus) -> ComparisonResult:
        if not a.median_pause or not b.median_pause:
            return self.missing()
        r = max(a.median_pause, 60.0) / max(b.median_pause, 60.0)
        r = max(r, 1 / r)
        values = (f"{a.median_pause / 60:.0f} min", f"{b.median_pause / 60:.0f} min")
        if r <= 1.5:
            return self.level(self.LEVELS[0], values, r)
        if r <= 3:
            return self.level(self.LEVELS[1], values, r)
        return self.level(self.LEVELS[2], values, r)
