"""Roles and what each may do. The web and API layers check these, the domain relies on them."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"
    REVIEWER = "reviewer"
    SENIOR_REVIEWER = "senior_reviewer"
    LEGAL = "legal"
    AUDITOR = "auditor"  # read-only oversight: reads everything, changes nothing
    REQUESTER = "requester"  # an authority's portal account
    TRUSTED_FLAGGER = "trusted_flagger"
    MONITOR = "monitor"  # a metrics scraper: counters and queue depths, no case or person


#: Roles that may read the Prometheus metrics (``/metrics``).
METRICS_READERS = frozenset({Role.MONITOR, Role.ADMIN})
#: Roles that may read cases and the review queue.
CASE_READERS = frozenset({Role.REVIEWER, Role.SENIOR_REVIEWER, Role.ADMIN, Role.AUDITOR})
#: Roles that may decide cases.
DECIDERS = frozenset({Role.REVIEWER, Role.SENIOR_REVIEWER})
#: Roles that may act on protected accounts and confirm high-impact decisions.
SENIOR = frozenset({Role.SENIOR_REVIEWER})


def parse_roles(text: str) -> frozenset[Role]:
    return frozenset(Role(r.strip()) for r in text.split(",") if r.strip())
