"""What the use cases need from the outside, as protocols."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Protocol

from tarazu.adapters.db.uow import SqlUnitOfWork
from tarazu.domain.checkpoint import Checkpoint

#: A factory of units of work (the SQL one, or a test double that honours the same contract).
UowFactory = Callable[[], SqlUnitOfWork]


class PlatformAdapter(Protocol):
    """Sends enforcement to the platform; returns normally only when the platform accepted."""

    def send(self, destination: str, idempotency_key: str, payload: dict) -> None: ...


class CheckpointLog(Protocol):
    """Signed checkpoints of the chain, kept outside the database
    (:class:`tarazu.adapters.checkpoints.FileCheckpoints`)."""

    def read(self) -> list[Checkpoint]: ...

    def latest(self) -> Checkpoint | None: ...

    def signature_ok(self, cp: Checkpoint) -> bool: ...

    def signer(self) -> tuple[str, Callable[[bytes], str]]: ...

    def appending(self) -> AbstractContextManager[Callable[[Checkpoint], None]]: ...
