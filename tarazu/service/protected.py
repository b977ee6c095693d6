"""The protected-accounts registry: journalists, news organisations, NGOs, officials and
others whom vague demands target most. Entries come from the platform's verification, from
imported lists and from staff; any action against a protected account needs a senior reviewer
and none is automatic (``Subject.decide`` enforces it; the case is routed to senior review).

Marking an account protected is itself recorded as an event on the account, so the log shows
who protected whom, when and on what source."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from tarazu.domain.events import EventKind, SubjectRef
from tarazu.domain.payloads import Note
from tarazu.domain.platform import PROTECTED_CATEGORIES
from tarazu.service import cases
from tarazu.service.clock import Clock
from tarazu.service.ports import UowFactory
from tarazu.textfiles import LineProblem, csv_records, value_problem

#: Categories an imported list or a staff member may give.
CATEGORIES = frozenset(PROTECTED_CATEGORIES | {"human_rights_defender", "lawyer"})
#: Longest value of an imported row's field, in characters.
MAX_CHARS = {"platform": 64, "account": 512, "category": 64, "note": 2_000}


class ProtectError(ValueError):
    pass


@dataclass
class ImportReport:
    added: int = 0
    already: int = 0
    errors: list[str] = field(default_factory=list)


def protect(uow_factory: UowFactory, clock: Clock, *, platform: str, account: str,
            category: str, source: str, added_by: str, note: str = "") -> bool:
    """Protect one account (a handle, profile URL or id). False when it already was."""
    with uow_factory() as uow:
        added = _protect(uow, clock, platform, account, category, source, added_by, note)
        uow.commit()
    return added


def _protect(uow, clock: Clock, platform: str, account: str, category: str,  # type: ignore[no-untyped-def]
             source: str, added_by: str, note: str) -> bool:
    if category not in CATEGORIES:
        raise ProtectError(f"field 'category': {category!r} is not one of "
                           f"{', '.join(sorted(CATEGORIES))}")
    found = uow.platform.find_account(platform, account)
    if found is None:
        raise ProtectError(f"field 'account': no account {account!r} on platform {platform!r}")
    now = clock.now()
    if not uow.platform.protect(found.platform, found.account_id, category, source, added_by,
                                now, note):
        return False
    s = cases.load(uow, SubjectRef.account(found.platform, found.account_id))
    s.record(EventKind.NOTE, added_by, now, Note(protected=category, source=source, note=note))
    cases.save(uow, s)  # refreshes the projection: an open case moves to senior review
    return True


def _check_sizes(row: dict[str, str]) -> None:
    for key, limit in MAX_CHARS.items():
        if problem := value_problem(row.get(key) or "", limit):
            raise ProtectError(f"field {key!r}: {problem}")


def import_csv(uow_factory: UowFactory, clock: Clock, text: str, added_by: str,
               source: str = "imported_list",
               progress: Callable[[int], None] | None = None,
               unreadable: Iterable[LineProblem] = ()) -> ImportReport:
    """Rows ``platform,account,category,note``; a bad row is reported with its line and field
    and skipped, good rows are kept, and importing the same list again adds nothing.
    ``unreadable``: lines the caller could not decode, reported with the rest."""
    header, rows = csv_records(text)
    missing = {"platform", "account", "category"} - set(header or ())
    if missing:
        raise ProtectError(f"the CSV header lacks {', '.join(sorted(missing))}")
    report = ImportReport(errors=[str(p) for p in unreadable])
    with uow_factory() as uow:
        for n, row in rows:
            if isinstance(row, LineProblem):
                report.errors.append(str(row))
                continue
            try:
                _check_sizes(row)
                added = _protect(uow, clock, (row.get("platform") or "").strip(),
                                 (row.get("account") or "").strip(),
                                 (row.get("category") or "").strip(), source, added_by,
                                 (row.get("note") or "").strip())
            except ProtectError as e:
                report.errors.append(f"line {n}: {e}")
                continue
            if added:
                report.added += 1
            else:
                report.already += 1
            if progress:
                progress(1)
        uow.commit()
    return report


def listing(uow_factory: UowFactory) -> list[dict]:
    with uow_factory() as uow:
        return uow.platform.protected_registry()
