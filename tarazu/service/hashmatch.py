"""Matching platform content against the hash banks, and recording what matched.

:class:`HashMatcher` keeps one in-memory index per signal type, derived from the bank rows.
It is built once, then kept current by adding and removing only what changed — a checkpoint
(highest entry id, live count) per type tells when nothing did, so a refresh before every
lookup costs one small query, and no change ever rebuilds and reloads the whole index.

A match on a post is recorded as a REPORT event (source "automated", detector "hashmatch")
with the bank, entry id, signal type and distance, which opens a case for review: the match
log is the event log, hash-chained like every other event. A match that a negative bank
suppressed is recorded as a NOTE, so "why was this not flagged?" has an answer too."""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.payloads import Note, Report, SettingChange
from tarazu.domain.platform import Post
from tarazu.metrics import HASH_MATCHES
from tarazu.service import cases
from tarazu.service.batching import BatchCommitter
from tarazu.service.clock import Clock
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.transaction import committed, read_only
from tarazu.signals import SIGNAL_TYPES, get_signal_type
from tarazu.signals.banks import VERDICTS, Bank, Match, MatchOutcome, match_signal
from tarazu.signals.base import InvalidSignal, SignalType
from tarazu.signals.hashing import hash_text_all
from tarazu.signals.index import (
    BuildCheckpoint,
    SignalIndex,
    SkippedHash,
    build_index,
)
from tarazu.signals.pdq_index import LoadedSnapshot, PdqIndex, SnapshotError
from tarazu.textfiles import CSV_FIELD_LIMIT, FieldProblem, LineProblem, csv_rows, value_problem

log = logging.getLogger(__name__)

DETECTOR = "hashmatch"
ACTOR = "system:hashmatch"


class HashMatcher:
    """The matcher role: read-only over the banks, index in memory. Thread-safe.

    With ``snapshot_dir``, the PDQ index is saved there after each full build, and on start
    it is loaded from there and brought up to date from the checkpoint it was taken at
    (additions after its last entry id, removals since), instead of re-reading and
    re-validating every bank row. A snapshot that does not load is reported in
    ``snapshot_problems`` and the index is built from the rows, which stay the truth."""

    def __init__(self, snapshot_dir: Path | None = None) -> None:
        self.snapshot_dir = snapshot_dir
        self.snapshot_problems: list[str] = []
        self.snapshot_loads = 0
        self.banks: dict[int, Bank] = {}
        self.full_builds = 0
        self._indexes: dict[str, SignalIndex] = {}
        self._checkpoints: dict[str, BuildCheckpoint] = {}
        self._skipped: dict[str, list[SkippedHash]] = {}
        self._lock = threading.RLock()

    @property
    def skipped(self) -> list[SkippedHash]:
        """Banked hashes that could not be indexed (corrupt), by bank and entry id."""
        return [s for v in self._skipped.values() for s in v]

    def refresh(self, uow: StoreUnitOfWork) -> None:
        """Bring the indexes up to date with the bank rows, changing only what changed."""
        store = uow.hashbanks
        with self._lock:
            self.banks = {b.bank_id: b for b in store.banks()}
            for name, st in SIGNAL_TYPES.items():
                checkpoint = store.checkpoint(name)
                before = self._checkpoints.get(name)
                if checkpoint == before:
                    continue
                index = self._indexes.get(name)
                if index is None and (loaded := self._load_snapshot(name, st)) is not None:
                    index, before = loaded.index, loaded.checkpoint
                    self._indexes[name], self._skipped[name] = index, list(loaded.skipped)
                    self.snapshot_loads += 1
                if index is None or before is None:
                    fresh, skipped = build_index(st, (e.indexed() for e in store.entries(name)))
                    self._indexes[name], self._skipped[name] = fresh, skipped  # swap in whole
                    self.full_builds += 1
                    self._save_snapshot(name, fresh, checkpoint)
                elif checkpoint == before:
                    pass  # a snapshot taken at this very checkpoint
                else:
                    removed = store.removed_ids(name)
                    index.remove(removed)  # ids it never held are ignored
                    self._skipped[name] = [s for s in self._skipped[name]
                                           if s.entry_id not in removed]
                    self._skipped[name] += index.add(
                        e.indexed() for e in store.entries(name, after_id=before.last_id))
                self._checkpoints[name] = checkpoint

    def _snapshot_path(self, name: str) -> Path | None:
        return None if self.snapshot_dir is None else self.snapshot_dir / name

    def _load_snapshot(self, name: str, st: type[SignalType]) -> LoadedSnapshot | None:
        path = self._snapshot_path(name)
        if path is None or st.index_kind != "hamming256" or not path.exists():
            return None
        try:
            loaded = PdqIndex.load(path, st)
        except SnapshotError as e:
            self.snapshot_problems.append(str(e))
            log.warning("hash index snapshot not used, building from the bank rows: %s", e)
            return None
        if loaded.checkpoint is None:
            self.snapshot_problems.append(f"{path}: no bank checkpoint, cannot catch up")
            return None
        return loaded

    def _save_snapshot(self, name: str, index: SignalIndex, checkpoint: BuildCheckpoint
                       ) -> None:
        path = self._snapshot_path(name)
        if path is not None and isinstance(index, PdqIndex):
            index.save(path, checkpoint, self._skipped.get(name, ()))

    def match(self, signals: Iterable[tuple[str, str]]) -> MatchOutcome:
        """Match (signal type, signal) pairs; raises ValueError for an unknown type or an
        invalid signal."""
        out = MatchOutcome()
        with self._lock:
            for type_name, signal in signals:
                st = get_signal_type(type_name)
                index = self._indexes.get(st.get_name())
                if index is not None:
                    out += match_signal(index, st.validate_signal_str(signal), self.banks)
        for m in out.matches:
            HASH_MATCHES.labels(m.bank.name).inc()
        return out

    def index_sizes(self) -> dict[str, int]:
        with self._lock:
            return {k: len(v) for k, v in self._indexes.items()}


def post_signals(post: Post) -> tuple[list[tuple[str, str]], list[FieldProblem]]:
    """The signals of a post: PDQ and MD5 of each media item, text hashes of its text. A
    malformed media hash is reported by post and field and the rest still matched."""
    ref = str(SubjectRef.post(post.platform, post.post_id))
    out: list[tuple[str, str]] = []
    errors: list[FieldProblem] = []
    for i, m in enumerate(post.media):
        for type_name, value in (("pdq", m.pdq), ("md5", m.md5)):
            if not value:
                continue
            try:
                out.append((type_name, get_signal_type(type_name).validate_signal_str(value)))
            except InvalidSignal as e:
                errors.append(FieldProblem(None, f"media[{i}].{type_name}", str(e), record=ref))
    if post.text.strip():
        hashes, _ = hash_text_all(post.text)  # too-short text simply has no near-dup hash
        out.extend((h.signal_type, h.signal) for h in hashes)
    return out, errors


def _match_fields(m: Match) -> dict[str, Any]:
    """What a hash match records (as a report, or as a note when a negative bank allows it)."""
    return {"source": "automated", "detector": DETECTOR, "reporter": ACTOR, "bank": m.bank.name,
            "bank_id": m.bank.bank_id, "signal_type": m.signal_type, "distance": m.distance,
            "entry_id": m.entry.entry_id, "matched_signal": m.entry.signal,
            "designation_id": m.bank.designation_id}


def record_matches(uow: StoreUnitOfWork, ref: SubjectRef, outcome: MatchOutcome,
                   at: datetime) -> int:
    """Append one REPORT per banked hash matched (and one NOTE per suppressed match) unless
    the subject already has it, so scanning again records nothing twice. Returns the number
    of new REPORT events."""
    subject = cases.load(uow, ref)
    seen = {(e.kind, e.payload.get("entry_id"), e.payload.get("signal_type"))
            for e in subject.history if e.payload.get("detector") == DETECTOR}
    reports = 0
    for kind, matches in ((EventKind.REPORT, outcome.matches),
                          (EventKind.NOTE, outcome.suppressed)):
        for m in matches:
            key = (kind, m.entry.entry_id, m.signal_type)
            if key in seen:
                continue
            seen.add(key)
            payload: Report | Note
            if kind is EventKind.NOTE:
                neg = next(n for n in outcome.allowed_by
                           if (n.signal_type, n.query) == (m.signal_type, m.query))
                payload = Note(**_match_fields(m), suppressed=True,
                               negative_bank=neg.bank.name, negative_entry_id=neg.entry.entry_id)
            else:
                payload = Report(**_match_fields(m))
            subject.record(kind, ACTOR, at, payload)
            reports += kind is EventKind.REPORT
    cases.save(uow, subject)
    return reports


@dataclass
class ScanReport:
    posts: int = 0
    posts_matched: int = 0
    reports: int = 0
    suppressed: int = 0
    errors: list[FieldProblem] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"posts": self.posts, "posts_matched": self.posts_matched,
                "reports": self.reports, "suppressed": self.suppressed,
                "errors": len(self.errors)}


@read_only
def refresh_matcher(uow: StoreUnitOfWork, matcher: HashMatcher) -> HashMatcher:
    """``matcher`` brought up to date with the bank rows (cheap when nothing changed)."""
    matcher.refresh(uow)
    return matcher


@read_only
def banks_with_counts(uow: StoreUnitOfWork) -> list[tuple[Bank, int]]:
    """Every bank with its number of live hashes."""
    counts = uow.hashbanks.entry_counts()
    return [(b, counts.get(b.bank_id, 0)) for b in uow.hashbanks.banks()]


@read_only
def posts_to_scan(uow: StoreUnitOfWork) -> int:
    """How many posts a scan reads (for its progress)."""
    return uow.platform.count()["posts"]


def scan_posts(uow_factory: UowFactory, matcher: HashMatcher, now: Callable[[], datetime],
               progress: Callable[[int], None] | None = None, batch: int = 500) -> ScanReport:
    """Match every stored post against the enabled banks and record the matches, committing
    in batches so a long scan keeps what it did (and a re-run adds nothing)."""
    report = ScanReport()
    with uow_factory() as uow:
        matcher.refresh(uow)
        committer = BatchCommitter(uow, batch, progress)
        for post in uow.hashbanks.iter_posts():
            report.posts += 1
            signals, errors = post_signals(post)
            report.errors.extend(errors)
            outcome = matcher.match(signals)
            if outcome.matches or outcome.suppressed:
                ref = SubjectRef.post(post.platform, post.post_id)
                new = record_matches(uow, ref, outcome, now())
                report.reports += new
                report.posts_matched += bool(outcome.matches)
                report.suppressed += len(outcome.suppressed)
            committer.done()
        committer.finish()
    return report


# -- curation: putting hashes into banks ------------------------------------------------------


@dataclass
class ImportReport:
    added: int = 0
    duplicates: int = 0
    errors: list[FieldProblem] = field(default_factory=list)

    def summary(self) -> dict[str, int]:
        return {"added": self.added, "duplicates": self.duplicates, "errors": len(self.errors)}


def get_bank(uow: StoreUnitOfWork, name: str) -> Bank:
    bank = uow.hashbanks.bank(name)
    if bank is None:
        raise ValueError(f"no bank named {name!r}")
    return bank


def add_signal(uow: StoreUnitOfWork, bank: Bank, signal_type: str, signal: str, *, by: str,
               at: datetime, quality: int | None = None,
               metadata: Mapping[str, Any] | None = None, record: bool = True
               ) -> tuple[int, bool]:
    """Validate and bank one hash; (entry id, new?). Raises ValueError saying what is wrong.
    A new entry changes what is flagged, so it is an event in the chain (``record=False``
    only for a caller that records the whole batch as one act, as :func:`import_csv` does)."""
    st = get_signal_type(signal_type)
    canonical = st.validate_signal_str(signal)
    if quality is not None and quality < st.min_quality:
        raise ValueError(f"{st.get_name()}: quality {quality} is below {st.min_quality}; "
                         "such hashes match unrelated content and are not banked")
    entry_id, new = uow.hashbanks.add_entry(bank, st.get_name(), canonical, by=by, at=at,
                                            quality=quality, metadata=metadata)
    if new and record:
        _setting_event(uow, bank, by, at, "bank_entry_added", entry_id=entry_id,
                       signal_type=st.get_name(), signal=canonical, quality=quality)
    return entry_id, new


def remove_signal(uow: StoreUnitOfWork, entry_id: int, *, by: str, at: datetime) -> bool:
    """Take a hash out of its bank (it stays on record, stamped as removed) and record the
    act; False when there is no live entry of that id."""
    if not uow.hashbanks.remove_entry(entry_id, by=by, at=at):
        return False
    entry = uow.hashbanks.entry(entry_id)
    bank = uow.hashbanks.bank(entry.bank) if entry else None
    assert entry is not None and bank is not None  # the row was just updated
    _setting_event(uow, bank, by, at, "bank_entry_removed", entry_id=entry_id,
                   signal_type=entry.signal_type, signal=entry.signal)
    return True


def import_csv(uow: StoreUnitOfWork, bank: Bank, text: str, *, by: str, at: datetime,
               unreadable: Iterable[LineProblem] = ()) -> ImportReport:
    """Import hashes in the ThreatExchange / HMA CSV layout ``signal_type,signal[,...]``.

    A header row is optional; with one, the other columns become each entry's metadata (and a
    ``quality`` column is checked). A bad row is reported by line and field; good rows are kept
    and importing the same file again adds nothing. ``unreadable``: lines the caller could not
    decode, reported with the rest."""
    report = ImportReport()
    report.errors.extend(FieldProblem(p.line, "(line)", p.message) for p in unreadable)
    added_ids: list[int] = []
    header: list[str] | None = None
    for n, row in csv_rows(text):
        if isinstance(row, LineProblem):
            report.errors.append(FieldProblem(n, "(line)", row.message))
            continue
        if n == 1 and [c.strip().lower() for c in row[:2]] in (["signal_type", "signal"],
                                                               ["signal_type", "signal_str"]):
            header = [c.strip().lower() for c in row]
            continue
        if not any(c.strip() for c in row):
            continue
        if problem := next(filter(None, (value_problem(c, CSV_FIELD_LIMIT) for c in row)), None):
            report.errors.append(FieldProblem(n, "(line)", problem))
            continue
        if len(row) < 2:
            report.errors.append(FieldProblem(n, "signal", "missing (expected signal_type,signal)"))
            continue
        names = header or ["signal_type", "signal"] + [f"col{i}" for i in range(3, len(row) + 1)]
        extra = {k: v for k, v in zip(names[2:], row[2:], strict=False) if v != ""}
        quality = None
        if "quality" in extra:
            try:
                quality = int(extra.pop("quality"))
            except ValueError:
                report.errors.append(FieldProblem(n, "quality", "not a whole number"))
                continue
        try:
            st = get_signal_type(row[0])
        except ValueError as e:
            report.errors.append(FieldProblem(n, "signal_type", str(e)))
            continue
        if quality is not None and quality < st.min_quality:
            report.errors.append(FieldProblem(
                n, "quality", f"{quality} is below {st.min_quality}: not banked"))
            continue
        try:
            entry_id, new = add_signal(uow, bank, row[0], row[1], by=by, at=at,
                                       quality=quality, metadata=extra, record=False)
        except ValueError as e:
            report.errors.append(FieldProblem(n, "signal", str(e)))
            continue
        if new:
            report.added += 1
            added_ids.append(entry_id)
        else:
            report.duplicates += 1
    report.errors.sort(key=lambda e: e.line)
    if added_ids:  # one act, one event: the file's digest says which file, the ids what it added
        _setting_event(uow, bank, by, at, "bank_entries_imported", added=len(added_ids),
                       first_entry_id=min(added_ids), last_entry_id=max(added_ids),
                       sha256=hashlib.sha256(text.encode("utf-8")).hexdigest())
    return report


def record_feedback(uow: StoreUnitOfWork, entry_id: int, verdict: str, *, by: str,
                    at: datetime, event_id: str | None = None, note: str = "") -> int:
    """A reviewer's verdict on a match, kept for threshold tuning and for the hash provider."""
    if verdict not in VERDICTS:
        raise ValueError(f"a verdict is one of {', '.join(VERDICTS)}, not {verdict!r}")
    if uow.hashbanks.entry(entry_id) is None:
        raise ValueError(f"no bank entry {entry_id}")
    return uow.hashbanks.add_feedback(entry_id, verdict, by=by, at=at, event_id=event_id,
                                      note=note)


def export_feedback(uow: StoreUnitOfWork, at: datetime, include_exported: bool = False) -> str:
    """Feedback as CSV for the hash provider (``signal_type,signal,verdict,...``); marks the
    rows exported so the next export sends only what is new."""
    rows = uow.hashbanks.feedback(unexported_only=not include_exported)
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["signal_type", "signal", "verdict", "bank", "source", "given_at", "note"])
    for r in rows:
        w.writerow([r["signal_type"], r["signal"], r["verdict"], r["bank"], r["source"],
                    r["given_at"], r["note"]])
    uow.hashbanks.mark_exported([r["id"] for r in rows], at)
    return out.getvalue()


# -- bank settings ---------------------------------------------------------------------------

def _setting_event(uow: StoreUnitOfWork, bank: Bank, actor: str, at: datetime, change: str,
                   **details: Any) -> None:
    """A bank's settings decide what is flagged: each change is an event in the chain."""
    uow.events.append(ModerationEvent.of(
        SubjectRef(SubjectType.SYSTEM, f"bank:{bank.name}"), actor, at,
        SettingChange(change=change, bank=bank.name, enabled=bank.enabled,
                      negative=bank.negative, thresholds=dict(bank.thresholds), **details)))


def create_bank(uow: StoreUnitOfWork, name: str, *, by: str, at: datetime, **settings: Any
                ) -> Bank:
    bank = uow.hashbanks.create_bank(name, by=by, at=at, **settings)
    _setting_event(uow, bank, by, at, "bank_created", source=bank.source)
    return bank


def update_bank(uow: StoreUnitOfWork, name: str, *, by: str, at: datetime,
                enabled: bool | None = None, thresholds: Mapping[str, int] | None = None
                ) -> Bank:
    """Enable, disable or re-threshold a bank (KeyError if there is none of that name)."""
    before = uow.hashbanks.bank(name)
    bank = uow.hashbanks.update_bank(name, enabled=enabled, thresholds=thresholds)
    if before is not None and (before.enabled, dict(before.thresholds)) != (
            bank.enabled, dict(bank.thresholds)):
        _setting_event(uow, bank, by, at, "bank_updated", enabled_before=before.enabled,
                       thresholds_before=dict(before.thresholds))
    return bank


# -- the use cases the CLI and the web call: each opens a unit of work and commits it ---------

new_bank = committed(create_bank)
change_bank = committed(update_bank)
unbank_signal = committed(remove_signal)
give_feedback = committed(record_feedback)


def bank_signals(uow_factory: UowFactory, clock: Clock, bank_name: str,
                 signals: Iterable[tuple[str, str, int | None]], *, by: str,
                 metadata: Mapping[str, Any] | None = None) -> list[tuple[int, bool]]:
    """Bank each ``(signal_type, signal, quality)`` in the bank of that name, all in one
    transaction; (entry id, new?) for each. A ValueError (no such bank, a bad hash) keeps
    none of them."""
    with uow_factory() as uow:
        bank = get_bank(uow, bank_name)
        out = [add_signal(uow, bank, signal_type, signal, by=by, at=clock.now(),
                          quality=quality, metadata=metadata)
               for signal_type, signal, quality in signals]
        uow.commit()
    return out


def import_bank_csv(uow_factory: UowFactory, bank_name: str, text: str, *, by: str,
                    at: datetime, unreadable: Iterable[LineProblem] = ()) -> ImportReport:
    """:func:`import_csv` into the bank of that name, committed (a ValueError keeps nothing)."""
    with uow_factory() as uow:
        report = import_csv(uow, get_bank(uow, bank_name), text, by=by, at=at,
                            unreadable=unreadable)
        uow.commit()
    return report


def export_feedback_to(uow_factory: UowFactory, at: datetime, write: Callable[[str], Any],
                       include_exported: bool = False) -> str:
    """:func:`export_feedback`, handed to ``write``; the rows count as exported only once
    ``write`` has returned (if it fails, the next export sends them again)."""
    with uow_factory() as uow:
        data = export_feedback(uow, at, include_exported=include_exported)
        write(data)
        uow.commit()
    return data
