"""Telling the user: a notice (statement of reasons, in English and Urdu) for every action that
takes effect, and for every appeal outcome or reversal — queued to the platform through the
outbox (``kind="notice"``) and recorded as a NOTICE event.

The decision notice carries a fresh, unguessable appeal token (only its hash is stored). The
NOTICE event records which notice went out and a digest of each text, not the text itself: the
text holds the token, and the log is read by auditors.

:func:`send_due` is a catch-up job (run by ``tarazu notices send`` and the served app): it
finds decisions that took effect since its watermark and have no notice yet, so every path that
applies a decision (review UI, API, bulk, appeal) is covered without each having to remember."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from tarazu.domain.case import DecisionStatus, Subject
from tarazu.domain.events import EventKind, ModerationEvent
from tarazu.domain.notices import LANGUAGES, Notice, render_decision, render_outcome
from tarazu.domain.payloads import Notice as NoticePayload
from tarazu.domain.policies import ENFORCING, Action
from tarazu.domain.statement import StatementOfReasons, build_statement
from tarazu.service import cases
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UowFactory

#: How long a user may appeal (the notice says 6 months).
APPEAL_WINDOW = timedelta(days=183)
ACTOR = "system:notices"


def puid(decision_id: str) -> str:
    """The platform-unique id of a decision's statement of reasons (DSA ``puid``): derived from
    the decision's event id, which is random and never reused."""
    return f"tz-{decision_id}"


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _decision_event(subject: Subject, decision_id: str) -> ModerationEvent:
    return next(e for e in subject.history
                if e.event_id == decision_id and e.kind is EventKind.DECISION)


def statement_of(subject: Subject, decision_id: str) -> StatementOfReasons:
    """The statement stored with the decision (or one rebuilt from its fields)."""
    e = _decision_event(subject, decision_id)
    p = e.payload
    if p.get("statement"):
        return StatementOfReasons.from_dict({"subject_type": subject.ref.type.value,
                                             **dict(p["statement"])})
    return build_statement(
        action=Action(p["action"]), policy=p.get("policy", ""), facts=p.get("reason", ""),
        automated_detection=e.automated, automated_decision=e.automated,
        government_request=None, evidence=p.get("evidence", ()), until=p.get("until"),
        country=p.get("country"), subject_type=subject.ref.type.value)


def noticed(subject: Subject, decision_id: str, kind: str = "decision") -> bool:
    return any(e.kind is EventKind.NOTICE and e.payload.get("decision_id") == decision_id
               and e.payload.get("notice") == kind for e in subject.history)


def _queue(uow: StoreUnitOfWork, subject: Subject, decision_id: str, kind: str,
           notices: list[Notice], extra: dict, clock: Clock) -> None:
    now = clock.now()
    subject.record(EventKind.NOTICE, ACTOR, now, NoticePayload(
        decision_id=decision_id, notice=kind, puid=puid(decision_id),
        languages=[n.language for n in notices],
        sha256={n.language: _digest(n.subject + "\n" + n.body) for n in notices},
        **{k: v for k, v in extra.items() if k != "appeal_url"}))
    rec = cases.save(uow, subject)
    uow.outbox.add(
        idempotency_key=f"notice:{kind}:{decision_id}:{rec[-1].seq}",
        destination=subject.ref.platform, kind="notice", at=now, event_seq=rec[-1].seq,
        payload={"type": "notice", "notice": kind, "decision_id": decision_id,
                 "puid": puid(decision_id), "platform": subject.ref.platform,
                 "subject_type": subject.ref.type.value, "subject_id": subject.ref.native_id,
                 "notices": [n.to_dict() for n in notices], **extra,
                 "issued_at": now.isoformat()})


def send_decision_notice(uow: StoreUnitOfWork, clock: Clock, public_url: str, subject: Subject,
                         decision_id: str) -> bool:
    """Queue the notice of a decision that has taken effect; False if there is nothing to send
    (no action, not in effect, or sent already)."""
    d = subject.state.decision(decision_id)
    if d is None or d.status != DecisionStatus.APPLIED or d.action not in ENFORCING:
        return False
    if noticed(subject, decision_id):
        return False
    token = secrets.token_urlsafe(32)
    now = clock.now()
    uow.due_process.add_token(token, subject.ref, decision_id, now, now + APPEAL_WINDOW)
    url = f"{public_url.rstrip('/')}/appeal/{token}"
    statement = statement_of(subject, decision_id)
    notices = [render_decision(statement, lang, url) for lang in LANGUAGES]
    _queue(uow, subject, decision_id, "decision", notices,
           {"appeal_url": url, "appeal_until": (now + APPEAL_WINDOW).date().isoformat(),
            "statement_of_reasons": statement.to_dict()}, clock)
    return True


def send_outcome_notice(uow: StoreUnitOfWork, clock: Clock, subject: Subject, decision_id: str,
                        outcome: str, reason: str, decided_by_other: bool = True) -> None:
    """Queue the notice of an appeal outcome (or of a reversal by reliance)."""
    notices = [render_outcome(outcome, lang, subject_type=subject.ref.type.value,
                              reason=reason, decision_ref=puid(decision_id),
                              decided_by_other=decided_by_other) for lang in LANGUAGES]
    _queue(uow, subject, decision_id, f"outcome:{outcome}", notices,
           {"outcome": outcome}, clock)


@dataclass(frozen=True)
class NoticeReport:
    checked: int
    sent: int


def send_due(uow_factory: UowFactory, clock: Clock, public_url: str,
             batch: int = 500) -> NoticeReport:
    """Send the notices of decisions that took effect since the last run."""
    checked = sent = 0
    with uow_factory() as uow:
        start = uow.due_process.watermark("notices")
        last = start
        pending: dict[str, object] = {}
        for rec in uow.events.iter_all(after_seq=start):
            last = rec.seq
            e = rec.event
            if e.kind is EventKind.DECISION:
                pending[e.event_id] = e.subject
            elif e.kind is EventKind.CONFIRM:
                pending[str(e.payload.get("decision_id"))] = e.subject
            if len(pending) >= batch:
                break
        for decision_id, ref in pending.items():
            checked += 1
            s = cases.load(uow, ref)  # type: ignore[arg-type]
            if send_decision_notice(uow, clock, public_url, s, decision_id):
                sent += 1
        uow.due_process.set_watermark("notices", last)
        uow.commit()
    return NoticeReport(checked, sent)
