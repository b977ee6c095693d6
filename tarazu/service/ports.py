"""What the use cases need from the outside, as protocols."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from tarazu.adapters.db.uow import SqlUnitOfWork

#: A factory of units of work (the SQL one, or a test double that honours the same contract).
UowFactory = Callable[[], SqlUnitOfWork]


class PlatformAdapter(Protocol):
    """Sends enforcement to the platform; returns normally only when the platform accepted."""

    def send(self, destination: str, idempotency_key: str, payload: dict) -> None: ...
