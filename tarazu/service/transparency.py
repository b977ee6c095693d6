"""Use case: the transparency report of a period, computed from the event log alone.

Only the log is read (never a projection table), so anyone holding a verified copy of the log
can recompute every published figure; the report names the chain head it was computed from."""

from __future__ import annotations

from datetime import date
from typing import Any

from tarazu.designations.registry import DesignationRegistry
from tarazu.service.ports import StoreUnitOfWork
from tarazu.transparency import Period, band_report, compute


def transparency_report(uow: StoreUnitOfWork, period: Period, *, exact: bool = False
                        ) -> dict[str, Any]:
    """The figures of ``period``, banded for publication unless ``exact`` (for auditors)."""
    head_seq, head_hash = uow.events.head()
    doc = compute((r.event for r in uow.events.iter_all()), period,
                  {"chain_head_seq": head_seq, "chain_head_hash": head_hash})
    return doc if exact else band_report(doc)


def designations_in_use(registry: DesignationRegistry) -> list[dict[str, Any]]:
    """The designations the checks rely on and the listings in force, for the public page
    (public facts only)."""
    return [{"name": d.name, "kind": d.kind,
             "listings": sorted({f"{x.authority.value}: {x.list_name}"
                                 for x in registry.effective_listings(d) if x.in_force})}
            for d in sorted(registry.in_force(), key=lambda d: d.name)]


def default_period(today: date) -> Period:
    """The calendar year to date: what the public page shows when no period is chosen."""
    return Period(date(today.year, 1, 1), today)
