"""The tamper-evident audit chain.

Each event's hash is SHA-256 over the previous hash and the event's canonical JSON (which
includes its sequence number), so changing, removing or reordering any stored row breaks every
hash after it. The head hash can be published outside the system as an anchor."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tarazu.domain.events import EventKind, ModerationEvent, RecordedEvent, SubjectRef, SubjectType

GENESIS = "0" * 64


def format_time(t: datetime) -> str:
    """One canonical text form per instant (UTC, microseconds), so hashing is stable."""
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(s: str) -> datetime:
    """The instant :func:`format_time` wrote (and only that form)."""
    if len(s) == 27 and s[-1] == "Z" and s[10] == "T" and s[19] == "." and s[20:26].isdigit():
        return datetime.fromisoformat(s[:-1]).replace(tzinfo=UTC)  # the same, much faster
    return datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC)


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def canonical_event(seq: int, event: ModerationEvent) -> str:
    return canonical_json(
        {
            "seq": seq,
            "event_id": event.event_id,
            "kind": event.kind.value,
            "subject": [event.subject.type.value, event.subject.id],
            "actor": event.actor,
            "occurred_at": format_time(event.occurred_at),
            "payload": dict(event.payload),
        }
    )


def link_hash(prev_hash: str, seq: int, event: ModerationEvent) -> str:
    h = hashlib.sha256()
    h.update(prev_hash.encode("ascii"))
    h.update(canonical_event(seq, event).encode("utf-8"))
    return h.hexdigest()


def chain(prev: RecordedEvent | None, event: ModerationEvent) -> RecordedEvent:
    """Place ``event`` after ``prev`` (or at the start) in the chain."""
    seq = prev.seq + 1 if prev else 1
    prev_hash = prev.hash if prev else GENESIS
    return RecordedEvent(seq, event, prev_hash, link_hash(prev_hash, seq, event))


@dataclass(frozen=True)
class ChainBreak:
    seq: int
    reason: str

    def __str__(self) -> str:
        return f"event #{self.seq}: {self.reason}"


def verify(records: Iterable[RecordedEvent], after: tuple[int, str] = (0, GENESIS)
           ) -> tuple[int, ChainBreak | None]:
    """Check the chain in order; return how many were checked and the first break. ``after``
    is a point already trusted (its seq and hash): the records must continue from it."""
    expected_prev, expected_seq, n = after[1], after[0] + 1, 0
    for r in records:
        n += 1
        if r.seq != expected_seq:
            return n, ChainBreak(r.seq, f"expected sequence number {expected_seq}: a row was "
                                        "removed or reordered")
        if r.prev_hash != expected_prev:
            return n, ChainBreak(r.seq, "previous-hash link does not match the event before it")
        if link_hash(r.prev_hash, r.seq, r.event) != r.hash:
            return n, ChainBreak(r.seq, "content does not match its hash: the row was changed")
        expected_prev, expected_seq = r.hash, r.seq + 1
    return n, None


def event_from_row(
    *, event_id: str, kind: str, subject_type: str, subject_id: str, actor: str,
    occurred_at: str, payload: str,
) -> ModerationEvent:
    """Rebuild an event from its stored columns (used by every store)."""
    return ModerationEvent(
        kind=EventKind(kind),
        subject=SubjectRef(SubjectType(subject_type), subject_id),
        actor=actor,
        occurred_at=parse_time(occurred_at),
        payload=json.loads(payload),
        event_id=event_id,
    )
