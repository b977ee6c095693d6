"""Oversight of the log itself: verify the whole chain; read its head for anchoring."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.domain.chain import GENESIS, ChainBreak, verify
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
    """Walk the log once, in order, and check it ends where the recorded head says."""
    with uow_factory() as uow:
        head_seq, head_hash = uow.events.head()
        last_hash = [GENESIS]

        def remember(records):  # type: ignore[no-untyped-def]
            for r in records:
                last_hash[0] = r.hash
                yield r

        n, problem = verify(remember(uow.events.iter_all()))
        if problem is None and (n != head_seq or last_hash[0] != head_hash):
            problem = ChainBreak(n + 1 if n < head_seq else n,
                                 f"the log ends at #{n} but the recorded head is #{head_seq}: "
                                 "events were removed or the head was changed")
        return VerifyReport(n, head_seq, head_hash, problem)


def chain_head(uow_factory: UowFactory) -> tuple[int, str]:
    with uow_factory() as uow:
        return uow.events.head()
