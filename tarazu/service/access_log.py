"""Every read of personal data leaves a trace: a DATA_ACCESS event naming who read which fields
of whose record, for what purpose and under which authority. Call :func:`log_access` wherever
identifiers (or other personal data) are read for a person, in the same unit of work.

The event goes straight into the chain, not through the subject's aggregate: a read changes
nothing tarazu decides, so it must not move the case in its queue (as any event folded into
the case would, by its time)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from tarazu.domain.events import ModerationEvent, RecordedEvent, SubjectRef, utcnow
from tarazu.domain.payloads import DataAccess
from tarazu.service.ports import StoreUnitOfWork


def log_access(uow: StoreUnitOfWork, actor: str, subject: SubjectRef, fields: Sequence[str],
               purpose: str, authority: str, at: datetime | None = None) -> RecordedEvent:
    """Append the DATA_ACCESS event (pass ``at`` from the injected clock). A read with no stated
    purpose or authority is refused: an unexplained read is what oversight looks for."""
    if not purpose.strip() or not authority.strip():
        raise ValueError("an access to personal data needs a purpose and an authority")
    if not fields:
        raise ValueError("an access to personal data names the fields read")
    return uow.events.append(ModerationEvent.of(
        subject, actor, at or utcnow(),
        DataAccess(fields=sorted(set(fields)), purpose=purpose, authority=authority)))
