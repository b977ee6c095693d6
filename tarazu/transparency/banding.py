"""Banding of small counts that could point at a person.

A data request "from agency X in country Y" counted as 1 tells the one person it concerns, and
anyone who knows them, that they are under investigation; an appeal count of 1 against one rule
in one month can do the same. The public report therefore shows such counts between 1 and 9 as
the band ``"1–9"`` (zero stays zero: that nothing happened identifies no one). Totals of whole
families stay exact so that the report still adds up at the level a reader checks."""

from __future__ import annotations

import copy
from collections.abc import Iterable
from typing import Any

BAND = "1–9"
BAND_BELOW = 10

#: Sections (dotted paths) whose every count is banded, and sections whose breakdowns are.
BANDED_SECTIONS: tuple[str, ...] = (
    "data_requests",
    "referrals.by_agency",
    "referrals.by_country",
    "referrals.government_orders_by_country",
    "public_reports.set_aside",
    "appeals",
    "series",
)
#: Fields left exact inside a banded section (family totals and medians).
EXACT_FIELDS = frozenset({"received", "filed", "decided", "median_days_to_decision",
                          "median_hours_to_legal_decision", "median_hours_to_disclosure"})


def band(n: int) -> int | str:
    return BAND if 0 < n < BAND_BELOW else n


def _band_tree(node: Any) -> Any:
    if isinstance(node, dict):
        return {k: node[k] if k in EXACT_FIELDS else _band_tree(node[k]) for k in node}
    if isinstance(node, list):
        return [_band_tree(x) for x in node]
    if isinstance(node, bool) or not isinstance(node, int):
        return node
    return band(node)


def _walk(doc: dict[str, Any], path: str) -> tuple[dict[str, Any], str] | None:
    *parents, leaf = path.split(".")
    node = doc
    for p in parents:
        node = node.get(p)
        if not isinstance(node, dict):
            return None
    return (node, leaf) if leaf in node else None


def band_report(doc: dict[str, Any],
                sections: Iterable[str] = BANDED_SECTIONS) -> dict[str, Any]:
    """A copy of ``doc`` with the counts of ``sections`` banded; the input is left as it is."""
    out = copy.deepcopy(doc)
    for path in sections:
        found = _walk(out, path)
        if found is not None:
            parent, leaf = found
            parent[leaf] = _band_tree(parent[leaf])
    out["banding"] = {"band": BAND, "below": BAND_BELOW, "sections": list(sections)}
    return out
