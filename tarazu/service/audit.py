"""Oversight of the log itself: verify the whole chain; read its head for anchoring."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.domain.chain import ChainBreak, verify
from tarazu.service.ports import UowFactory


@dataclass(frozen=True)
class VerifyReport:
    checked: int
    head_seq: int
    head_hash: str
    problem: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def verify_chain(uow_factory: UowFactory) -> VerifyReport:
    with uow_factory() as uow:
        head_seq, head_hash = uow.events.head()
        n, problem = verify(uow.events.iter_all())
        if problem is None and n and n != head_seq:
            problem = ChainBreak(n, f"the log ends at #{n} but the head says #{head_seq}")
        if problem is None and n:
            last = None
            for last in uow.events.iter_all(after_seq=n - 1):
                pass
            if last is not None and last.hash != head_hash:
                problem = ChainBreak(n, "the last event does not match the recorded head")
        if problem is None and n == 0 and head_seq != 0:
            problem = ChainBreak(1, f"the log is empty but the head says #{head_seq}")
        return VerifyReport(n, head_seq, head_hash, problem)


def chain_head(uow_factory: UowFactory) -> tuple[int, str]:
    with uow_factory() as uow:
        return uow.events.head()
