"""Events from the platform (an account created, updated or removed; a post created), each
carrying one interchange record. They keep tarazu's copy of the platform current between bulk
imports; the HTTP endpoint and any stream consumer (e.g. NATS JetStream) call
:func:`handle_platform_event` with the decoded event.

Handling is idempotent: the same event (or the same record) twice changes nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tarazu.domain.platform import Account, AccountStatus, Post
from tarazu.interchange import InvalidRecord, parse_object
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UowFactory

#: Event type -> the interchange record type it carries.
EVENT_TYPES = {
    "account.created": "account",
    "account.updated": "account",
    "account.removed": "account",
    "post.created": "post",
}


class PlatformEventError(ValueError):
    """The event is malformed; the message names the field."""


@dataclass(frozen=True)
class PlatformEventResult:
    event_id: str
    type: str
    platform: str
    record_id: str
    change: str  # added | updated | unchanged

    def to_dict(self) -> dict[str, str]:
        return {"event_id": self.event_id, "type": self.type, "platform": self.platform,
                "id": self.record_id, "change": self.change}


def parse_event(event: Any) -> tuple[str, str, Any]:
    """Check the envelope; returns (event_id, type, parsed record)."""
    if not isinstance(event, dict):
        raise PlatformEventError("the event must be a JSON object")
    kind = event.get("type")
    if kind not in EVENT_TYPES:
        raise PlatformEventError(f"field 'type': must be one of {', '.join(EVENT_TYPES)}, "
                                 f"got {kind!r}")
    event_id = event.get("event_id")
    if not isinstance(event_id, str) or not event_id.strip():
        raise PlatformEventError("field 'event_id': is required")
    raw = event.get("record")
    if not isinstance(raw, dict):
        raise PlatformEventError("field 'record': must be an interchange record (an object)")
    raw = {**raw, "type": raw.get("type", EVENT_TYPES[kind])}
    if raw["type"] != EVENT_TYPES[kind]:
        raise PlatformEventError(f"field 'record.type': a {kind} event carries a "
                                 f"{EVENT_TYPES[kind]} record, got {raw['type']!r}")
    try:
        record = parse_object(raw)
    except InvalidRecord as e:
        raise PlatformEventError(f"field 'record.{e.field}': {e.message}") from None
    if kind == "account.removed" and record.status != AccountStatus.REMOVED:
        raise PlatformEventError("field 'record.status': an account.removed event carries "
                                 "status 'removed'")
    return event_id.strip(), kind, record


def store_event_record(uow: StoreUnitOfWork, event_id: str, kind: str,
                       record: Account | Post, mark: bool = True) -> PlatformEventResult:
    """Store a parsed event's record (an upsert, as a bulk import would) in the caller's
    transaction: a stream worker stores a whole batch of events in one, and scores each
    account in it (``mark=False``: no mark for scoring is left behind)."""
    if isinstance(record, Account):
        change = uow.platform.upsert_account(record, mark)
        rid = record.account_id
    else:
        change = uow.platform.upsert_post(record, mark)
        rid = record.post_id
    return PlatformEventResult(event_id, kind, record.platform, rid, change)


def handle_platform_event(uow_factory: UowFactory, clock: Clock, event: dict[str, Any]
                          ) -> PlatformEventResult:
    """Store the record the event carries, in a transaction of its own."""
    del clock  # the record carries its own times; kept for consumers that need one
    event_id, kind, record = parse_event(event)
    with uow_factory() as uow:
        res = store_event_record(uow, event_id, kind, record)
        uow.commit()
    return res
