"""Synthetic platform data and referral documents for the referral and report tests."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

from tarazu.domain.platform import Account, Media, Post
from tarazu.referrals.parse import parse_json
from tarazu.reports.model import validate
from tarazu.service import referrals, reports
from tarazu.service.reports import Receipt, ReporterIdentity

T0 = datetime(2025, 6, 1, tzinfo=UTC)


def seed_platform(app, n_accounts: int = 3, platform: str = "x",
                  journalist: str | None = "journo") -> None:
    """Accounts acc0..accN-1 with two posts each (p-accI-0/1), and a verified journalist."""
    with app.uow() as uow:
        for i in range(n_accounts):
            h = f"acc{i}"
            uow.platform.upsert_account(Account(f"id-{h}", h, T0, "active", platform=platform,
                                                links=(f"https://t.me/{h}_channel",)))
            for j in range(2):
                uow.platform.upsert_post(Post(
                    f"p-{h}-{j}", f"id-{h}", T0 + timedelta(days=j), platform=platform,
                    text="placeholder text", links=(f"https://example.org/{h}/{j}",),
                    media=(Media(md5=f"{i:02d}{j:02d}".ljust(32, "a")),)))
        if journalist:
            uow.platform.upsert_account(Account(
                f"id-{journalist}", journalist, T0, "active", platform=platform,
                verified_categories=("journalist",)))
            uow.platform.upsert_post(Post(f"p-{journalist}-0", f"id-{journalist}", T0,
                                          platform=platform, text="a news report"))
        uow.commit()


def item(handle: str, **kw) -> dict:
    base = {"account": f"@{handle}", "platform": "x", "group": "Tehreek-e-Taliban Pakistan",
            "ground": "propaganda of a proscribed organisation",
            "legal_basis": "Anti-Terrorism Act 1997, s. 11W", "instrument": "",
            "evidence": [f"https://x.com/{handle}/status/p-{handle}-0"], "note": ""}
    base.update(kw)
    return base


def document(request_id: str, items: list[dict], requester_type: str = "government") -> str:
    return json.dumps({
        "request_id": request_id,
        "requester": {"type": requester_type, "country": "PK", "agency": "Ministry of Interior",
                      "official": {"name": "A. Official", "title": "Section Officer"}},
        "received_at": "2025-07-25T09:00:00Z", "items": items}, ensure_ascii=False)


def report(app, target: str, reporter: str, account_created: datetime | None = None,
           category: str = "designated_organisation") -> Receipt:
    """A public report of the account ``target`` on platform x, through the use case."""
    form = validate("x", "account", target, category)
    return reports.submit_report(app.uow, app.clock, form,
                                 ReporterIdentity(reporter, account_created))


def run(app, doc: str, by: str | None = "requester") -> referrals.ImportResult:
    """Import the referral document ``doc`` as ``by`` submitted it, through the use case."""
    request, errors = parse_json(doc, app.clock.now())
    return referrals.import_request(app.uow, app.clock, request, errors, doc.encode(),
                                    app.designation_lookup(), submitted_by=by)


def outcomes(result: referrals.ImportResult) -> list[tuple[int, str, list[str]]]:
    return [(r.line, r.outcome.value, [x.value for x in r.reasons]) for r in result.results]
