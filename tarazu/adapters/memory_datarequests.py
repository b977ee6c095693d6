"""Data requests held in memory: the twin of
:class:`tarazu.adapters.db.datarequests.DataRequestStore` (the port
:class:`tarazu.service.ports.DataRequests`)."""

from __future__ import annotations

import builtins
import json
from datetime import datetime
from typing import Any

from tarazu.adapters.db.datarequests import state_columns
from tarazu.adapters.memory_state import DuplicateKey, MemoryState, frozen, insert_new, updated
from tarazu.datarequests.case import RequestState
from tarazu.domain.chain import format_time
from tarazu.service.records import RequestRow, StoredPackage

_ROW_FIELDS = tuple(RequestRow.__dataclass_fields__)


class MemoryDataRequests:
    def __init__(self, state: MemoryState) -> None:
        self._s = state

    def _row(self, request_id: str) -> dict[str, Any] | None:
        r = self._s.data_requests.get(request_id)
        return dict(r) if r else None

    def document_sha256(self, request_id: str) -> str | None:
        r = self._row(request_id)
        return r["document_sha256"] if r else None

    def add(self, *, request_id: str, country: str, agency: str, instrument_type: str,
            path: str, platform: str, received_at: datetime, submitted_by: str | None,
            document_sha256: str, document: dict[str, Any]) -> None:
        insert_new(self._s.data_requests, request_id, frozen(
            request_id=request_id, country=country, agency=agency,
            instrument_type=instrument_type, path=path, platform=platform,
            received_at=format_time(received_at), submitted_by=submitted_by,
            document_sha256=document_sha256,
            document=json.dumps(document, ensure_ascii=False, sort_keys=True),
            status="none", outcome="", protected=False, targets_named=0, produced=False,
            nondisclosure_until=None, notice_due_at=None, notice_sent_at=None,
            followup_deadline=None, provisional=False, overdue_flagged=False,
            preserved_until=None, last_seq=0), "data_requests.request_id")

    def save_state(self, s: RequestState, last_seq: int) -> None:
        row = self._s.data_requests.get(s.request_id)
        if row is None:
            return
        self._s.data_requests[s.request_id] = updated(row, **state_columns(s, last_seq))

    def get(self, request_id: str) -> RequestRow | None:
        r = self._row(request_id)
        return RequestRow(**{k: r[k] for k in _ROW_FIELDS}) if r else None

    def document(self, request_id: str) -> dict[str, Any] | None:
        r = self._row(request_id)
        return json.loads(r["document"]) if r else None

    def list(self, *, statuses: tuple[str, ...] | None = None,
             submitted_by: str | None = None, since: datetime | None = None,
             until: datetime | None = None, limit: int | None = None) -> builtins.list[RequestRow]:
        rows = [dict(r) for r in self._s.data_requests.values()]
        rows = [r for r in rows if (not statuses or r["status"] in statuses)
                and (submitted_by is None or r["submitted_by"] == submitted_by)
                and (since is None or r["received_at"] >= format_time(since))
                and (until is None or r["received_at"] < format_time(until))]
        rows.sort(key=lambda r: r["received_at"], reverse=True)
        return [RequestRow(**{k: r[k] for k in _ROW_FIELDS}) for r in rows[:limit or None]]

    def _ids(self, keep: Any, order: str = "request_id") -> builtins.list[str]:
        rows = [dict(r) for r in self._s.data_requests.values()]
        return [r["request_id"] for r in sorted(filter(keep, rows), key=lambda r: r[order])]

    def notices_due(self, now: datetime) -> builtins.list[str]:
        t = format_time(now)
        return self._ids(lambda r: r["notice_due_at"] is not None and r["notice_due_at"] <= t
                         and r["notice_sent_at"] is None, order="notice_due_at")

    def followups_overdue(self, now: datetime) -> builtins.list[str]:
        t = format_time(now)
        return self._ids(lambda r: r["provisional"] and not r["overdue_flagged"]
                         and r["followup_deadline"] is not None and r["followup_deadline"] < t)

    def preservations_expired(self, now: datetime) -> builtins.list[str]:
        t = format_time(now)
        return self._ids(lambda r: r["status"] == "preserved"
                         and r["preserved_until"] is not None and r["preserved_until"] <= t)

    # -- packages: one per request (the SQL table's unique request_id) ------------------------
    def add_package(self, *, package_id: str, request_id: str, created_at: datetime,
                    created_by: str, sha256: str, content_sha256: str,
                    ciphertext: bytes) -> None:
        if any(dict(p)["package_id"] == package_id for p in self._s.data_packages.values()):
            raise DuplicateKey(f"data_packages.package_id {package_id!r}")
        insert_new(self._s.data_packages, request_id, frozen(
            package_id=package_id, request_id=request_id, created_at=format_time(created_at),
            created_by=created_by, sha256=sha256, content_sha256=content_sha256,
            ciphertext=bytes(ciphertext)), "data_packages.request_id")

    def package(self, request_id: str) -> StoredPackage | None:
        p = self._s.data_packages.get(request_id)
        return StoredPackage(**dict(p)) if p else None

    def package_count(self) -> int:
        return len(self._s.data_packages)

    # -- preservation snapshots --------------------------------------------------------------
    def add_snapshot(self, *, request_id: str, platform: str, account_id: str,
                     created_at: datetime, sha256: str, ciphertext: bytes) -> None:
        insert_new(self._s.data_preservations, (request_id, platform, account_id),
                   (format_time(created_at), sha256, bytes(ciphertext)),
                   "data_preservations (request_id, platform, account_id)")

    def snapshots(self, request_id: str) -> builtins.list[tuple[str, str, str]]:
        return [(k[1], k[2], v[1]) for k, v in sorted(self._s.data_preservations.items())
                if k[0] == request_id]

    def drop_snapshots(self, request_id: str) -> int:
        gone = [k for k in self._s.data_preservations if k[0] == request_id]
        for k in gone:
            del self._s.data_preservations[k]
        return len(gone)
