"""The demo platform's own database (SQLite, standard library only): accounts and posts as
interchange records plus their enforcement state, the deliveries it has acted on (so a webhook
received twice acts once), its action log, and the events waiting to be sent to tarazu."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS items (
  kind TEXT NOT NULL,               -- account | post
  item_id TEXT NOT NULL,
  account_id TEXT,                  -- the author, for posts
  record TEXT NOT NULL,             -- the interchange record as JSON
  status TEXT NOT NULL,             -- active | removed | suspended
  suspended_until TEXT,
  restricted_in TEXT NOT NULL DEFAULT '[]',
  labels TEXT NOT NULL DEFAULT '[]',
  PRIMARY KEY (kind, item_id)
);
CREATE TABLE IF NOT EXISTS deliveries (
  delivery_id TEXT PRIMARY KEY,
  received_at TEXT NOT NULL,
  response TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS actions (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  delivery_id TEXT NOT NULL,
  decision_id TEXT,
  type TEXT NOT NULL,               -- enforcement | reversal | expiry
  subject_type TEXT NOT NULL,
  subject_id TEXT NOT NULL,
  action TEXT NOT NULL,
  until TEXT,
  country TEXT,
  policy TEXT,
  effect TEXT NOT NULL,
  applied_at TEXT NOT NULL,
  sequence INTEGER,                 -- tarazu's per-subject order of the message, if given
  changes_status INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS outgoing (
  seq INTEGER PRIMARY KEY AUTOINCREMENT,
  event TEXT NOT NULL,
  sent_at TEXT,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT
);
"""

ACTION_COLUMNS = {"sequence": "INTEGER", "changes_status": "INTEGER NOT NULL DEFAULT 0"}


@dataclass(frozen=True)
class Item:
    kind: str
    item_id: str
    record: dict[str, Any]
    status: str
    suspended_until: str | None
    restricted_in: tuple[str, ...]
    labels: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "id": self.item_id, "status": self.status,
                "suspended_until": self.suspended_until,
                "restricted_in": list(self.restricted_in), "labels": list(self.labels),
                "record": self.record}


class PlatformStore:
    """One connection per operation, so the web server's threads never share one."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        conn = sqlite3.connect(self.path, timeout=30)
        try:
            conn.executescript(SCHEMA)
            have = {r[1] for r in conn.execute("PRAGMA table_info(actions)")}
            for column, decl in ACTION_COLUMNS.items():  # files made before these columns
                if column not in have:
                    conn.execute(f"ALTER TABLE actions ADD COLUMN {column} {decl}")
        finally:
            conn.close()

    @contextmanager
    def tx(self) -> Iterator[sqlite3.Connection]:
        """A write transaction taken up front (BEGIN IMMEDIATE): check-then-act is atomic."""
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN IMMEDIATE")
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        finally:
            conn.close()

    # -- items ---------------------------------------------------------------------------------
    @staticmethod
    def put(c: sqlite3.Connection, kind: str, record: dict[str, Any]) -> bool:
        """Insert or replace the record, keeping enforcement state; True if it was new."""
        item_id = record["account_id"] if kind == "account" else record["post_id"]
        old = c.execute("SELECT 1 FROM items WHERE kind=? AND item_id=?",
                        (kind, item_id)).fetchone()
        status = record.get("status", "active") if kind == "account" else "active"
        if old:
            c.execute("UPDATE items SET record=? WHERE kind=? AND item_id=?",
                      (json.dumps(record, ensure_ascii=False), kind, item_id))
            return False
        c.execute("INSERT INTO items(kind, item_id, account_id, record, status) "
                  "VALUES (?,?,?,?,?)",
                  (kind, item_id, record.get("account_id"),
                   json.dumps(record, ensure_ascii=False), status))
        return True

    @staticmethod
    def get(c: sqlite3.Connection, kind: str, item_id: str) -> Item | None:
        r = c.execute("SELECT * FROM items WHERE kind=? AND item_id=?",
                      (kind, item_id)).fetchone()
        if r is None:
            return None
        return Item(r["kind"], r["item_id"], json.loads(r["record"]), r["status"],
                    r["suspended_until"], tuple(json.loads(r["restricted_in"])),
                    tuple(json.loads(r["labels"])))

    @staticmethod
    def save_state(c: sqlite3.Connection, item: Item) -> None:
        c.execute("UPDATE items SET record=?, status=?, suspended_until=?, restricted_in=?, "
                  "labels=? WHERE kind=? AND item_id=?",
                  (json.dumps(item.record, ensure_ascii=False), item.status,
                   item.suspended_until, json.dumps(list(item.restricted_in)),
                   json.dumps(list(item.labels)), item.kind, item.item_id))

    def find(self, kind: str, item_id: str) -> Item | None:
        with self.tx() as c:
            return self.get(c, kind, item_id)

    def counts(self) -> dict[str, int]:
        with self.tx() as c:
            rows = c.execute("SELECT kind, status, count(*) n FROM items GROUP BY kind, status")
            return {f"{r['kind']}s_{r['status']}": r["n"] for r in rows}

    def not_active(self, limit: int = 200) -> list[Item]:
        with self.tx() as c:
            ids = c.execute("SELECT kind, item_id FROM items WHERE status != 'active' OR "
                            "restricted_in != '[]' OR labels != '[]' ORDER BY kind, item_id "
                            "LIMIT ?", (limit,)).fetchall()
            return [i for k, n in ids if (i := self.get(c, k, n)) is not None]

    # -- deliveries and the action log ---------------------------------------------------------
    @staticmethod
    def delivery(c: sqlite3.Connection, delivery_id: str) -> dict[str, Any] | None:
        r = c.execute("SELECT response FROM deliveries WHERE delivery_id=?",
                      (delivery_id,)).fetchone()
        return json.loads(r["response"]) if r else None

    @staticmethod
    def record_delivery(c: sqlite3.Connection, delivery_id: str, at: str,
                        response: dict[str, Any]) -> None:
        c.execute("INSERT INTO deliveries(delivery_id, received_at, response) VALUES (?,?,?)",
                  (delivery_id, at, json.dumps(response)))

    @staticmethod
    def log_action(c: sqlite3.Connection, **row: Any) -> None:
        cols = ", ".join(row)
        c.execute(f"INSERT INTO actions({cols}) VALUES ({', '.join('?' * len(row))})",
                  tuple(row.values()))

    @staticmethod
    def newer_action(c: sqlite3.Connection, subject_type: str, subject_id: str, sequence: int,
                     decision_id: str | None, changes_status: bool) -> dict[str, Any] | None:
        """An applied action on the subject with a higher sequence that a message of
        ``sequence`` would override: one of the same decision, or (for a message that changes
        the account's status) one that changed the status."""
        r = c.execute("SELECT * FROM actions WHERE subject_type=? AND subject_id=? "
                      "AND sequence > ? AND (decision_id = ? OR (? AND changes_status)) "
                      "ORDER BY sequence DESC LIMIT 1",
                      (subject_type, subject_id, sequence, decision_id, int(changes_status)))
        r = r.fetchone()
        return dict(r) if r else None

    @staticmethod
    def actions_of_decision(c: sqlite3.Connection, decision_id: str) -> list[dict[str, Any]]:
        rows = c.execute("SELECT * FROM actions WHERE decision_id=? AND type='enforcement' "
                         "ORDER BY seq", (decision_id,))
        return [dict(r) for r in rows]

    def actions(self, limit: int = 500) -> list[dict[str, Any]]:
        with self.tx() as c:
            rows = c.execute("SELECT * FROM actions ORDER BY seq DESC LIMIT ?", (limit,))
            return [dict(r) for r in rows]

    # -- events for tarazu ---------------------------------------------------------------------
    @staticmethod
    def queue_event(c: sqlite3.Connection, event: dict[str, Any]) -> None:
        c.execute("INSERT INTO outgoing(event) VALUES (?)",
                  (json.dumps(event, ensure_ascii=False),))

    def unsent(self, limit: int = 100) -> list[tuple[int, dict[str, Any]]]:
        with self.tx() as c:
            rows = c.execute("SELECT seq, event FROM outgoing WHERE sent_at IS NULL "
                             "ORDER BY seq LIMIT ?", (limit,))
            return [(r["seq"], json.loads(r["event"])) for r in rows]

    def mark_sent(self, seq: int, at: str, error: str | None = None) -> None:
        """Done with the event: delivered, or refused for good (``error`` says why)."""
        with self.tx() as c:
            c.execute("UPDATE outgoing SET sent_at=?, attempts=attempts+1, last_error=? "
                      "WHERE seq=?", (at, error, seq))

    def mark_failed(self, seq: int, error: str) -> None:
        with self.tx() as c:
            c.execute("UPDATE outgoing SET attempts=attempts+1, last_error=? WHERE seq=?",
                      (error[:500], seq))
