"""From a calibrated match to what may happen: nothing, human review, or automatic action.

Due process first: automatic action needs a very high probability *and* at least two strong
signals from independent families (a name and a device, not text and hashtags twice), and never
happens to a protected account (journalist, news organisation, NGO, official, politician,
researcher). A protected account whose only strong evidence is topical (what it writes about,
where, with which hashtags) is not flagged at all: covering a group is not being the group."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.linkage.levels import DERIVED_FAMILIES, TOPICAL_FAMILIES
from tarazu.linkage.result import MatchResult

NONE, REVIEW, SENIOR_REVIEW, AUTO_ACTION = "none", "review", "senior_review", "auto_action"


@dataclass(frozen=True)
class LinkPolicy:
    review_threshold: float = 0.5
    auto_threshold: float = 0.995
    strong_bits: float = 3.0  # a signal is strong at a Bayes factor of 8 or more
    min_independent_strong: int = 2

    @classmethod
    def from_model(cls, model: object) -> LinkPolicy:
        th = model.thresholds  # type: ignore[attr-defined]
        return cls(review_threshold=th.review, auto_threshold=th.auto_action)


@dataclass(frozen=True)
class Decision:
    action: str
    reasons: tuple[str, ...]
    strong_families: frozenset[str] = frozenset()


def strong_families(result: MatchResult, strong_bits: float) -> frozenset[str]:
    """Families holding a strong signal; ranks among candidates restate evidence and are left
    out."""
    return frozenset(
        s.family
        for s in result.signals
        if s.weight >= strong_bits and s.family not in DERIVED_FAMILIES
    )


def decide(result: MatchResult, policy: LinkPolicy) -> Decision:
    fams = strong_families(result, policy.strong_bits)
    identity = fams - TOPICAL_FAMILIES - {"timing"}
    if result.probability < policy.review_threshold:
        return Decision(
            NONE,
            (
                f"probability {result.probability:.2f} below the review "
                f"threshold {policy.review_threshold:.2f}",
            ),
            fams,
        )
    if result.active_protected:
        if not identity:
            return Decision(
                NONE,
                (
                    "protected account: only topical or timing evidence, which "
                    "covering a group also produces",
                ),
                fams,
            )
        return Decision(SENIOR_REVIEW, ("protected account: never actioned automatically",), fams)
    reasons = [f"probability {result.probability:.2f}"]
    if result.probability >= policy.auto_threshold:
        if not result.complete:
            reasons.append("a shard of the removed set did not answer: a human decides")
        elif len(fams) < policy.min_independent_strong:
            reasons.append(
                f"{len(fams)} independent strong signal(s), "
                f"{policy.min_independent_strong} needed for automatic action"
            )
        elif not identity:
            reasons.append("strong evidence is only topical or timing: a human decides")
        else:
            return Decision(AUTO_ACTION, (*reasons, f"strong signals from {sorted(fams)}"), fams)
    return Decision(REVIEW, tuple(reasons), fams)
