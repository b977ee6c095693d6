"""Use case: the transparency report of a period, computed from the event log alone.

Only the log is read (never a projection table), so anyone holding a verified copy of the log
can recompute every published figure; the report names the chain head it was computed from."""

from __future__ import annotations

from datetime import date
from typing import Any

from tarazu.designations.registry import DesignationRegistry
from tarazu.service.ports import StoreUnitOfWork
from tarazu.service.transaction import read_only
from tarazu.transparency import Period, band_report, compute


def transparency_report(uow: StoreUnitOfWork, period: Period, *, exact: bool = False
                        ) -> dict[str, Any]:
    """The figures of ``period``, banded for publication unless ``exact`` (for auditors)."""
    head_seq, head_hash = uow.events.head()
    doc = compute((r.event for r in uow.events.iter_all()), period,
                  {"chain_head_seq": head_seq, "chain_head_hash": head_hash})
    return doc if exact else band_report(doc)


#: The report as the page and the CLI ask for it, in a unit of work of its own.
read_report = read_only(transparency_report)


def designations_in_use(registry: DesignationRegistry) -> list[dict[str, Any]]:
    """The designations the checks rely on and the listings in force, for the public page
    (public facts only)."""
    return [{"name": d.name, "kind": d.kind,
             "listings": sorted({f"{x.authority.value}: {x.list_name}"
                                 for x in registry.effective_listings(d) if x.in_force})}
            for d in sorted(registry.in_force(), key=lambda d: d.name)]


def default_period(today: date) -> Period:
    """The calendar year to date: what an auditor's page shows when no period is chosen."""
    return Period(date(today.year, 1, 1), today)


#: How many ended quarters the public page offers to choose from.
PUBLIC_QUARTERS = 8


def published_quarters(today: date, n: int = PUBLIC_QUARTERS) -> list[Period]:
    """The public reporting periods: whole calendar quarters that have ended, newest first.

    Why only these: banding hides a count of 1 to 9 in one report, but two reports of
    overlapping periods (a quarter and the same quarter less a day) subtract to the count of
    the difference, exactly, and so can point at the one person a request or an appeal was
    about. Periods that never overlap and no longer grow leave nothing to subtract; a quarter
    in progress would grow day by day, and two days' reports would subtract the same way."""
    out = [Period.quarter_of(today.replace(day=1))]
    for _ in range(n):
        out.append(Period.quarter_of(date.fromordinal(out[-1].start.toordinal() - 1)))
    return out[1:]


def public_period(period: Period, today: date) -> Period:
    """``period`` when it is a published reporting period; otherwise ValueError naming the
    field (``from`` or ``to``) and what would be accepted."""
    quarter = Period.quarter_of(period.start)
    latest = published_quarters(today, 1)[0]
    hint = (f"public reports cover one whole calendar quarter that has ended, e.g. "
            f"from={latest.start.isoformat()}&to={latest.end.isoformat()} "
            f"(quarter={latest.quarter_name})")
    if period.start != quarter.start:
        raise ValueError(f"from: {period.start.isoformat()} is not the first day of a "
                         f"quarter; {hint}")
    if period.end != quarter.end:
        raise ValueError(f"to: {period.end.isoformat()} is not the last day of the quarter "
                         f"from {quarter.start.isoformat()} ({quarter.end.isoformat()}); {hint}")
    if quarter.end >= today:
        raise ValueError(f"to: the quarter {quarter.quarter_name} has not ended; {hint}")
    return period
