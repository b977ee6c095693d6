"""Hash banks, their entries and match feedback held in memory: the twin of
:class:`tarazu.adapters.db.hashbanks.HashBankStore` (the port
:class:`tarazu.service.ports.HashBanks`). Entries are never deleted, as there: removal stamps
them."""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from tarazu.adapters.db.hashbanks import bank_changes, check_new_bank, new_bank_columns
from tarazu.adapters.memory_platform import MemoryPlatform
from tarazu.adapters.memory_state import MemoryState, frozen, next_id, require, updated
from tarazu.domain.chain import format_time, parse_time
from tarazu.domain.platform import Post
from tarazu.signals.banks import Bank, BankEntry
from tarazu.signals.index import BuildCheckpoint


def _bank(r: Mapping[str, Any]) -> Bank:
    return Bank(bank_id=r["id"], name=r["name"], enabled=r["enabled"], negative=r["negative"],
                thresholds=json.loads(r["thresholds"]), source=r["source"],
                designation_id=r["designation_id"], description=r["description"],
                created_by=r["created_by"], created_at=parse_time(r["created_at"]))


class MemoryHashBanks:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    # -- banks -------------------------------------------------------------------------------
    def create_bank(self, name: str, *, by: str, at: datetime, negative: bool = False,
                    thresholds: Mapping[str, int] | None = None, source: str = "manual",
                    designation_id: str | None = None, description: str = "",
                    enabled: bool = True) -> Bank:
        check_new_bank(name, self.bank(name) is not None)
        bank_id = next_id(self._s.hash_banks)
        self._s.hash_banks[bank_id] = frozen(id=bank_id, **new_bank_columns(
            name, by=by, at=at, negative=negative, thresholds=thresholds, source=source,
            designation_id=designation_id, description=description, enabled=enabled))
        return self.bank(name)  # type: ignore[return-value]

    def update_bank(self, name: str, *, enabled: bool | None = None,
                    thresholds: Mapping[str, int] | None = None) -> Bank:
        bank, values = bank_changes(self.bank(name), name, enabled, thresholds)
        self._s.hash_banks[bank.bank_id] = updated(self._s.hash_banks[bank.bank_id], **values)
        return self.bank(name)  # type: ignore[return-value]

    def bank(self, name: str) -> Bank | None:
        found = next((r for r in self._s.hash_banks.values() if dict(r)["name"] == name), None)
        return _bank(dict(found)) if found else None

    def banks(self) -> list[Bank]:
        return [_bank(dict(self._s.hash_banks[i])) for i in sorted(self._s.hash_banks)]

    def entry_counts(self) -> dict[int, int]:
        out: dict[int, int] = {}
        for r in self._rows():
            if r["removed_at"] is None:
                out[r["bank_id"]] = out.get(r["bank_id"], 0) + 1
        return out

    # -- entries -----------------------------------------------------------------------------
    def _rows(self) -> Iterator[dict[str, Any]]:
        for i in sorted(self._s.hash_entries):
            yield dict(self._s.hash_entries[i])

    def _entry(self, r: dict[str, Any]) -> BankEntry:
        return BankEntry(entry_id=r["id"], bank_id=r["bank_id"],
                         bank=dict(self._s.hash_banks[r["bank_id"]])["name"],
                         signal_type=r["signal_type"], signal=r["signal"], quality=r["quality"],
                         metadata=json.loads(r["meta"]), added_by=r["added_by"],
                         added_at=parse_time(r["added_at"]),
                         removed_at=parse_time(r["removed_at"]) if r["removed_at"] else None)

    def add_entry(self, bank: Bank, signal_type: str, signal: str, *, by: str, at: datetime,
                  quality: int | None = None, metadata: Mapping[str, Any] | None = None
                  ) -> tuple[int, bool]:
        require(self._s.hash_banks, bank.bank_id, "hash_entries.bank_id")
        for r in self._rows():
            if (r["bank_id"], r["signal_type"], r["signal"], r["removed_at"]) == (
                    bank.bank_id, signal_type, signal, None):
                return r["id"], False
        entry_id = next_id(self._s.hash_entries)
        self._s.hash_entries[entry_id] = frozen(
            id=entry_id, bank_id=bank.bank_id, signal_type=signal_type, signal=signal,
            quality=quality,
            meta=json.dumps(dict(metadata or {}), ensure_ascii=False, sort_keys=True),
            added_by=by, added_at=format_time(at), removed_at=None, removed_by=None)
        return entry_id, True

    def remove_entry(self, entry_id: int, *, by: str, at: datetime) -> bool:
        row = self._s.hash_entries.get(entry_id)
        if row is None or dict(row)["removed_at"] is not None:
            return False
        self._s.hash_entries[entry_id] = updated(row, removed_at=format_time(at), removed_by=by)
        return True

    def entry(self, entry_id: int) -> BankEntry | None:
        row = self._s.hash_entries.get(entry_id)
        return self._entry(dict(row)) if row else None

    def entries(self, signal_type: str | None = None, after_id: int = 0,
                bank: Bank | None = None, batch: int = 10_000) -> Iterator[BankEntry]:
        for r in list(self._rows()):
            if (r["id"] > after_id and r["removed_at"] is None
                    and (not signal_type or r["signal_type"] == signal_type)
                    and (not bank or r["bank_id"] == bank.bank_id)):
                yield self._entry(r)

    def removed_ids(self, signal_type: str) -> set[int]:
        return {r["id"] for r in self._rows()
                if r["signal_type"] == signal_type and r["removed_at"] is not None}

    def checkpoint(self, signal_type: str) -> BuildCheckpoint:
        rows = [r for r in self._rows() if r["signal_type"] == signal_type]
        return BuildCheckpoint(max((r["id"] for r in rows), default=0),
                               sum(1 for r in rows if r["removed_at"] is None))

    # -- feedback ----------------------------------------------------------------------------
    def add_feedback(self, entry_id: int, verdict: str, *, by: str, at: datetime,
                     event_id: str | None = None, note: str = "") -> int:
        require(self._s.hash_entries, entry_id, "hash_feedback.entry_id")
        fid = next_id(self._s.hash_feedback)
        self._s.hash_feedback[fid] = frozen(
            id=fid, entry_id=entry_id, event_id=event_id, verdict=verdict, note=note,
            given_by=by, given_at=format_time(at), exported_at=None)
        return fid

    def feedback(self, unexported_only: bool = False) -> list[dict[str, Any]]:
        out = []
        for i in sorted(self._s.hash_feedback):
            f = dict(self._s.hash_feedback[i])
            if unexported_only and f["exported_at"] is not None:
                continue
            e = dict(self._s.hash_entries[f["entry_id"]])
            b = dict(self._s.hash_banks[e["bank_id"]])
            out.append({**f, "signal_type": e["signal_type"], "signal": e["signal"],
                        "meta": e["meta"], "bank": b["name"], "source": b["source"]})
        return out

    def mark_exported(self, feedback_ids: list[int], at: datetime) -> None:
        for i in feedback_ids:
            if i in self._s.hash_feedback:
                self._s.hash_feedback[i] = updated(self._s.hash_feedback[i],
                                                   exported_at=format_time(at))

    def iter_posts(self, batch: int = 2000) -> Iterator[Post]:
        return MemoryPlatform(self._s).iter_posts()
