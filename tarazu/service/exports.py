"""What tarazu publishes about itself — read models over the event log:

- statements of reasons for the EU DSA Transparency Database (one per decision that took
  effect; field names and keys as the database's API; no personal data; validated against
  ``tarazu/data/schemas/dsa_statement.schema.json``);
- Lumen-style notices of government requests (sender, recipient, jurisdiction, dates, action
  taken, the works targeted — account addresses ``[REDACTED]``);
- Santa Clara-style counts (per policy, action, country and detection source; appeals,
  reversals; state demands by requesting body, cited law and outcome);
- an anchor of the audit chain (its head) to publish, and the check that the chain still
  holds it — so outsiders can later tell whether history was rewritten."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path
from typing import Any

from tarazu.domain.case import CaseState, DecisionRecord, DecisionStatus, fold
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.policies import ENFORCING, Action, get_policy
from tarazu.service import audit
from tarazu.service.clock import Clock
from tarazu.service.notices import puid
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.transaction import read_only

SCHEMA = Path(__file__).resolve().parents[1] / "data" / "schemas" / "dsa_statement.schema.json"
REDACTED = "[REDACTED]"
#: Decisions that never took effect: a statement of reasons is made for none of them.
_NEVER_APPLIED = (DecisionStatus.PENDING, DecisionStatus.REJECTED)
#: Countries the DSA database accepts in ``territorial_scope`` (EU and EEA).
EEA = frozenset({"AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR",
                 "HU", "IE", "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT",
                 "RO", "SE", "SI", "SK"})
SOURCE_TYPES = {"government": "SOURCE_TYPE_OTHER_NOTIFICATION",
                "trusted_flagger": "SOURCE_TRUSTED_FLAGGER", "public": "SOURCE_ARTICLE_16"}
#: Santa Clara's detection sources.
DETECTION = {"government": "government", "trusted_flagger": "trusted flagger",
             "public": "user", "automated": "automated"}


@cache
def dsa_schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text(encoding="utf-8"))


def _day(t: datetime) -> str:
    return t.astimezone(UTC).date().isoformat()


@dataclass(frozen=True)
class _Decided:
    """A decision that took effect, with what the exports need to know about it."""

    event: ModerationEvent
    record: DecisionRecord
    state: CaseState
    applied_at: datetime


def _decided(uow: StoreUnitOfWork, since: datetime | None) -> Iterator[_Decided]:
    """Every enforcing decision that took effect (alone, or once confirmed), in log order."""
    states: dict[SubjectRef, tuple[CaseState, list[ModerationEvent]]] = {}
    for rec, _ in uow.events.payloads(EventKind.DECISION.value):
        e = rec.event
        if since and e.occurred_at < since:
            continue
        if e.subject not in states:
            history = uow.events.for_subject(e.subject)
            states[e.subject] = (fold(e.subject, history), history)
        state, history = states[e.subject]
        d = state.decision(e.event_id)
        if d is None or d.action not in ENFORCING or d.status in _NEVER_APPLIED:
            continue
        if d.needs_confirmation and not d.confirmed_by:
            continue  # undone while still awaiting its second reviewer: never took effect
        applied_at = e.occurred_at
        if d.needs_confirmation:
            applied_at = next(x.occurred_at for x in history if x.kind is EventKind.CONFIRM
                              and x.payload.get("decision_id") == d.decision_id)
        yield _Decided(e, d, state, applied_at)


# -- DSA Transparency Database -----------------------------------------------------------------
def _restriction(subject: SubjectRef, d: DecisionRecord) -> dict[str, Any]:
    account = subject.type is SubjectType.ACCOUNT
    a = d.action
    if a is Action.REMOVE:
        return ({"decision_account": "DECISION_ACCOUNT_TERMINATED",
                 "decision_provision": "DECISION_PROVISION_TOTAL_TERMINATION"} if account
                else {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_REMOVED"]})
    if a is Action.SUSPEND:
        out: dict[str, Any] = ({"decision_account": "DECISION_ACCOUNT_SUSPENDED",
                                "decision_provision": "DECISION_PROVISION_TOTAL_SUSPENSION"}
                               if account else
                               {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"]})
        if d.until:
            key = "end_date_account_restriction" if account else "end_date_visibility_restriction"
            out[key] = d.until[:10]
        return out
    if a is Action.RESTRICT_COUNTRY:
        out = {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_DISABLED"]}
        if d.country and d.country.upper() in EEA:
            out["territorial_scope"] = [d.country.upper()]
        return out
    return {"decision_visibility": ["DECISION_VISIBILITY_CONTENT_LABELLED"]}


def _content(uow: StoreUnitOfWork, subject: SubjectRef, fallback: datetime
             ) -> tuple[list[str], dict[str, Any], datetime]:
    if subject.type is SubjectType.POST:
        post = uow.platform.get_post(subject.platform, subject.native_id)
        if post:
            kinds = {"image": "CONTENT_TYPE_IMAGE", "video": "CONTENT_TYPE_VIDEO",
                     "audio": "CONTENT_TYPE_AUDIO"}
            types = (["CONTENT_TYPE_TEXT"] if post.text else []) + sorted(
                {kinds.get(m.kind, "CONTENT_TYPE_OTHER") for m in post.media})
            extra: dict[str, Any] = {}
            if post.lang and len(post.lang) == 2:
                extra["content_language"] = post.lang.upper()
            if "CONTENT_TYPE_OTHER" in types:
                extra["content_type_other"] = "media attached to a post"
            return types or ["CONTENT_TYPE_TEXT"], extra, post.created_at
        return ["CONTENT_TYPE_TEXT"], {}, fallback
    account = uow.platform.get_account(subject.platform, subject.native_id)
    created = account.created_at if account else fallback
    return ["CONTENT_TYPE_OTHER"], {"content_type_other": "user account"}, created


def _facts(x: _Decided) -> str:
    """Facts from structured fields only (reviewers' free text may name people)."""
    p = x.event.payload
    policy = get_policy(x.record.policy)
    parts = [f"Decision under the platform's policy {policy.code} ({policy.title})."]
    sources = [DETECTION[s] for s in DETECTION if s in x.state.sources]
    if sources:
        parts.append("Brought to review by: " + ", ".join(sources) + ".")
    if p.get("designation"):
        parts.append(f"Designated organisation relied on: {p['designation']}.")
    evidence = p.get("evidence") or []
    parts.append(f"Evidence items relied on: {len(evidence)}.")
    if x.record.action is Action.RESTRICT_COUNTRY and x.record.country:
        parts.append(f"Withheld in one country only ({x.record.country.upper()}).")
    if x.record.confirmed_by:
        parts.append("Confirmed by a second reviewer.")
    return " ".join(parts)


def dsa_statement(uow: StoreUnitOfWork, x: _Decided) -> dict[str, Any]:
    d, subject = x.record, x.event.subject
    policy = get_policy(d.policy)
    types, content_extra, content_at = _content(uow, subject, x.applied_at)
    sources = x.state.sources
    source = next((SOURCE_TYPES[s] for s in ("government", "trusted_flagger", "public")
                   if s in sources), "SOURCE_VOLUNTARY")
    out: dict[str, Any] = {
        "puid": puid(d.decision_id),
        **_restriction(subject, d),
        "decision_facts": _facts(x),
        "content_type": types,
        **content_extra,
        "category": policy.dsa_category,
        "source_type": source,
        "automated_detection": "Yes" if "automated" in sources or d.automated else "No",
        "automated_decision": ("AUTOMATED_DECISION_FULLY" if d.automated
                               else "AUTOMATED_DECISION_NOT_AUTOMATED"),
        "content_date": max(_day(content_at), "2000-01-01"),
        "application_date": _day(x.applied_at),
    }
    if policy.dsa_keyword:
        out["category_specification"] = [policy.dsa_keyword]
    if d.action is Action.RESTRICT_COUNTRY or d.policy == "LOC-1":
        out["decision_ground"] = "DECISION_GROUND_ILLEGAL_CONTENT"
        out["illegal_content_legal_ground"] = (
            f"Law of {d.country.upper()} as cited in a recorded legal process" if d.country
            else "National law as cited in a recorded legal process")
        out["illegal_content_explanation"] = policy.description
    else:
        out["decision_ground"] = "DECISION_GROUND_INCOMPATIBLE_CONTENT"
        out["incompatible_content_ground"] = f"{policy.code}: {policy.title}"
        out["incompatible_content_explanation"] = policy.description
    return out


def dsa_statements(uow: StoreUnitOfWork, since: datetime | None = None
                   ) -> Iterator[dict[str, Any]]:
    for x in _decided(uow, since):
        yield dsa_statement(uow, x)


# -- Lumen notices of government requests -------------------------------------------------------
def _action_taken(actioned: int, total: int) -> str:
    if total == 0:
        return "Unspecified"
    if actioned == 0:
        return "No"
    return "Yes" if actioned == total else "Partial"


def lumen_notices(uow: StoreUnitOfWork, since: datetime | None = None
                  ) -> Iterator[dict[str, Any]]:
    """One notice per government referral request; the works are the accounts it named."""
    applied = {(x.event.subject, x.applied_at) for x in _decided(uow, None)}
    actioned_subjects: dict[SubjectRef, datetime] = {}
    for ref, at in applied:
        actioned_subjects[ref] = min(at, actioned_subjects.get(ref, at))
    barred = {str(p.get("referral_id", "")).split("#")[0]
              for _, p in uow.events.payloads(EventKind.REPORT.value) if p.get("nondisclosure")}
    for req in uow.referrals.requests():
        if req["requester_type"] != "government":
            continue
        received = parse_time(req["received_at"])
        if since and received < since:
            continue
        items = uow.referrals.items(req["request_id"])
        works, acted = [], 0
        for it in items:
            ref = SubjectRef.account(it.platform, it.account_id) if it.account_id else None
            done = bool(ref and ref in actioned_subjects and actioned_subjects[ref] >= received)
            acted += done
            works.append({"description": "account named in the request", "url": REDACTED,
                          "platform": it.platform or REDACTED, "check_outcome": it.outcome,
                          "legal_basis": it.item.get("legal_basis") or None,
                          "action_taken": "Yes" if done else "No"})
        laws = sorted({w["legal_basis"] for w in works if w["legal_basis"]})
        instruments = {str(it.item.get("instrument") or "") for it in items} - {""}
        secret = req["request_id"] in barred
        yield {
            "notice_type": "CourtOrder" if any("court" in i.lower() for i in instruments)
            else "GovernmentRequest",
            "title": f"Removal request {REDACTED if secret else req['request_id']}",
            "sender": {"name": REDACTED if secret else (req["agency"] or REDACTED),
                       "official": REDACTED, "country_code": req["country"] or None},
            "recipient": {"name": ", ".join(sorted({w["platform"] for w in works})) or
                          REDACTED},
            "jurisdictions": [req["country"]] if req["country"] else [],
            "date_sent": None,
            "date_received": _day(received),
            "action_taken": _action_taken(acted, len(works)),
            "request_type": "Court Order" if instruments else "Agency",
            "legal_basis": laws,
            "nondisclosure": secret,
            "works": works,
        }


# -- anchors of the audit chain ------------------------------------------------------------------
ANCHOR_FORMAT = "tarazu-chain-anchor/1"


def make_anchor(uow_factory: UowFactory, clock: Clock) -> dict[str, Any]:
    """The chain head as a document to publish (no signature: its value is in being published
    where tarazu's operators cannot change it). The chain is verified first."""
    report = audit.verify_chain(uow_factory)
    if not report.ok:
        raise ValueError(f"the chain is broken ({report.problem}); refusing to anchor it")
    return {"format": ANCHOR_FORMAT, "seq": report.head_seq, "hash": report.head_hash,
            "time": format_time(clock.now()), "count": report.checked}


@dataclass(frozen=True)
class AnchorCheck:
    ok: bool
    reason: str


def check_anchor(uow_factory: UowFactory, anchor: dict[str, Any]) -> AnchorCheck:
    """Does the current chain verify, and does it still hold the anchored head at its seq?"""
    try:
        seq, digest = int(anchor["seq"]), str(anchor["hash"])
    except (KeyError, TypeError, ValueError):
        return AnchorCheck(False, "not an anchor document: fields 'seq' and 'hash' needed")
    report = audit.verify_chain(uow_factory)
    if not report.ok:
        return AnchorCheck(False, f"the chain does not verify: {report.problem}")
    if seq > report.head_seq:
        return AnchorCheck(False, f"the chain ends at #{report.head_seq}, before the anchored "
                                  f"#{seq}: events were removed")
    if seq == 0:
        return AnchorCheck(True, "an empty chain is contained in every chain")
    with uow_factory() as uow:
        rec = next(uow.events.iter_all(after_seq=seq - 1, batch=1), None)
    if rec is None or rec.seq != seq or rec.hash != digest:
        return AnchorCheck(False, f"event #{seq} no longer has the anchored hash: history "
                                  "was rewritten")
    return AnchorCheck(True, f"event #{seq} still has the anchored hash and the chain "
                             f"verifies to #{report.head_seq}")


def parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.combine(date.fromisoformat(value), datetime.min.time(), tzinfo=UTC)
    except ValueError:
        raise ValueError(f"--since: not a date (YYYY-MM-DD): {value!r}") from None


@read_only
def read_dsa_statements(uow: StoreUnitOfWork, since: datetime | None = None
                        ) -> list[dict[str, Any]]:
    """Every statement of reasons since ``since``, read in full in a unit of work of its own."""
    return list(dsa_statements(uow, since))


@read_only
def read_lumen_notices(uow: StoreUnitOfWork, since: datetime | None = None
                       ) -> list[dict[str, Any]]:
    """Every Lumen notice since ``since``, read in full in a unit of work of its own."""
    return list(lumen_notices(uow, since))
