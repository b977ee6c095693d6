"""A scored pair and its explanation: the waterfall a reviewer reads.

The total is exactly prior + the sum of the per-signal weights; the UI draws the bars from
these records without recomputing anything."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.linkage.levels import DERIVED_FAMILIES, TOPICAL_FAMILIES


@dataclass(frozen=True, slots=True)
class SignalWeight:
    """One bar of the waterfall. Slotted: some 35 per returned match, built on every score."""

    comparator: str
    family: str
    level: int
    label: str
    values: tuple[str, str]
    #: bits counted; 0 when missing. The level's log2(m/u) times its comparator's scale
    #: (``ComparatorSpec.scale``, below 1 where the comparator restates others)
    weight: float
    m: float | None = None
    u: float | None = None
    #: term-frequency adjusted (``linkage.tf``): ``u`` is then the share of removed accounts
    #: holding the matched value, and ``weight`` is log2(m / that share), scaled alike
    tf_adjusted: bool = False
    #: the share of log2(m/u) counted (``ComparatorSpec.scale``)
    scale: float = 1.0

    @property
    def missing(self) -> bool:
        return self.level < 0

    @property
    def bayes_factor(self) -> float:
        return 2.0**self.weight


@dataclass(frozen=True)
class MatchResult:
    active_id: str
    removed_id: str
    prior_weight: float
    signals: tuple[SignalWeight, ...]
    total: float
    probability: float
    active_protected: bool = False
    #: False when the caller asked for no explanation of this result (its probability is
    #: below any it acts on): ``signals`` is then empty and the total not broken down
    explained: bool = True
    #: False when a shard of the removed set did not answer (``linkage.shards``): a better
    #: candidate or a rival may be missing, so the result may go to review but never leads
    #: to an automated action (``policy.decide``)
    complete: bool = True

    def strong_signals(self, min_bits: float) -> tuple[SignalWeight, ...]:
        return tuple(s for s in self.signals if s.weight >= min_bits)

    def independent_strong_families(self, min_bits: float) -> frozenset[str]:
        return frozenset(s.family for s in self.strong_signals(min_bits))

    def has_identity_evidence(self, min_bits: float) -> bool:
        """Strong evidence beyond what the account *talks about* (name, picture, links,
        identifiers, timing); ranks, leads and what the new account does alone do not count."""
        return any(
            s.family not in TOPICAL_FAMILIES | DERIVED_FAMILIES
            for s in self.strong_signals(min_bits)
        )

    def explain(self) -> list[str]:
        """Plain sentences, one per signal that moved the score, strongest first."""
        lines = [
            f"Before any evidence, a candidate pair has prior weight {self.prior_weight:+.1f} "
            f"bits (odds {_odds(self.prior_weight)})."
        ]
        for s in sorted(self.signals, key=lambda s: -abs(s.weight)):
            if s.missing or abs(s.weight) < 0.05:
                continue
            what = f"{s.comparator.replace('_', ' ')}: {s.label}"
            shown = " / ".join(v for v in s.values if v)
            if shown:
                what += f" ({shown})"
            if s.tf_adjusted and s.u is not None:
                what += f", a value {s.u:.2%} of removed accounts hold"
            if s.scale < 1.0:
                what += f", {discount_note(s.scale)}"
            if s.weight >= 0:
                lines.append(
                    f"{what} — {s.bayes_factor:.3g}x more likely to be a match "
                    f"({s.weight:+.1f} bits)."
                )
            else:
                lines.append(
                    f"{what} — {1 / s.bayes_factor:.3g}x less likely to be a match "
                    f"({s.weight:+.1f} bits)."
                )
        lines.append(
            f"Total {self.total:+.1f} bits; calibrated probability {self.probability:.1%}."
        )
        return lines

    def waterfall(self) -> list[dict[str, object]]:
        """Rows for a chart: prior, each signal, and the running sum."""
        rows: list[dict[str, object]] = [
            {"signal": "prior", "weight": self.prior_weight, "cumulative": self.prior_weight}
        ]
        acc = self.prior_weight
        for s in self.signals:
            acc += s.weight
            rows.append(
                {"signal": s.comparator, "label": s.label, "weight": s.weight, "cumulative": acc,
                 "tf_adjusted": s.tf_adjusted}
            )
        return rows


def _odds(bits: float) -> str:
    r = 2.0**bits
    return f"1:{1 / r:.0f}" if r < 1 else f"{r:.0f}:1"


def discount_note(scale: float) -> str:
    """Why a signal's bar is shorter than its m/u says (``ComparatorSpec.scale``): the words
    the explanation and the waterfall both use."""
    return f"counted at {scale:.0%} of its weight as other signals restate it"
