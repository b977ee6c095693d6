"""Committing long jobs in batches, so a job that fails half-way keeps what it did (and a
re-run, being idempotent, skips it), with progress reported per batch."""

from __future__ import annotations

from collections.abc import Callable

from tarazu.service.ports import StoreUnitOfWork


class BatchCommitter:
    """Call :meth:`done` once per item and :meth:`finish` at the end."""

    def __init__(self, uow: StoreUnitOfWork, size: int,
                 progress: Callable[[int], None] | None = None) -> None:
        self.uow = uow
        self.size = size
        self.progress = progress
        self.pending = 0

    def done(self) -> None:
        self.pending += 1
        if self.pending >= self.size:
            self._commit()

    def finish(self) -> None:
        self._commit()

    def _commit(self) -> None:
        self.uow.commit()
        if self.progress and self.pending:
            self.progress(self.pending)
        self.pending = 0
