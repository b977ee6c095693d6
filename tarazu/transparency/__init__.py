"""Transparency reporting: every published figure is a fold of the moderation event log.

``figures`` folds the log for a reporting period into one document of families (referrals and
orders, notices, actions, mirror detection, hash matches, public reports, appeals, lawful data
requests, times); ``banding`` hides counts small enough to point at a person; ``layouts`` lays
the same figures out as the EU harmonised templates (Implementing Regulation 2024/2835, Annex I)
and the Santa Clara Principles 2.0, each cell traced to the event kinds that feed it.

Pure core: it reads events and knows no database, so a report can be rebuilt by anyone who
holds a copy of the log."""

from tarazu.transparency.banding import band_report
from tarazu.transparency.figures import Period, compute
from tarazu.transparency.layouts import (
    LONG_HEADER,
    SHEETS,
    Sheet,
    annex_sheets,
    long_rows,
    mapping_rows,
    santa_clara_rows,
    to_csv,
)

__all__ = ["LONG_HEADER", "SHEETS", "Period", "Sheet", "annex_sheets", "band_report", "compute",
           "long_rows", "mapping_rows", "santa_clara_rows", "to_csv"]
