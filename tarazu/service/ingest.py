"""Loading platform data (interchange JSONL) into the store: bad records are reported with
line and field, good ones kept, and re-importing the same file changes nothing. A record
that repeats an earlier one's id in the same file replaces it (a later line is a later state),
and the repeat is reported, never silent."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from tarazu.domain.platform import Account, Post
from tarazu.interchange import read_file
from tarazu.service.batching import BatchCommitter
from tarazu.service.ports import UowFactory
from tarazu.textfiles import FieldProblem

BATCH = 1000


@dataclass
class IngestReport:
    counts: Counter[str] = field(default_factory=Counter)
    errors: list[FieldProblem] = field(default_factory=list)
    #: records whose id an earlier line of the file already used (the later one is kept)
    repeats: list[FieldProblem] = field(default_factory=list)
    lines: int = 0

    def summary(self) -> dict[str, int]:
        return {**dict(sorted(self.counts.items())), "errors": len(self.errors),
                "repeated_ids": len(self.repeats)}


def ingest_file(uow_factory: UowFactory, path: str | Path,
                progress: Callable[[int], None] | None = None) -> IngestReport:
    """Commit in batches, so a long import that fails half-way keeps what it did (and a re-run
    skips it as unchanged)."""
    report = IngestReport()
    seen: dict[tuple[str, str, str], int] = {}
    uow = uow_factory()
    with uow:
        batch = BatchCommitter(uow, BATCH, progress)
        for parsed in read_file(path):
            report.lines = parsed.line
            if parsed.error:
                report.errors.append(parsed.error)
                batch.done()
                continue
            if (repeat := _repeat(seen, parsed.line, parsed.record)) is not None:  # type: ignore[arg-type]
                report.repeats.append(repeat)
            if isinstance(parsed.record, Account):
                report.counts["accounts_" + uow.platform.upsert_account(parsed.record)] += 1
            else:
                report.counts["posts_" + uow.platform.upsert_post(parsed.record)] += 1  # type: ignore[arg-type]
            batch.done()
        batch.finish()
    return report


def _repeat(seen: dict[tuple[str, str, str], int], line: int, record: Account | Post
            ) -> FieldProblem | None:
    kind, field_, rid = (("account", "account_id", record.account_id)
                         if isinstance(record, Account) else ("post", "post_id", record.post_id))
    first = seen.setdefault((kind, record.platform, rid), line)
    if first == line:
        return None
    return FieldProblem(line, field_, f"{kind} {rid!r} on platform {record.platform!r} repeats "
                                     f"line {first}; this later record replaces it")
