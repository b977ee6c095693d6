"""The related class: "another account of the same operator", beside match and non-match.

An operator who runs several accounts leaves traces that every one of them carries — a
persona's name, a way of writing, the group's channel, a network — and traces that only one
does: its own follow list, the time since *its* removal. When an operator comes back, every
removed account of theirs shares the first kind with the new one. A two-class model counts
that evidence for each of them in full, so the candidate whose old posts happen to show one
more shared phrase or a measurable style outranks the account that actually came back
(BENCHMARKS.md, "Mirror linking quality").

So the pairs have three sources: the removed account the new one continues (match), another
account related to it (the same operator's, or its group's), and the rest (u). The match
posterior of a pair is then

    P(match | x) ∝ 2^t  /  (1 + 2^r)

where ``t`` is the usual total (prior + Σ log2(m/u)) and ``r`` the related class's
(related prior + Σ log2(m_related/u)). Evidence that a related account would show as well
raises ``r`` with ``t`` and cancels in the ratio; what tells the account from its siblings
is left. Far from any related account (``r`` ≪ 0) the total is the two-class one. The linker
adds ``-log2(1 + 2^r)`` to the total as one more signal of the explanation, so a total stays
exactly the prior plus its signals.

Fitted without labels by ``linkage.related_fit``, when asked for
(``SelfFitSettings.related_class``, ``tarazu mirrors fit|link --related-class``): on generated
draws where operators run several accounts it ranks more mirrors first, but on the real
benchmarks it ranked no better and flagged less precisely, so it is off by default
(BENCHMARKS.md, "The related class"). A labelled fit drops it (``training.fit_labelled``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from tarazu.linkage.model import LinkageModel, weight_matrix, weights_of
from tarazu.linkage.result import SignalWeight


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


#: the related class's bar in an explanation (``MatchResult.signals``)
RELATED_SIGNAL = "related_account"
RELATED_LABEL = "another account of the same operator would show much of this evidence too"


def related_signal(bits: float) -> SignalWeight:
    """The bar of the waterfall for what the related class takes from a pair: the reviewer
    sees how much of the evidence the operator's other accounts would share too."""
    return SignalWeight(RELATED_SIGNAL, "relative", 0, RELATED_LABEL, ("", ""), bits)
