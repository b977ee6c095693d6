"""The related class: "another account of the same operator", beside match and non-match.

An operator who runs several accounts leaves traces that every one of them carries — a
persona's name, a way of writing, the group's channel, a network — and traces that only one
does: its own follow list, the time since *its* removal. When an operator comes back, every
removed account of theirs shares the first kind with the new one. A two-class model counts
that evidence for each of them in full, so the candidate whose old posts happen to show one
more shared phrase or a measurable style outranks the account that actually came back
(docs/linking-findings.md, "The scenario family: careful mirrors below a sibling").

So the pairs have three sources: the removed account the new one continues (match), another
account related to it (the same operator's, or its group's), and the rest (u). The match
posterior of a pair is then

    P(match | x) ∝ 2^t  /  (1 + 2^r)

where ``t`` is the usual total (prior + Σ log2(m/u)) and ``r`` the related class's
(related prior + Σ log2(m_related/u)). Evidence that a related account would show as well
raises ``r`` with ``t`` and cancels in the ratio; what tells the account from its siblings
is left. Far from any related account (``r`` ≪ 0) the posterior is the two-class one.

The linker uses it as a check on its probabilities, not as its ranking (the *operator
check*): candidates are ranked by the two-class total, and a candidate's probability is the
lower of its two-class and its three-class exclusive posterior. A flag then needs both views
to agree that this account, not only its operator, came back. Ranking by the three-class
total ranked more mirrors first on generated draws where operators run several accounts,
but no better on the real benchmarks, and flagged less precisely there; the check keeps the
two-class ranking and raises the precision at the flag on both (docs/linking-findings.md,
"The related class and the operator check").

Fitted without labels by ``linkage.related_fit``, when asked for
(``SelfFitSettings.related_class``, ``tarazu mirrors fit|link --related-class``), with the
check's own calibration scale (``LinkageModel.related_scale``). A labelled fit drops it
(``training.fit_labelled``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tarazu.linkage.model import LinkageModel, weight_matrix, weights_of


@dataclass(frozen=True)
class RelatedWeights:
    """A model's related class as a total reads it, for level matrices whose columns are
    comparators in a given order: its prior and the counted level weights
    log2(m_related/u) (``model.weight_matrix``)."""

    prior_weight: float
    matrix: np.ndarray

    @classmethod
    def of(cls, model: LinkageModel, names: Sequence[str]) -> RelatedWeights | None:
        """The model's related class for columns ``names``; None when it has none."""
        w = model.related_prior_weight
        return None if w is None else cls(w, weight_matrix(model.related_table(), names))

    def evidence(self, levels: np.ndarray) -> np.ndarray:
        """``r`` of each pair (rows of ``levels``, -1 missing): the related class's log
        odds in bits."""
        return self.prior_weight + weights_of(self.matrix, levels)

    def bits(self, levels: np.ndarray) -> np.ndarray:
        """What each pair's total loses to the related class: ``-log2(1 + 2^r)``."""
        return -np.logaddexp2(0.0, self.evidence(levels))
