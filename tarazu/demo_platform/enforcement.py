"""What the demo platform does with an enforcement message from tarazu.

Each message is applied at most once per delivery id (``X-Tarazu-Delivery``): the check, the
change and the record of the delivery commit in one transaction, so a retried webhook returns
the first answer and changes nothing. A reversal or an expiry undoes exactly what the decision
it names did; ``reinstate`` without a known decision restores the subject fully."""

from __future__ import annotations

import sqlite3
import uuid
from dataclasses import replace
from datetime import datetime
from typing import Any

from tarazu.demo_platform.store import Item, PlatformStore

ACTIONS = ("remove", "suspend", "restrict_country", "label", "reinstate")
#: Actions that set the account's status: of two such messages, the later one stands.
STATUS_ACTIONS = ("remove", "suspend", "reinstate")
UNDO_TYPES = ("reversal", "expiry")
#: Messages to pass on to the user (statements of reasons, data-request notices): no change
#: to the account, only a record that the user was told.
NOTICE_TYPES = ("notice", "data_request_notice")


class BadMessage(ValueError):
    """The message cannot be applied; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 422) -> None:
        super().__init__(message)
        self.status = status


def _time(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def platform_event(kind: str, record: dict[str, Any], at: datetime) -> dict[str, Any]:
    """An event for tarazu's platform event API (``docs/platform-api.md``)."""
    return {"event_id": uuid.uuid4().hex, "type": kind, "occurred_at": _time(at),
            "record": record}


def _do(item: Item, action: str, msg: dict[str, Any], at: datetime) -> tuple[Item, str]:
    if action == "remove":
        record = dict(item.record)
        if item.kind == "account":
            record.update(status="removed", removed_at=_time(at),
                          removal_reason=f"{msg.get('policy') or 'policy'} (tarazu decision)")
        return replace(item, status="removed", record=record), "removed"
    if action == "suspend":
        return (replace(item, status="suspended", suspended_until=msg.get("until")),
                f"suspended until {msg.get('until')}")
    if action == "restrict_country":
        country = str(msg.get("country") or "").upper()
        if not country:
            raise BadMessage("field 'country': a country restriction needs a country")
        return (replace(item, restricted_in=tuple(sorted({*item.restricted_in, country}))),
                f"withheld in {country}")
    if action == "label":
        label = str(msg.get("policy") or "label")
        return replace(item, labels=tuple(sorted({*item.labels, label}))), f"labelled {label}"
    raise BadMessage(f"field 'action': unknown action {action!r}")


def _undo(item: Item, done: dict[str, Any] | None) -> tuple[Item, str]:
    """Undo one earlier action (``done``), or everything when it is not known."""
    action = done["action"] if done else "reinstate"
    if action in ("remove", "suspend", "reinstate") and item.status != "active":
        record = dict(item.record)
        if item.kind == "account":
            record.update(status="active", removed_at=None, removal_reason="")
        item = replace(item, status="active", suspended_until=None, record=record)
    if action == "restrict_country" and done:
        item = replace(item, restricted_in=tuple(
            c for c in item.restricted_in if c != (done.get("country") or "")))
    if action == "label" and done:
        item = replace(item, labels=tuple(
            x for x in item.labels if x != (done.get("policy") or "label")))
    if action == "reinstate" and not done:
        item = replace(item, restricted_in=(), labels=())
    return item, f"restored (undid {action})"


def _deliver_notice(store: PlatformStore, c: sqlite3.Connection, delivery_id: str, kind: str,
                    subject_type: str, subject_id: str, msg: dict[str, Any], at: datetime
                    ) -> dict[str, Any]:
    """A notice goes to the user's inbox (here: the action log); the account is unchanged."""
    if store.get(c, subject_type, subject_id) is None:
        raise BadMessage(f"no {subject_type} {subject_id!r} on this platform", 404)
    languages = [n.get("language") for n in msg.get("notices") or [] if isinstance(n, dict)]
    effect = f"{kind} delivered to the user" + (f" ({', '.join(map(str, languages))})"
                                                if languages else "")
    store.log_action(c, delivery_id=delivery_id, decision_id=msg.get("decision_id"), type=kind,
                     subject_type=subject_type, subject_id=subject_id, action="notify",
                     until=None, country=None, policy=None, effect=effect,
                     applied_at=_time(at))
    return {"ok": True, "delivery_id": delivery_id, "subject_type": subject_type,
            "subject_id": subject_id, "effect": effect}


def apply_message(store: PlatformStore, delivery_id: str, msg: dict[str, Any], at: datetime
                  ) -> dict[str, Any]:
    """Apply one message once; returns the answer (the stored one for a repeated delivery)."""
    with store.tx() as c:
        first = store.delivery(c, delivery_id)
        if first is not None:
            return {**first, "duplicate": True}
        answer = _apply(store, c, delivery_id, msg, at)
        store.record_delivery(c, delivery_id, _time(at), answer)
        return {**answer, "duplicate": False}


def _apply(store: PlatformStore, c: sqlite3.Connection, delivery_id: str,
           msg: dict[str, Any], at: datetime) -> dict[str, Any]:
    kind = str(msg.get("type") or "enforcement")
    subject_type = str(msg.get("subject_type") or "")
    subject_id = str(msg.get("subject_id") or "")
    action = str(msg.get("action") or "")
    if subject_type not in ("account", "post"):
        raise BadMessage("field 'subject_type': must be 'account' or 'post'")
    if kind in NOTICE_TYPES:
        return _deliver_notice(store, c, delivery_id, kind, subject_type, subject_id, msg, at)
    if action not in ACTIONS:
        raise BadMessage(f"field 'action': must be one of {', '.join(ACTIONS)}")
    item = store.get(c, subject_type, subject_id)
    if item is None:
        raise BadMessage(f"no {subject_type} {subject_id!r} on this platform", 404)
    before = item
    decision_id = msg.get("decision_id")
    sequence = _sequence(msg)
    undo = kind in UNDO_TYPES or action == "reinstate"
    done = store.actions_of_decision(c, decision_id) if undo and decision_id else []
    changes_status = (any(d["action"] in STATUS_ACTIONS for d in done) or not done) if undo \
        else action in STATUS_ACTIONS
    if sequence is not None:
        newer = store.newer_action(c, subject_type, subject_id, sequence, decision_id,
                                   changes_status)
        if newer is not None:  # a late retry must not undo what a later message did
            return {"ok": True, "delivery_id": delivery_id, "subject_type": subject_type,
                    "subject_id": subject_id, "status": item.status, "stale": True,
                    "effect": f"ignored: older than the applied {newer['type']} "
                              f"(sequence {newer['sequence']})"}
    if undo:
        effects = []
        for d in list(reversed(done)) or [None]:
            item, effect = _undo(item, d)
            effects.append(effect)
        effect = "; ".join(effects)
    elif kind == "enforcement":
        item, effect = _do(item, action, msg, at)
    else:
        raise BadMessage(f"field 'type': unknown message type {kind!r}")
    store.save_state(c, item)
    store.log_action(c, delivery_id=delivery_id, decision_id=decision_id, type=kind,
                     subject_type=subject_type, subject_id=subject_id, action=action,
                     until=msg.get("until"), country=msg.get("country"),
                     policy=msg.get("policy"), effect=effect, applied_at=_time(at),
                     sequence=sequence, changes_status=int(changes_status))
    if item.kind == "account" and before.record.get("status") != item.record.get("status"):
        event = "account.removed" if item.record.get("status") == "removed" else "account.updated"
        store.queue_event(c, platform_event(event, item.record, at))
    return {"ok": True, "delivery_id": delivery_id, "subject_type": subject_type,
            "subject_id": subject_id, "status": item.status, "stale": False, "effect": effect}


def _sequence(msg: dict[str, Any]) -> int | None:
    """tarazu's order of the message on its subject (absent from older senders)."""
    value = msg.get("sequence")
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise BadMessage("field 'sequence': must be an integer")
    return value
