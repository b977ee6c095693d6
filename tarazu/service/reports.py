"""Public reports: rate-limited intake, one case per target, reputation-weighted and
sub-linear priority, coordinated-campaign detection, muted reporters, and a receipt with a
secret token through which the reporter follows what became of the report.

A report is a REPORT event on the target's subject (so repeated reports fold into one case);
a report that is set aside (muted reporter, detected campaign) is still recorded, with
``set_aside: true``, and the case fold counts it apart from the others."""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from tarazu.domain.case import UNDER_REVIEW, ReviewState
from tarazu.domain.chain import format_time
from tarazu.domain.events import EventKind, SubjectRef, SubjectType
from tarazu.domain.payloads import MuteReporter, Note, Report
from tarazu.referrals.evidence import RefKind, classify
from tarazu.reports import campaign as camp
from tarazu.reports import priority, reputation
from tarazu.reports.model import CATEGORIES, ReportError, ReportForm
from tarazu.reports.ratelimit import Bucket, BucketPolicy, Decision, take
from tarazu.service import cases
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.records import Campaign
from tarazu.service.transaction import read_only

ACTOR = "system:reports"


def pseudonym(secret: bytes, value: str) -> str:
    """A stable key for a client or reporter that cannot be turned back into the IP address or
    cookie it came from without the deployment's secret."""
    return hmac.new(secret, value.encode(), hashlib.sha256).hexdigest()


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# -- rate limits ----------------------------------------------------------------------------

def rate_limit(uow_factory: UowFactory, clock: Clock, key: str,
               policy: BucketPolicy = BucketPolicy()) -> Decision:
    """Take one token from the client's bucket (stored, so it holds across processes and
    restarts); the decision says how long to wait when refused."""
    with uow_factory() as uow:
        now = clock.now()
        d = take(uow.reports.bucket(key, Bucket(policy.capacity, now)), now, policy)
        uow.reports.save_bucket(key, d.bucket)
        uow.commit()
    return d


# -- intake ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class ReporterIdentity:
    key: str  # pseudonym (see :func:`pseudonym`)
    account_created_at: datetime | None = None  # when the platform vouches for an account


@dataclass(frozen=True)
class Receipt:
    receipt_id: str
    token: str  # shown once; only its hash is kept
    subject: SubjectRef
    counted: bool  # False when held or set aside (the reporter is not told which)


#: Path segments after which a post URL names its post (status, posts, p, reel, video...).
_POST_MARKER = re.compile(r"/(?:status|statuses|posts?|p|reel|videos?|shorts|s)/([^/?#]+)")


def _post_candidates(target: str) -> list[str]:
    """The post ids a reference may name, most likely first: what the evidence classifier
    reads, the reference as given, what follows a post marker anywhere in a URL's path (``/i/
    web/status/ID``, ``/h/status/ID/photo/1``), then the URL's last path segment."""
    ref = classify(target)
    out = [ref.post_id] if ref.kind is RefKind.POST and ref.post_id else []
    out.append(target)
    if "/" in target:
        path = urlsplit(target if "://" in target else "https://" + target).path
        out += _POST_MARKER.findall(path)
        segments = [x for x in path.split("/") if x]
        out += segments[-1:]
    return list(dict.fromkeys(out))


def resolve_target(uow: StoreUnitOfWork, form: ReportForm) -> SubjectRef:
    """The stored account or post a report is about. A report on something the platform's
    data does not hold is refused, naming the field: a case about nothing can only mislead (a
    reviewer would be offered to remove an account no one can look at)."""
    if form.target_type == "post":
        for post_id in _post_candidates(form.target):
            post = uow.platform.get_post(form.platform, post_id)
            if post is not None:
                return SubjectRef.post(post.platform, post.post_id)
        raise ReportError("target", f"no post {form.target!r} is known on platform "
                                    f"{form.platform!r}: give the link to the post or its id")
    account = uow.platform.find_account(form.platform, form.target)
    if account is None:
        raise ReportError("target", f"no account {form.target!r} is known on platform "
                                    f"{form.platform!r}: check the handle or the link to the "
                                    "profile")
    return SubjectRef.account(account.platform, account.account_id)


def _active_campaign(uow: StoreUnitOfWork, subject: SubjectRef, now: datetime,
                     policy: camp.CampaignPolicy) -> Campaign | None:
    for c in uow.reports.campaigns(subject, limit=1):
        if now - c.last_at <= policy.window:
            return c
    return None


def submit_report(uow_factory: UowFactory, clock: Clock, form: ReportForm,
                  reporter: ReporterIdentity,
                  policy: camp.CampaignPolicy = camp.CampaignPolicy()) -> Receipt:
    now = clock.now()
    receipt_id = "RPT-" + secrets.token_hex(6).upper()
    token = secrets.token_urlsafe(24)
    with uow_factory() as uow:
        subject = resolve_target(uow, form)
        view = uow.reports.reporter(reporter.key)
        if view.account_created_at is None and reporter.account_created_at is not None:
            view = replace(view, account_created_at=reporter.account_created_at)
        uow.reports.touch_reporter(reporter.key, now, reporter.account_created_at)
        new = reputation.is_new(view, now)
        weight = reputation.weight(view, now)
        sightings = uow.reports.sightings(subject, now - policy.window)
        active = _active_campaign(uow, subject, now, policy)

        payload: dict[str, Any] = {"source": "public", "reporter": reporter.key,
                                   "category": form.category, "receipt_id": receipt_id,
                                   "policy_hint": CATEGORIES[form.category][1],
                                   "new_reporter": new}
        held = set_aside = False
        campaign_id = None
        if view.muted:
            set_aside = True
            payload["set_aside_reason"] = "muted_reporter"
        elif active is not None and (new or reporter.key in
                                     uow.reports.campaign_members(active.campaign_id)):
            set_aside, campaign_id = True, active.campaign_id
            payload["set_aside_reason"] = "coordinated_campaign"
        elif new and camp.should_hold(sightings, now, policy):
            held = True
        s = cases.load(uow, subject)
        counted_before = uow.reports.counted_weight(subject)
        counted = not (set_aside or held)
        payload.update(weight=weight if counted else 0.0,
                       priority=priority.increment(counted_before, weight, s.protected)
                       if counted else 0)
        if s.protected:
            payload["protected_target"] = True
        if set_aside:
            payload["set_aside"] = True
        if held:
            payload["held"] = True
        if campaign_id:
            payload["campaign_id"] = campaign_id

        event = s.record(EventKind.REPORT, ACTOR, now, Report(**payload))
        uow.reports.add(
            receipt_id=receipt_id, token_hash=_token_hash(token), platform=form.platform,
            target_type=form.target_type, target_ref=form.target, subject=subject,
            category=form.category, text=form.text, contact=form.contact,
            reporter_key=reporter.key, new_reporter=new, weight=weight if counted else 0.0,
            held=held, set_aside=set_aside, campaign_id=campaign_id, event_id=event.event_id,
            at=now)
        sightings.append(camp.Sighting(now, reporter.key, new))
        if active is not None:
            _grow_campaign(uow, active, now)
        else:
            _detect(uow, s, sightings, now, policy)
        cases.save(uow, s)
        uow.commit()
    return Receipt(receipt_id, token, subject, counted)


def _detect(uow: StoreUnitOfWork, s: cases.Subject, sightings: list[camp.Sighting],
            now: datetime, policy: camp.CampaignPolicy) -> None:
    b = camp.burst(sightings, now, policy)
    if not camp.is_campaign(b, policy):
        return
    assert b.first_at is not None and b.last_at is not None
    campaign_id = "CMP-" + uuid.uuid4().hex[:12].upper()
    note = s.record(EventKind.NOTE, ACTOR, now, Note(
        flag="coordinated_campaign", campaign_id=campaign_id, reports=b.reports,
        reporters=b.reporters, new_reporters=b.new_reporters, minutes=b.minutes,
        description=b.describe(),
        effect="further reports in this campaign are set aside and add no priority"))
    uow.reports.add_campaign(Campaign(campaign_id, s.ref, format_time(now), b.first_at,
                                      b.last_at, b.reports, b.reporters, b.new_reporters,
                                      note.event_id))
    uow.reports.mark_campaign(s.ref, now - policy.window, campaign_id)


def _grow_campaign(uow: StoreUnitOfWork, c: Campaign, now: datetime) -> None:
    reports, reporters, new = uow.reports.campaign_totals(c.campaign_id)
    uow.reports.update_campaign(c.campaign_id, last_at=now, reports=reports,
                                reporters=reporters, new_reporters=new)


# -- muting ---------------------------------------------------------------------------------

def reporter_subject(key: str) -> SubjectRef:
    return SubjectRef(SubjectType.SYSTEM, f"reporter:{key}")


def mute_reporter(uow_factory: UowFactory, clock: Clock, key: str, actor: str, reason: str,
                  muted: bool = True) -> None:
    """Reports from a muted reporter keep being recorded, set aside. The mute is an event on
    the log (and a flag on the reporter row for the report path), so it survives restarts."""
    if not reason.strip():
        raise ValueError("field 'reason': muting a reporter needs a reason")
    now = clock.now()
    with uow_factory() as uow:
        uow.reports.touch_reporter(key, now, None)
        s = cases.load(uow, reporter_subject(key))
        s.record(EventKind.MUTE_REPORTER, actor, now,
                 MuteReporter(reporter=key, muted=muted, reason=reason))
        cases.save(uow, s)
        uow.reports.set_muted(key, muted, now, reason)
        uow.commit()


# -- what became of a report ----------------------------------------------------------------

class ReceiptNotFound(LookupError):
    """No such receipt, or the token does not match (the caller cannot tell which)."""


def report_status(uow_factory: UowFactory, receipt_id: str, token: str) -> dict[str, Any]:
    with uow_factory() as uow:
        r = uow.reports.get(receipt_id)
        if r is None or not hmac.compare_digest(r.token_hash, _token_hash(token or "")):
            raise ReceiptNotFound(receipt_id)
        row = uow.status.get(r.subject)
    if row is None or row.review_state == ReviewState.NONE:
        state, words = "received", "Received; not yet reviewed."
    elif row.review_state in UNDER_REVIEW:
        state, words = "under_review", "Under review."
    elif row.enforcement:
        state = "action_taken"
        words = f"Reviewed: action was taken ({row.enforcement.replace('_', ' ')})."
    else:
        state, words = "no_action", "Reviewed: no action was taken under our rules."
    return {"receipt_id": r.receipt_id, "received_at": r.received_at, "platform": r.platform,
            "target": r.target_ref, "category": r.category,
            "category_label": CATEGORIES[r.category][0], "state": state, "in_words": words}


def campaigns(uow: StoreUnitOfWork, subject: SubjectRef | None = None) -> list[dict[str, Any]]:
    """Detected campaigns for reviewers (newest first), with the sentence the case page shows.
    """
    out = []
    for c in uow.reports.campaigns(subject):
        d = c.to_json()
        counts = uow.reports.counts(c.subject)
        d["subject_reports"], d["subject_set_aside"] = counts["reports"], counts["set_aside"]
        out.append(d)
    return out


#: The campaigns as the API lists them, in a unit of work of its own.
read_campaigns = read_only(campaigns)
