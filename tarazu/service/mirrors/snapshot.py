"""Start the reference set from a snapshot instead of building every profile again.

A worker that builds the reference set from the store re-reads and re-analyses every removed
account's posts: minutes to tens of minutes at platform scale, during which it is blind.
:func:`write_snapshot` saves the built index (:mod:`tarazu.linkage.snapshot`, no pickle) with
the moderation event log's position it reflects; :func:`start_reference_set` loads it, replays
the withdrawals logged after that position, and then reconciles with the store, which
indexes only what differs: accounts removed since (platform removals arrive as stored
records, not as events in the log), records changed since, and accounts reinstated or
withdrawn. A snapshot that is missing, corrupt, or written for another model, configuration
or format is not used: the set is built from the store, and the log says why."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tarazu.linkage.snapshot import SnapshotHeader, SnapshotUnusable, load_snapshot, save_snapshot
from tarazu.service.clock import Clock
from tarazu.service.memory import bulk_build
from tarazu.service.mirror_reference import is_withdrawal
from tarazu.service.mirrors.reference import MirrorDetector, RefreshReport
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.transaction import committed, read_only

log = logging.getLogger("tarazu.mirrors")
FINGERPRINT = "fingerprint"


def snapshot_path(home: Path) -> Path:
    """Where the worker and the scan look for the snapshot of the reference set."""
    return home / "snapshots" / "mirrors-index.npz"


def write_snapshot(uow: StoreUnitOfWork, detector: MirrorDetector, path: Path,
                   clock: Clock | None = None) -> SnapshotHeader:
    """Save the detector's reference set. The log position is read *before* the set is copied:
    whatever happens in between is replayed again on load (replaying is idempotent), never
    skipped."""
    position, _ = uow.events.head()
    with detector._lock:  # one package: the detector's own state, held still
        ids = list(detector.linker.removed)
        prints = [detector._hashes.get(i, "") for i in ids]
        return save_snapshot(path, detector.linker, position, {FINGERPRINT: prints},
                             meta={"model": detector.loaded.model_id, "accounts": len(ids)},
                             now=clock.now if clock else None)


#: :func:`write_snapshot` in a unit of work of its own (it reads the log's head, writes
#: nothing to the store).
save_reference_snapshot = read_only(write_snapshot)


@dataclass
class StartReport:
    """How the reference set was started: from a snapshot (at which position, how many
    withdrawals replayed) or from the store (and why not from the snapshot)."""

    source: str  # "snapshot" | "store"
    reason: str | None = None  # why the snapshot was not used
    position: int | None = None
    loaded: int = 0
    replayed_withdrawals: int = 0
    refresh: RefreshReport = field(default_factory=RefreshReport)


def replay_withdrawals(uow: StoreUnitOfWork, detector: MirrorDetector, after: int) -> int:
    """Withdraw the accounts whose withdrawal was logged after position ``after``."""
    n = 0
    for rec in uow.events.iter_all(after_seq=after):
        if is_withdrawal(rec.event):
            n += detector.withdraw(rec.event.subject.id)
    return n


def start_reference_set(uow: StoreUnitOfWork, detector: MirrorDetector, path: Path | None,
                        progress: Callable[[int, int], None] | None = None,
                        clock: Clock | None = None) -> StartReport:
    """Fill an empty detector: from the snapshot at ``path`` if it can stand for the index,
    then brought up to date with the log and the store; from the store alone otherwise."""
    report = StartReport(source="store")
    if path is not None:
        try:
            with detector._lock, bulk_build(collect=False):
                header, extra = load_snapshot(path, detector.linker)
                detector._hashes.update(
                    zip(detector.linker.removed, extra.get(FINGERPRINT, ()), strict=False))
        except SnapshotUnusable as e:
            report.reason = str(e)
            log.warning("mirror index snapshot not used (%s); building the reference set "
                        "from the store", e)
        else:
            report.source, report.position, report.loaded = "snapshot", header.position, \
                header.count
            report.replayed_withdrawals = replay_withdrawals(uow, detector, header.position)
            log.info("mirror index loaded from its snapshot: %d removed accounts at log "
                     "position %d, %d withdrawal(s) replayed", header.count, header.position,
                     report.replayed_withdrawals)
    report.refresh = detector.refresh(uow, progress, clock)
    return report


#: :func:`start_reference_set` in a unit of work of its own, committed (reading the removed
#: accounts from the store is logged as access to them).
fill_reference_set = committed(start_reference_set)


def rebuild_reference_set(uow_factory: UowFactory, detector: MirrorDetector,
                          progress: Callable[[int, int], None] | None = None,
                          clock: Clock | None = None) -> RefreshReport:
    """Build the detector's set from the store alone (ignoring any snapshot), committed."""
    with uow_factory() as uow:
        report = detector.refresh(uow, progress, clock)
        uow.commit()
    return report


def sync_reference_set(uow_factory: UowFactory, detector: MirrorDetector,
                       clock: Clock | None = None) -> RefreshReport:
    """:meth:`MirrorDetector.sync` in a unit of work of its own, committed (the access log
    entry of any account read in)."""
    with uow_factory() as uow:
        report = detector.sync(uow, clock)
        uow.commit()
    return report
