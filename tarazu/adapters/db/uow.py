"""Unit of work: one transaction in which events, their projection and outbox rows commit
together (or not at all)."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy import Connection, Engine

from tarazu.adapters.db.crypto import FieldCipher
from tarazu.adapters.db.datarequests import DataRequestStore
from tarazu.adapters.db.due_process import DueProcessStore
from tarazu.adapters.db.event_store import EventStore
from tarazu.adapters.db.hashbanks import HashBankStore
from tarazu.adapters.db.outbox_store import OutboxStore
from tarazu.adapters.db.platform_store import PlatformStore
from tarazu.adapters.db.referral_store import ReferralStore
from tarazu.adapters.db.reports import ReportStore
from tarazu.adapters.db.status_store import StatusStore
from tarazu.adapters.db.user_store import UserStore


class SqlUnitOfWork:
    """``with uow: ...; uow.commit()`` — leaving the block without commit rolls back."""

    conn: Connection
    events: EventStore
    status: StatusStore
    platform: PlatformStore
    outbox: OutboxStore
    users: UserStore
    referrals: ReferralStore
    reports: ReportStore
    due_process: DueProcessStore
    datarequests: DataRequestStore
    hashbanks: HashBankStore

    def __init__(self, engine: Engine, cipher: FieldCipher) -> None:
        self.engine = engine
        self.cipher = cipher

    def __enter__(self) -> SqlUnitOfWork:
        self.conn = self.engine.connect()
        self._tx = self.conn.begin()
        self.events = EventStore(self.conn)
        self.status = StatusStore(self.conn)
        self.platform = PlatformStore(self.conn, self.cipher)
        self.outbox = OutboxStore(self.conn)
        self.users = UserStore(self.conn)
        self.referrals = ReferralStore(self.conn)
        self.reports = ReportStore(self.conn, self.cipher)
        self.due_process = DueProcessStore(self.conn)
        self.datarequests = DataRequestStore(self.conn)
        self.hashbanks = HashBankStore(self.conn)
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        try:
            if self._tx.is_active:
                self._tx.rollback()
        finally:
            self.events.forget_head()
            self.conn.close()

    def commit(self) -> None:
        self.events.write_head()
        self._tx.commit()
        self._tx = self.conn.begin()

    def rollback(self) -> None:
        self.events.forget_head()
        self._tx.rollback()
        self._tx = self.conn.begin()
