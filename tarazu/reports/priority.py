"""Priority from public reports grows with the logarithm of the weighted reports, not with
their number: the tenth report on a case says less than the first, and a hundred reports are
not a hundred times as urgent.

The case fold adds each REPORT event's ``priority``; we record the increment that keeps the
sum at ``report_priority(total weight)``, so the fold stays a plain sum.

Public reports add nothing to the case of a protected account (a journalist, an NGO...): its
case opens in senior review and is ordered there by what the evidence shows, never by how many
people ask. Mass reporting is the tool used against exactly these accounts, so no number of
reports — however well reputed the reporters — lifts one above a government referral or moves
it toward action."""

from __future__ import annotations

import math

SCALE = 3.0


def report_priority(total_weight: float) -> int:
    return int(round(SCALE * math.log2(1.0 + max(0.0, total_weight))))


def increment(weight_before: float, weight: float, protected_target: bool = False) -> int:
    """The priority a report of ``weight`` adds to a case whose counted reports weigh
    ``weight_before`` (0 for a report that is set aside or held, and on a protected account).
    """
    if protected_target:
        return 0
    return report_priority(weight_before + weight) - report_priority(weight_before)
