"""Shared set-up for data-request tests: synthetic accounts and a request document."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from tarazu.datarequests.parse import parse_request
from tarazu.domain.platform import Account, Post
from tarazu.domain.roles import Role
from tarazu.service import datarequests as dr
from tests.unit.datarequests.samples import NOW, doc

LEGAL = frozenset({Role.LEGAL})
SENIOR = frozenset({Role.SENIOR_REVIEWER})
IDENTIFIERS = {"email": "e-hash-1", "phone": "p-hash-1", "ip_prefix": "ip-hash-1",
               "device": "dev-hash-1", "geo": "geo-hash-1"}


def seed(app) -> None:
    """Synthetic accounts and posts; the clock moves to when the sample request arrives
    (tarazu's clock, not the document, says when a request was received)."""
    if app.clock.now() < NOW:
        app.clock.advance(seconds=(NOW - app.clock.now()).total_seconds())
    t = datetime(2025, 1, 5, 10, 0, tzinfo=UTC)
    with app.uow() as uow:
        uow.platform.upsert_account(Account(
            "a1", "@umar_media", t, "active", platform="x", display_name="Placeholder One",
            identifiers=IDENTIFIERS, following=("a2",), followers=("a3",)))
        uow.platform.upsert_account(Account(
            "j1", "@reporter_j", t, "active", platform="x", display_name="A Reporter",
            identifiers={"email": "e-hash-j"}, verified_categories=("journalist",)))
        for i, day in enumerate((5, 20, 30)):
            uow.platform.upsert_post(Post(f"p{i}", "a1", datetime(2025, 7, day, tzinfo=UTC),
                                          platform="x", text=f"placeholder text {i}"))
        uow.commit()


def submit(app, submitted_by: str | None = "fia_portal", **changes: Any):
    d = doc(**changes)
    req = parse_request(d, app.clock.now())
    return dr.import_request(app.uow, app.clock, req, json.dumps(d).encode(), platform="x",
                             submitted_by=submitted_by)


def events(app, kind=None, subject_type=None):
    with app.uow() as uow:
        out = [r.event for r in uow.events.iter_all()]
    return [e for e in out if (kind is None or e.kind == kind)
            and (subject_type is None or e.subject.type == subject_type)]
