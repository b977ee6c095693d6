"""Hash banks, their entries and match feedback, as rows.

The hashes live here and nowhere else: matchers derive their in-memory indexes from these rows
(no pickled index blobs), and :meth:`HashBankStore.checkpoint` tells a matcher whether anything
changed since it last looked. Entries are never deleted: removal stamps ``removed_at`` so the
record of what was banked, by whom and when survives."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Connection,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
    insert,
    select,
    update,
)

from tarazu.adapters.db.tables import metadata, posts
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.platform import Post
from tarazu.signals.banks import Bank, BankEntry
from tarazu.signals.index import BuildCheckpoint

__all__ = ["HashBankStore", "hash_banks", "hash_entries", "hash_feedback"]

_ID = BigInteger().with_variant(Integer, "sqlite")

hash_banks = Table(
    "hash_banks",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("name", String(200), nullable=False, unique=True),
    Column("enabled", Boolean, nullable=False, default=True),
    Column("negative", Boolean, nullable=False, default=False),
    Column("thresholds", Text, nullable=False, default="{}"),  # JSON {signal_type: distance}
    Column("source", String(64), nullable=False, default="manual"),
    Column("designation_id", String(200), nullable=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_by", String(200), nullable=False),
    Column("created_at", String(32), nullable=False),
)

hash_entries = Table(
    "hash_entries",
    metadata,
    Column("id", _ID, primary_key=True, autoincrement=True),
    Column("bank_id", Integer, ForeignKey("hash_banks.id"), nullable=False),
    Column("signal_type", String(32), nullable=False),
    Column("signal", Text, nullable=False),
    Column("quality", Integer, nullable=True),
    Column("meta", Text, nullable=False, default="{}"),
    Column("added_by", String(200), nullable=False),
    Column("added_at", String(32), nullable=False),
    Column("removed_at", String(32), nullable=True),
    Column("removed_by", String(200), nullable=True),
    Index("ix_hash_entries_type", "signal_type", "id"),
    Index("ix_hash_entries_bank", "bank_id", "signal_type"),
)

# Reviewers' verdicts on matches, for tuning thresholds and for the hash provider.
hash_feedback = Table(
    "hash_feedback",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("entry_id", _ID, ForeignKey("hash_entries.id"), nullable=False),
    Column("event_id", String(32), nullable=True),  # the match event, when there is one
    Column("verdict", String(16), nullable=False),
    Column("note", Text, nullable=False, default=""),
    Column("given_by", String(200), nullable=False),
    Column("given_at", String(32), nullable=False),
    Column("exported_at", String(32), nullable=True),
)


def _bank(r) -> Bank:  # type: ignore[no-untyped-def]
    return Bank(bank_id=r.id, name=r.name, enabled=bool(r.enabled), negative=bool(r.negative),
                thresholds=json.loads(r.thresholds), source=r.source,
                designation_id=r.designation_id, description=r.description,
                created_by=r.created_by, created_at=parse_time(r.created_at))


_ENTRY_COLS = [hash_entries, hash_banks.c.name.label("bank_name")]


def _entry(r) -> BankEntry:  # type: ignore[no-untyped-def]
    return BankEntry(entry_id=r.id, bank_id=r.bank_id, bank=r.bank_name,
                     signal_type=r.signal_type, signal=r.signal, quality=r.quality,
                     metadata=json.loads(r.meta or "{}"), added_by=r.added_by,
                     added_at=parse_time(r.added_at),
                     removed_at=parse_time(r.removed_at) if r.removed_at else None)


def check_new_bank(name: str, exists: bool) -> None:
    """The rules a new bank keeps in every store: a name, and one no other bank has."""
    if not name.strip():
        raise ValueError("a bank needs a name")
    if exists:
        raise ValueError(f"a bank named {name!r} exists already")


def new_bank_columns(name: str, *, by: str, at: datetime, negative: bool,
                     thresholds: Mapping[str, int] | None, source: str,
                     designation_id: str | None, description: str,
                     enabled: bool) -> dict[str, Any]:
    """A new bank's columns, as every store writes them."""
    return dict(name=name, enabled=enabled, negative=negative,
                thresholds=json.dumps(dict(thresholds or {}), sort_keys=True), source=source,
                designation_id=designation_id, description=description, created_by=by,
                created_at=format_time(at))


def bank_changes(bank: Bank | None, name: str, enabled: bool | None,
                 thresholds: Mapping[str, int] | None) -> tuple[Bank, dict[str, Any]]:
    """The bank to update and the columns the update changes (thresholds merged into the
    bank's); a KeyError if there is no bank ``name``."""
    if bank is None:
        raise KeyError(f"no bank named {name!r}")
    values: dict[str, Any] = {}
    if enabled is not None:
        values["enabled"] = enabled
    if thresholds is not None:
        values["thresholds"] = json.dumps({**bank.thresholds, **thresholds}, sort_keys=True)
    return bank, values


class HashBankStore:
    """Banks, entries and feedback on one connection (the unit of work owns the transaction)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # -- banks -------------------------------------------------------------------------------
    def create_bank(self, name: str, *, by: str, at: datetime, negative: bool = False,
                    thresholds: Mapping[str, int] | None = None, source: str = "manual",
                    designation_id: str | None = None, description: str = "",
                    enabled: bool = True) -> Bank:
        check_new_bank(name, self.bank(name) is not None)
        self.conn.execute(insert(hash_banks).values(**new_bank_columns(
            name, by=by, at=at, negative=negative, thresholds=thresholds, source=source,
            designation_id=designation_id, description=description, enabled=enabled)))
        return self.bank(name)  # type: ignore[return-value]

    def update_bank(self, name: str, *, enabled: bool | None = None,
                    thresholds: Mapping[str, int] | None = None) -> Bank:
        bank, values = bank_changes(self.bank(name), name, enabled, thresholds)
        if values:
            self.conn.execute(update(hash_banks).where(hash_banks.c.id == bank.bank_id)
                              .values(**values))
        return self.bank(name)  # type: ignore[return-value]

    def bank(self, name: str) -> Bank | None:
        r = self.conn.execute(select(hash_banks).where(hash_banks.c.name == name)).first()
        return _bank(r) if r else None

    def banks(self) -> list[Bank]:
        return [_bank(r) for r in self.conn.execute(select(hash_banks).order_by(hash_banks.c.id))]

    def entry_counts(self) -> dict[int, int]:
        """Live entries per bank id."""
        rows = self.conn.execute(select(hash_entries.c.bank_id, func.count())
                                 .where(hash_entries.c.removed_at.is_(None))
                                 .group_by(hash_entries.c.bank_id))
        return {r[0]: r[1] for r in rows}

    # -- entries -----------------------------------------------------------------------------
    def add_entry(self, bank: Bank, signal_type: str, signal: str, *, by: str, at: datetime,
                  quality: int | None = None, metadata: Mapping[str, Any] | None = None
                  ) -> tuple[int, bool]:
        """(entry id, True) for a new entry; (existing id, False) when the bank already holds
        the same live hash. The caller validates ``signal`` first."""
        existing = self.conn.execute(select(hash_entries.c.id).where(
            hash_entries.c.bank_id == bank.bank_id, hash_entries.c.signal_type == signal_type,
            hash_entries.c.signal == signal, hash_entries.c.removed_at.is_(None))).scalar()
        if existing is not None:
            return int(existing), False
        res = self.conn.execute(insert(hash_entries).values(
            bank_id=bank.bank_id, signal_type=signal_type, signal=signal, quality=quality,
            meta=json.dumps(dict(metadata or {}), ensure_ascii=False, sort_keys=True),
            added_by=by, added_at=format_time(at)))
        return int(res.inserted_primary_key[0]), True

    def remove_entry(self, entry_id: int, *, by: str, at: datetime) -> bool:
        res = self.conn.execute(update(hash_entries).where(
            hash_entries.c.id == entry_id, hash_entries.c.removed_at.is_(None))
            .values(removed_at=format_time(at), removed_by=by))
        return res.rowcount == 1

    def entry(self, entry_id: int) -> BankEntry | None:
        r = self.conn.execute(select(*_ENTRY_COLS).join_from(hash_entries, hash_banks)
                              .where(hash_entries.c.id == entry_id)).first()
        return _entry(r) if r else None

    def entries(self, signal_type: str | None = None, after_id: int = 0,
                bank: Bank | None = None, batch: int = 10_000) -> Iterator[BankEntry]:
        """Live entries in id order, read in batches (keyset paging)."""
        last = after_id
        while True:
            q = (select(*_ENTRY_COLS).join_from(hash_entries, hash_banks)
                 .where(hash_entries.c.id > last, hash_entries.c.removed_at.is_(None))
                 .order_by(hash_entries.c.id).limit(batch))
            if signal_type:
                q = q.where(hash_entries.c.signal_type == signal_type)
            if bank:
                q = q.where(hash_entries.c.bank_id == bank.bank_id)
            rows = self.conn.execute(q).all()
            for r in rows:
                yield _entry(r)
            if len(rows) < batch:
                return
            last = rows[-1].id

    def removed_ids(self, signal_type: str) -> set[int]:
        return {r[0] for r in self.conn.execute(select(hash_entries.c.id).where(
            hash_entries.c.signal_type == signal_type, hash_entries.c.removed_at.is_not(None)))}

    def checkpoint(self, signal_type: str) -> BuildCheckpoint:
        """(highest entry id ever, live entries) for a signal type: unchanged means no entry
        was added or removed."""
        last, live = self.conn.execute(select(
            func.coalesce(func.max(hash_entries.c.id), 0),
            func.count().filter(hash_entries.c.removed_at.is_(None)))
            .where(hash_entries.c.signal_type == signal_type)).one()
        return BuildCheckpoint(int(last), int(live))

    # -- feedback ----------------------------------------------------------------------------
    def add_feedback(self, entry_id: int, verdict: str, *, by: str, at: datetime,
                     event_id: str | None = None, note: str = "") -> int:
        res = self.conn.execute(insert(hash_feedback).values(
            entry_id=entry_id, event_id=event_id, verdict=verdict, note=note, given_by=by,
            given_at=format_time(at)))
        return int(res.inserted_primary_key[0])

    def feedback(self, unexported_only: bool = False) -> list[dict[str, Any]]:
        """Verdicts with the hash they concern (for export to the hash provider)."""
        q = (select(hash_feedback, hash_entries.c.signal_type, hash_entries.c.signal,
                    hash_entries.c.meta, hash_banks.c.name.label("bank"),
                    hash_banks.c.source)
             .join_from(hash_feedback, hash_entries).join(hash_banks)
             .order_by(hash_feedback.c.id))
        if unexported_only:
            q = q.where(hash_feedback.c.exported_at.is_(None))
        return [dict(r._mapping) for r in self.conn.execute(q)]

    def mark_exported(self, feedback_ids: list[int], at: datetime) -> None:
        if feedback_ids:
            self.conn.execute(update(hash_feedback).where(hash_feedback.c.id.in_(feedback_ids))
                              .values(exported_at=format_time(at)))

    # -- platform content to scan ------------------------------------------------------------
    def iter_posts(self, batch: int = 2000) -> Iterator[Post]:
        """Every stored post, in key order (keyset paging), for a bank scan."""
        from tarazu.adapters.db.platform_store import PlatformStore

        last: tuple[str, str] = ("", "")
        while True:
            rows = self.conn.execute(
                select(posts).where((posts.c.platform > last[0]) | (
                    (posts.c.platform == last[0]) & (posts.c.post_id > last[1])))
                .order_by(posts.c.platform, posts.c.post_id).limit(batch)).all()
            for r in rows:
                yield PlatformStore._post(r)
            if len(rows) < batch:
                return
            last = (rows[-1].platform, rows[-1].post_id)
