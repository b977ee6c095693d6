"""Oversight of the log itself: verify the whole chain against its recorded head and against
the latest signed checkpoint; take checkpoints; read the head for anchoring.

Checking against the checkpoint is what catches a database administrator: deleting the tail
and moving ``chain_head`` back, or rewriting an event and recomputing every hash, leaves a chain
that verifies on its own — but not one that still holds the hash a checkpoint signed."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime

from tarazu.domain.chain import GENESIS, ChainBreak, format_time, verify
from tarazu.domain.checkpoint import (
    Checkpoint,
    CheckpointError,
    check_chain,
    check_log,
    next_checkpoint,
)
from tarazu.domain.events import RecordedEvent, SubjectRef, SubjectType
from tarazu.domain.platform import Account
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.ports import CheckpointLog, StoreUnitOfWork, UowFactory
from tarazu.service.records import QueueRow
from tarazu.service.transaction import read_only


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    head_seq: int
    head_hash: str
    problem: ChainBreak | None
    checkpoint: Checkpoint | None = None  # the latest signed checkpoint the chain was held to
    checkpoint_problem: str | None = None  # the checkpoint log itself is not intact

    @property
    def ok(self) -> bool:
        return self.problem is None and self.checkpoint_problem is None


class CheckpointRefused(RuntimeError):
    """The chain does not verify (or the checkpoint log is broken): nothing is signed."""


def _walk(uow: StoreUnitOfWork, head_seq: int, head_hash: str, after: tuple[int, str],
          watch_seq: int | None = None) -> tuple[int, ChainBreak | None, str | None]:
    """Verify the events after ``after`` up to the recorded head. Returns how many were
    checked, the first break, and the stored hash of event #``watch_seq`` if it was read."""
    seen = {"last": after[1], "watched": None}

    def remember(records: Iterator[RecordedEvent]) -> Iterator[RecordedEvent]:
        for r in records:
            if r.seq > head_seq:  # appended after the head was read: not ours to judge
                return
            seen["last"] = r.hash
            if r.seq == watch_seq:
                seen["watched"] = r.hash
            yield r

    n, problem = verify(remember(uow.events.iter_all(after_seq=after[0])), after=after)
    end = after[0] + n
    if problem is None and (end != head_seq or seen["last"] != head_hash):
        problem = ChainBreak(end + 1 if end < head_seq else end,
                             f"the log ends at #{end} but the recorded head is #{head_seq}: "
                             "events were removed or the head was changed")
    return n, problem, seen["watched"]


def _hash_at(uow: StoreUnitOfWork, seq: int) -> str | None:
    rec = next(uow.events.iter_all(after_seq=seq - 1, batch=1), None)
    return rec.hash if rec is not None and rec.seq == seq else None


def _checkpoints(log: CheckpointLog | None) -> tuple[list[Checkpoint], str | None]:
    if log is None:
        return [], None
    try:
        cps = log.read()
        return cps, check_log(cps, log.signature_ok)
    except (CheckpointError, ValueError, OSError) as e:
        return [], f"the checkpoint log cannot be read: {e}"


def verify_chain(uow_factory: UowFactory, checkpoints: CheckpointLog | None = None
                 ) -> VerifyReport:
    """Walk the log once, in order; check it ends where the recorded head says and that it
    still holds what the latest signed checkpoint saw."""
    cps, log_problem = _checkpoints(checkpoints)
    latest = cps[-1] if cps else None
    with uow_factory() as uow:
        head_seq, head_hash = uow.events.head()
        n, problem, watched = _walk(uow, head_seq, head_hash, (0, GENESIS),
                                    latest.seq if latest else None)
    if problem is None and latest is not None:
        found = check_chain(latest, head_seq, watched)
        if found:
            problem = ChainBreak(min(latest.seq, head_seq + 1), found)
    return VerifyReport(n, head_seq, head_hash, problem, latest, log_problem)


def take_checkpoint(uow_factory: UowFactory, clock: Clock, log: CheckpointLog
                    ) -> Checkpoint | None:
    """Sign the chain's head and append it to the checkpoint log — only when the chain grew
    since the last checkpoint and still holds it (only the new events are walked). None when
    nothing was appended since the last checkpoint."""
    with log.appending() as append:
        try:
            last = log.latest()
        except (CheckpointError, ValueError, OSError) as e:
            raise CheckpointRefused(f"the checkpoint log cannot be read: {e}") from None
        if last is not None and not log.signature_ok(last):
            raise CheckpointRefused(f"the last checkpoint (#{last.number}) does not verify with "
                                    "the checkpoint key: the checkpoint log was edited")
        with uow_factory() as uow:
            head_seq, head_hash = uow.events.head()
            if head_seq == 0 and last is None:
                return None
            if last is not None and (last.seq, last.head_hash) == (head_seq, head_hash):
                return None
            if last is not None and (found := check_chain(last, head_seq,
                                                          _hash_at(uow, last.seq))):
                raise CheckpointRefused(found)
            after = (last.seq, last.head_hash) if last else (0, GENESIS)
            _, problem, _ = _walk(uow, head_seq, head_hash, after)
        if problem is not None:
            raise CheckpointRefused(f"the chain is broken at {problem}")
        key_id, sign = log.signer()
        cp = next_checkpoint(last, seq=head_seq, head_hash=head_hash,
                             time=format_time(clock.now()), key_id=key_id)
        cp = replace(cp, signature=sign(cp.signed_bytes()))
        append(cp)
        return cp


def chain_head(uow_factory: UowFactory) -> tuple[int, str]:
    with uow_factory() as uow:
        return uow.events.head()


@read_only
def events_after(uow: StoreUnitOfWork, after_seq: int, limit: int) -> list[RecordedEvent]:
    """Up to ``limit`` events after ``after_seq``, oldest first (the log's API pages)."""
    out: list[RecordedEvent] = []
    for r in uow.events.iter_all(after_seq=after_seq, batch=limit):
        out.append(r)
        if len(out) >= limit:
            break
    return out


#: How many events one page reads at most while looking for filter matches: a filter that
#: matches little pages through the log in bounded steps instead of reading all of it.
SCAN = 20_000


@read_only
def events_before(uow: StoreUnitOfWork, before_seq: int | None,
                  wanted: Callable[[RecordedEvent], bool], limit: int
                  ) -> tuple[list[RecordedEvent], int | None]:
    """Up to ``limit`` events older than ``before_seq`` (None: the newest) that are
    ``wanted``, newest first, and where the next page starts (None: the log's start was
    reached)."""
    hi = before_seq or uow.events.head()[0] + 1
    out: list[RecordedEvent] = []
    scanned, window = 0, 500
    while hi > 1 and scanned < SCAN:
        lo = max(0, hi - 1 - window)
        chunk = [r for r in uow.events.iter_all(after_seq=lo, batch=window) if r.seq < hi]
        scanned += len(chunk)
        for r in reversed(chunk):
            if wanted(r):
                out.append(r)
                if len(out) == limit:
                    return out, r.seq
        hi = lo + 1
    return out, (hi if hi > 1 else None)


@dataclass(frozen=True)
class AuditedCase:
    """One case as oversight reads it: its whole history, the account and the queue row."""
    history: list[RecordedEvent]
    account: Account | None
    row: QueueRow | None


def audit_case(uow_factory: UowFactory, ref: SubjectRef, reader: str, at: datetime
               ) -> AuditedCase:
    """Every event on ``ref`` with its account and queue row; showing the account to the
    auditor is logged as a read (committed)."""
    with uow_factory() as uow:
        history = [r for r in uow.events.iter_all() if r.event.subject == ref]
        account = None
        if ref.type is SubjectType.ACCOUNT:
            account = uow.platform.get_account(ref.platform, ref.native_id)
            if account:
                log_access(uow, reader, ref, ["handle", "display_name", "bio"],
                           purpose="oversight: audit of a case",
                           authority="auditor role (oversight of moderation)", at=at)
                uow.commit()
        return AuditedCase(history, account, uow.status.get(ref))
