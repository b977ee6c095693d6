"""Loading platform data (interchange JSONL) into the store: bad records are reported with
line and field, good ones kept, and re-importing the same file changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tarazu.adapters.interchange import RecordError, read_file
from tarazu.domain.platform import Account
from tarazu.service.batching import BatchCommitter
from tarazu.service.ports import UowFactory

BATCH = 1000


@dataclass
class IngestReport:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[RecordError] = field(default_factory=list)
    lines: int = 0

    def summary(self) -> dict[str, int]:
        return {**dict(sorted(self.counts.items())), "errors": len(self.errors)}


def ingest_file(uow_factory: UowFactory, path: str | Path,
                progress: Callable[[int], None] | None = None) -> IngestReport:
    """Commit in batches, so a long import that fails half-way keeps what it did (and a re-run
    skips it as unchanged)."""
    report = IngestReport()
    uow = uow_factory()
    with uow:
        batch = BatchCommitter(uow, BATCH, progress)
        for parsed in read_file(path):
            report.lines = parsed.line
            if parsed.error:
                report.errors.append(parsed.error)
            elif isinstance(parsed.record, Account):
                report.counts["accounts_" + uow.platform.upsert_account(parsed.record)] += 1
            else:
                report.counts["posts_" + uow.platform.upsert_post(parsed.record)] += 1  # type: ignore[arg-type]
            batch.done()
        batch.finish()
    return report
