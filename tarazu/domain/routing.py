"""Routing cases into named review queues, and the time each queue allows (its SLA).

Routing is a declarative, ordered list of :class:`Rule` values: the first rule whose every
condition holds names the queue (after Coop's routing rules). A rule lists only the conditions
it cares about; an empty rule matches every case under review, so the last rule is the catch-all.
Cases that are not under review (``none``, ``closed``) are in no queue.

Conditions (all optional, all must hold):

- ``appeal``: an appeal is open;  ``protected``: the account is protected;
- ``escalated``: sent to senior review;  ``pending_confirmation``: a decision awaits the second
  reviewer (two-person rule);  ``mirror``: mirror detection flagged it;
- ``sources``: any report came from one of these sources (``government``, ``trusted_flagger``,
  ``public``, ``automated``);  ``grounds``: a report cites one of these policies;
- ``languages``: reported content is in one of these languages;  ``min_priority``: severity.

Routing is configurable: build rules in code or load them with :func:`rules_from_config` from
a list of mappings (e.g. a JSON file), and pass ``Router(rules)`` where a router is taken."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from tarazu.domain.case import UNDER_REVIEW, CaseState


@dataclass(frozen=True)
class Rule:
    queue: str
    appeal: bool | None = None
    protected: bool | None = None
    escalated: bool | None = None
    pending_confirmation: bool | None = None
    mirror: bool | None = None
    sources: frozenset[str] = frozenset()
    grounds: frozenset[str] = frozenset()
    languages: frozenset[str] = frozenset()
    min_priority: int = 0

    def matches(self, state: CaseState, protected: bool) -> bool:
        flags = (
            (self.appeal, state.appeal_open is not None),
            (self.protected, protected),
            (self.escalated, state.escalated),
            (self.pending_confirmation, state.pending_decision is not None),
            (self.mirror, bool(state.mirror_candidates)),
        )
        if any(want is not None and want != have for want, have in flags):
            return False
        sets = ((self.sources, state.sources), (self.grounds, state.grounds),
                (self.languages, state.languages))
        if any(want and not (want & have) for want, have in sets):
            return False
        return state.priority >= self.min_priority


@dataclass(frozen=True)
class QueueSpec:
    """A named queue: who works it and how long a case may wait in it."""

    name: str
    title: str
    sla: timedelta
    senior_only: bool = False


QUEUES: dict[str, QueueSpec] = {
    q.name: q
    for q in (
        QueueSpec("appeals", "Appeals (decided by someone who took no part)", timedelta(days=7)),
        QueueSpec("senior", "Senior review (protected accounts, escalations)",
                  timedelta(hours=48), senior_only=True),
        QueueSpec("confirmation", "Second reviewer (two-person rule)", timedelta(hours=24)),
        QueueSpec("government", "Government referrals", timedelta(hours=24)),
        QueueSpec("urgent", "Threats of violence", timedelta(hours=4)),
        QueueSpec("trusted_flagger", "Trusted flaggers", timedelta(hours=48)),
        QueueSpec("mirrors", "Mirror accounts (automated detection)", timedelta(hours=24)),
        QueueSpec("pashto", "Pashto-language content", timedelta(hours=72)),
        QueueSpec("general", "General", timedelta(hours=72)),
    )
}

#: The default routing, in order: the first matching rule wins.
DEFAULT_RULES: tuple[Rule, ...] = (
    Rule("appeals", appeal=True),
    Rule("senior", protected=True),
    Rule("senior", escalated=True),
    Rule("confirmation", pending_confirmation=True),
    Rule("government", sources=frozenset({"government"})),
    Rule("urgent", grounds=frozenset({"VIO-1"})),
    Rule("trusted_flagger", sources=frozenset({"trusted_flagger"})),
    Rule("mirrors", sources=frozenset({"automated"}), mirror=True),
    Rule("pashto", languages=frozenset({"ps"})),
    Rule("general"),
)


class Router:
    """``router(state, protected) -> queue name | None``: the first matching rule's queue."""

    def __init__(self, rules: Iterable[Rule] = DEFAULT_RULES) -> None:
        self.rules = tuple(rules)
        if not self.rules:
            raise ValueError("a router needs at least one rule")

    def __call__(self, state: CaseState, protected: bool) -> str | None:
        if state.review_state not in UNDER_REVIEW:
            return None
        return next((r.queue for r in self.rules if r.matches(state, protected)), None)


def due_at(state: CaseState, queue: str | None,
           queues: Mapping[str, QueueSpec] = QUEUES) -> datetime | None:
    """When the case must be dealt with: the queue's SLA from when it entered review."""
    spec = queues.get(queue or "")
    if spec is None or state.opened_at is None:
        return None
    return state.opened_at + spec.sla


_SET_FIELDS = {"sources", "grounds", "languages"}


def rules_from_config(items: Iterable[Mapping[str, Any]]) -> tuple[Rule, ...]:
    """Rules from plain mappings (``[{"queue": "government", "sources": ["government"]}]``);
    an unknown key or a missing queue is an error naming the rule."""
    known = {f.name for f in fields(Rule)}
    rules = []
    for i, item in enumerate(items, 1):
        unknown = set(item) - known
        if unknown:
            raise ValueError(f"routing rule {i}: unknown field(s) {', '.join(sorted(unknown))}")
        if not item.get("queue"):
            raise ValueError(f"routing rule {i}: field 'queue' is required")
        values = {k: frozenset(v) if k in _SET_FIELDS else v for k, v in item.items()}
        rules.append(Rule(**values))
    return tuple(rules)
