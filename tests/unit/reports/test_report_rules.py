"""Pure rules of the report path: token buckets, reputation, sub-linear priority, campaign
detection and the report form."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tarazu.reports import campaign as camp
from tarazu.reports.model import ReportError, ReporterView, validate
from tarazu.reports.priority import increment, report_priority
from tarazu.reports.ratelimit import Bucket, BucketPolicy, give_back, take
from tarazu.reports.reputation import NEW_WEIGHT, is_new, score, weight

NOW = datetime(2025, 7, 25, 12, 0, tzinfo=UTC)


def test_a_bucket_allows_a_burst_then_refuses_with_the_wait_then_refills():
    policy = BucketPolicy(capacity=3, per_second=1 / 60)
    b = None
    for _ in range(3):
        d = take(b, NOW, policy)
        assert d.allowed
        b = d.bucket
    d = take(b, NOW + timedelta(seconds=10), policy)
    assert not d.allowed and d.retry_after == 50
    d = take(d.bucket, NOW + timedelta(seconds=61), policy)
    assert d.allowed
    # time never runs backwards into extra tokens, and never beyond capacity
    assert take(Bucket(0.0, NOW), NOW - timedelta(hours=1), policy).allowed is False
    assert take(Bucket(3.0, NOW), NOW + timedelta(days=9), policy).bucket.tokens == 2.0


def test_a_token_given_back_refills_once_and_never_beyond_capacity():
    policy = BucketPolicy(capacity=3, per_second=1 / 60)
    assert give_back(Bucket(0.5, NOW), NOW, policy) == Bucket(1.5, NOW)
    assert give_back(Bucket(2.5, NOW), NOW + timedelta(seconds=60), policy) == Bucket(3.0, NOW
        + timedelta(seconds=60))


def test_reputation_follows_outcomes_and_new_reporters_count_little():
    assert score(0, 0) == 0.5 and score(9, 0) > 0.9 and score(0, 9) < 0.1
    fresh = ReporterView("k", None)
    assert is_new(fresh, NOW) and weight(fresh, NOW) == NEW_WEIGHT
    good = ReporterView("k", NOW - timedelta(days=90), None, actioned=8, not_actioned=1)
    bad = ReporterView("k", NOW - timedelta(days=90), None, actioned=0, not_actioned=12)
    assert weight(good, NOW) > 1.5 > weight(bad, NOW)
    assert weight(bad, NOW) >= 0.1
    young_account = ReporterView("k", NOW - timedelta(days=90), NOW - timedelta(days=2), 5, 0)
    assert is_new(young_account, NOW)
    assert weight(ReporterView("k", None, muted=True), NOW) == 0.0


def test_priority_grows_sub_linearly_and_increments_add_up():
    assert report_priority(1) == 3
    assert report_priority(100) < 10 * report_priority(1)
    total, w = 0, 0.0
    for _ in range(300):
        total += increment(w, 1.0)
        w += 1.0
    assert total == report_priority(300) and total < 30


def _sightings(n: int, new: bool, minutes: float, start: datetime = NOW):
    step = timedelta(minutes=minutes) / max(1, n)
    return [camp.Sighting(start + i * step, f"r{i}", new) for i in range(n)]


def test_a_burst_of_new_reporters_is_a_campaign_and_an_organic_trickle_is_not():
    policy = camp.CampaignPolicy()
    s = _sightings(40, True, 5)
    b = camp.burst(s, s[-1].at, policy)
    assert camp.is_campaign(b, policy)
    assert b.describe() == "possible coordinated campaign: 40 reports from 40 new reporters " \
                           "in 5 minutes"
    organic = _sightings(40, False, 5)  # established reporters: not this pattern
    assert not camp.is_campaign(camp.burst(organic, organic[-1].at, policy), policy)
    slow = _sightings(40, True, 24 * 60)  # spread over a day: never 10 in 30 minutes
    assert not camp.is_campaign(camp.burst(slow, slow[-1].at, policy), policy)


def test_new_reporters_piling_on_are_held():
    policy = camp.CampaignPolicy(hold_after=3)
    assert not camp.should_hold(_sightings(2, True, 1), NOW, policy)
    assert camp.should_hold(_sightings(3, True, 1), NOW + timedelta(minutes=1), policy)
    assert not camp.should_hold(_sightings(3, True, 1), NOW + timedelta(hours=2), policy)


@pytest.mark.parametrize("kw,field", [
    (dict(platform=""), "platform"), (dict(target_type="user"), "target_type"),
    (dict(target=""), "target"), (dict(category="anti_state"), "category"),
    (dict(category="other", text=""), "text"), (dict(text="x" * 2001), "text"),
])
def test_the_report_form_names_the_bad_field(kw, field):
    base = dict(platform="x", target_type="account", target="@a",
                category="designated_organisation", text="", contact="")
    with pytest.raises(ReportError) as e:
        validate(**(base | kw))
    assert e.value.field == field


def test_age_alone_vouches_for_nothing_only_a_report_that_led_to_action_does():
    week_old = ReporterView("k", NOW - timedelta(days=8))
    month_old = ReporterView("k", NOW - timedelta(days=60), None, actioned=0, not_actioned=2)
    vouched = ReporterView("k", NOW - timedelta(days=8), None, actioned=1)
    assert is_new(week_old, NOW) and weight(week_old, NOW) == NEW_WEIGHT
    assert is_new(month_old, NOW) and weight(month_old, NOW) <= NEW_WEIGHT
    assert not is_new(vouched, NOW) and weight(vouched, NOW) > NEW_WEIGHT


def test_public_reports_add_no_priority_to_a_protected_account():
    assert increment(0.0, 2.0) > 0
    assert increment(0.0, 2.0, protected_target=True) == 0
    assert increment(50.0, 2.0, protected_target=True) == 0
