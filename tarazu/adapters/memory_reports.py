"""Public reports, reporters, rate-limit buckets and campaigns held in memory: the twin of
:class:`tarazu.adapters.db.reports.ReportStore` (the port
:class:`tarazu.service.ports.PublicReports`). One process, one thread: a bucket needs no lock
here."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tarazu.adapters.memory_state import MemoryState, frozen, insert_new, updated
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.events import SubjectRef
from tarazu.reports.campaign import Sighting
from tarazu.reports.model import ReporterView
from tarazu.reports.ratelimit import Bucket
from tarazu.service.ports import Cipher
from tarazu.service.records import Campaign, StoredReport

Row = dict[str, Any]


class MemoryPublicReports:
    def __init__(self, state: MemoryState, cipher: Cipher) -> None:
        self._s = state
        self._cipher = cipher

    # -- rate limits ------------------------------------------------------------------------
    def bucket(self, key: str, full: Bucket) -> Bucket:
        if key not in self._s.rate_buckets:
            self._s.rate_buckets[key] = (full.tokens, format_time(full.updated_at))
        tokens, at = self._s.rate_buckets[key]
        return Bucket(tokens, parse_time(at))

    def save_bucket(self, key: str, b: Bucket) -> None:
        if key in self._s.rate_buckets:
            self._s.rate_buckets[key] = (b.tokens, format_time(b.updated_at))

    # -- reporters --------------------------------------------------------------------------
    def reporter(self, key: str) -> ReporterView:
        actioned, not_actioned = self.track_record(key)
        if key not in self._s.reporters:
            return ReporterView(key, None, None, actioned, not_actioned, False)
        r = dict(self._s.reporters[key])
        return ReporterView(key, parse_time(r["first_seen_at"]),
                            parse_time(r["account_created_at"]) if r["account_created_at"]
                            else None, actioned, not_actioned, r["muted"])

    def touch_reporter(self, key: str, at: datetime, account_created_at: datetime | None
                       ) -> None:
        if key not in self._s.reporters:
            self._s.reporters[key] = frozen(
                first_seen_at=format_time(at),
                account_created_at=format_time(account_created_at) if account_created_at
                else None, muted=False, muted_at=None, mute_reason="")

    def set_muted(self, key: str, muted: bool, at: datetime, reason: str) -> None:
        if key in self._s.reporters:
            self._s.reporters[key] = updated(
                self._s.reporters[key], muted=muted, muted_at=format_time(at) if muted else None,
                mute_reason=reason if muted else "")

    def track_record(self, key: str) -> tuple[int, int]:
        actioned = closed = 0
        for r in self._reports():
            found = self._s.status.get(r["subject"]) if r["reporter_key"] == key else None
            if found is not None:
                row = found[0]
                actioned += row.enforcement is not None
                closed += row.enforcement is None and row.review_state == "closed"
        return actioned, closed

    # -- reports ----------------------------------------------------------------------------
    def _reports(self, subject: SubjectRef | None = None) -> list[Row]:
        rows = [dict(r) for r in self._s.public_reports.values()]
        return [r for r in rows if subject is None or r["subject"] == subject]

    def add(self, *, receipt_id: str, token_hash: str, platform: str, target_type: str,
            target_ref: str, subject: SubjectRef, category: str, text: str, contact: str,
            reporter_key: str, new_reporter: bool, weight: float, held: bool, set_aside: bool,
            campaign_id: str | None, event_id: str, at: datetime) -> None:
        insert_new(self._s.public_reports, receipt_id, frozen(
            receipt_id=receipt_id, token_hash=token_hash, platform=platform,
            target_type=target_type, target_ref=target_ref, subject=subject, category=category,
            text_enc=self._cipher.encrypt_json(text) if text else None,
            contact_enc=self._cipher.encrypt_json(contact) if contact else None,
            reporter_key=reporter_key, new_reporter=new_reporter, weight=weight, held=held,
            set_aside=set_aside, campaign_id=campaign_id, event_id=event_id,
            received_at=format_time(at)), "public_reports.receipt_id")

    def get(self, receipt_id: str) -> StoredReport | None:
        if receipt_id not in self._s.public_reports:
            return None
        r = dict(self._s.public_reports[receipt_id])
        return StoredReport(r["receipt_id"], r["token_hash"], r["platform"], r["target_type"],
                            r["target_ref"], r["subject"], r["category"], r["received_at"],
                            r["set_aside"], r["held"], r["campaign_id"])

    def sightings(self, subject: SubjectRef, since: datetime) -> list[Sighting]:
        t = format_time(since)
        rows = sorted((r for r in self._reports(subject) if r["received_at"] >= t),
                      key=lambda r: r["received_at"])
        return [Sighting(parse_time(r["received_at"]), r["reporter_key"], r["new_reporter"])
                for r in rows]

    def counted_weight(self, subject: SubjectRef) -> float:
        return float(sum(r["weight"] for r in self._reports(subject)
                         if not r["set_aside"] and not r["held"]))

    def counts(self, subject: SubjectRef) -> dict[str, int]:
        rows = self._reports(subject)
        return {"reports": len(rows), "set_aside": sum(1 for r in rows if r["set_aside"])}

    # -- campaigns --------------------------------------------------------------------------
    def add_campaign(self, c: Campaign) -> None:
        insert_new(self._s.campaigns, c.campaign_id, frozen(
            campaign_id=c.campaign_id, subject=c.subject, detected_at=c.detected_at,
            first_at=format_time(c.first_at), last_at=format_time(c.last_at),
            reports=c.reports, reporters=c.reporters, new_reporters=c.new_reporters,
            event_id=c.event_id), "report_campaigns.campaign_id")

    def update_campaign(self, campaign_id: str, *, last_at: datetime, reports: int,
                        reporters: int, new_reporters: int) -> None:
        if campaign_id in self._s.campaigns:
            self._s.campaigns[campaign_id] = updated(
                self._s.campaigns[campaign_id], last_at=format_time(last_at), reports=reports,
                reporters=reporters, new_reporters=new_reporters)

    def campaign_members(self, campaign_id: str) -> set[str]:
        return {r["reporter_key"] for r in self._reports() if r["campaign_id"] == campaign_id}

    def campaign_totals(self, campaign_id: str) -> tuple[int, int, int]:
        rows = [r for r in self._reports() if r["campaign_id"] == campaign_id]
        return (len(rows), len({r["reporter_key"] for r in rows}),
                len({r["reporter_key"] for r in rows if r["new_reporter"]}))

    def mark_campaign(self, subject: SubjectRef, since: datetime, campaign_id: str) -> None:
        t = format_time(since)
        for r in self._reports(subject):
            if r["received_at"] >= t and r["new_reporter"] and r["campaign_id"] is None:
                self._s.public_reports[r["receipt_id"]] = updated(
                    self._s.public_reports[r["receipt_id"]], campaign_id=campaign_id)

    def campaigns(self, subject: SubjectRef | None = None, limit: int = 200) -> list[Campaign]:
        rows = [dict(r) for r in self._s.campaigns.values()]
        rows = sorted((r for r in rows if subject is None or r["subject"] == subject),
                      key=lambda r: r["last_at"], reverse=True)[:limit]
        return [Campaign(r["campaign_id"], r["subject"], r["detected_at"],
                         parse_time(r["first_at"]), parse_time(r["last_at"]), r["reports"],
                         r["reporters"], r["new_reporters"], r["event_id"]) for r in rows]
