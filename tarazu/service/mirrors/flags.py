"""From scores to events: MIRROR_FLAG events a reviewer reads, and the automated action the
linkage policy allows (never on a protected account)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import timedelta
from typing import Any

from tarazu.domain.case import DueProcessError
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef
from tarazu.domain.payloads import MirrorFlag, Note
from tarazu.domain.platform import Account, AccountStatus, Post
from tarazu.domain.policies import Action
from tarazu.linkage.model import LinkageModel
from tarazu.linkage.policy import AUTO_ACTION, NONE, LinkPolicy
from tarazu.linkage.policy import Decision as PolicyDecision
from tarazu.linkage.policy import decide as decide_policy
from tarazu.linkage.result import MatchResult
from tarazu.service import cases, decisions
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.mirrors.common import (
    ACTOR,
    AUTHORITY,
    DETECTOR,
    POLICY,
    POSTS_PER_ACCOUNT,
    MirrorConfig,
    subject_of,
)
from tarazu.service.mirrors.reference import (
    MirrorDetector,
)
from tarazu.service.mirrors.registry import (
    LoadedModel,
)
from tarazu.service.ports import StoreUnitOfWork


# -- policy (the linkage package's: review / senior review / auto-action) ----------------
def link_policy(model: LinkageModel, config: MirrorConfig) -> LinkPolicy:
    return replace(LinkPolicy.from_model(model), strong_bits=config.strong_bits,
                   min_independent_strong=config.min_strong)


def judge(result: MatchResult, model: LinkageModel, config: MirrorConfig, protected: bool
          ) -> PolicyDecision:
    """The policy's verdict; protection from the store's registry counts as much as the
    platform's verification."""
    if protected and not result.active_protected:
        result = replace(result, active_protected=True)
    return decide_policy(result, link_policy(model, config))



@dataclass
class ScoreOutcome:
    subject: SubjectRef
    top: tuple[str, float] | None = None
    flagged: list[str] = field(default_factory=list)  # removed accounts newly flagged
    unchanged: list[str] = field(default_factory=list)
    decision_id: str | None = None
    decision_status: str | None = None
    withheld: str | None = None  # why an auto-action-grade score was not acted on

    @property
    def wrote(self) -> bool:
        return bool(self.flagged)

    def to_dict(self) -> dict[str, Any]:
        return {"subject": str(self.subject), "top": list(self.top) if self.top else None,
                "flagged": self.flagged, "unchanged": self.unchanged,
                "decision_id": self.decision_id, "decision_status": self.decision_status,
                "withheld": self.withheld}


def flag_payload(result: MatchResult, loaded: LoadedModel, verdict: PolicyDecision,
                 rank: int) -> MirrorFlag:
    """What a reviewer and the waterfall need, and no more: signal names, levels and weights
    (the compared values stay in the platform store, not in the permanent log)."""
    strong = verdict.strong_families
    return MirrorFlag(
        removed_account=result.removed_id,
        probability=round(result.probability, 4),
        total=round(result.total, 3),
        prior_weight=round(result.prior_weight, 3),
        signals=[{"comparator": s.comparator, "family": s.family, "label": s.label,
                  "weight": round(s.weight, 3),
                  **({"scale": round(s.scale, 3)} if s.scale < 1.0 else {})}
                 for s in result.signals if not s.missing],
        missing=[s.comparator for s in result.signals if s.missing],
        model=loaded.model_id,
        thresholds={"review": loaded.model.thresholds.review,
                    "auto_action": loaded.model.thresholds.auto_action},
        strong_signals=len(strong),
        strong_families=sorted(strong),
        rank=rank,
        policy=verdict.action,
        policy_reasons=list(verdict.reasons),
        detector=DETECTOR,
    )


def _previous_flags(history: Sequence[ModerationEvent]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for e in history:
        if e.kind is EventKind.MIRROR_FLAG:
            out.setdefault(str(e.payload.get("removed_account")), []).append(e.payload)
    return out


def record_results(uow: StoreUnitOfWork, clock: Clock, detector: MirrorDetector,
                   subject: SubjectRef, results: Sequence[MatchResult],
                   protected: bool | None = None) -> ScoreOutcome:
    """Turn one account's ranked results into flags (and perhaps an automated decision).
    ``protected``: whether the account is, when the caller has just read it."""
    model, config = detector.model, detector.config
    out = ScoreOutcome(subject)
    if results:
        out.top = (results[0].removed_id, round(results[0].probability, 4))
    if protected is None:
        protected = cases.is_protected(uow, subject)
    judged = [(r, judge(r, model, config, protected)) for r in results]
    above = [(r, v) for r, v in judged if v.action != NONE][: config.max_flags]
    if not above:
        return out
    now = clock.now()
    s = cases.load(uow, subject)
    prev = _previous_flags(s.history)
    standing = s.state.applied_decision is not None or s.state.pending_decision is not None
    for rank, (r, verdict) in enumerate(above, start=1):
        payload = flag_payload(r, detector.loaded, verdict, rank)
        earlier = prev.get(r.removed_id, [])
        last = earlier[-1] if earlier else None
        same = last is not None and last.get("probability") == payload.probability \
            and last.get("model") == payload.model
        quiet = standing and last is not None and \
            payload.probability < float(last.get("probability", 0)) + config.reflag_margin
        if same or quiet:
            out.unchanged.append(r.removed_id)
            continue
        s.record(EventKind.MIRROR_FLAG, ACTOR, now, payload)
        out.flagged.append(r.removed_id)
    if not out.flagged:
        return out
    key = f"mirror_flag:{subject}:{len(s.history)}:{detector.loaded.model_id}"
    cases.save(uow, s, idempotency_key=key)
    log_access(uow, ACTOR, subject, ["identifiers"],
               f"mirror detection: compared with {', '.join(out.flagged)}", AUTHORITY, now)
    best, verdict = above[0]
    if best.removed_id in out.flagged:
        _maybe_auto_action(uow, clock, detector, s, best, verdict, protected, out)
    return out


def _maybe_auto_action(uow: StoreUnitOfWork, clock: Clock, detector: MirrorDetector,
                       s: cases.Subject, best: MatchResult, verdict: PolicyDecision,
                       protected: bool, out: ScoreOutcome) -> None:
    """Act automatically only when the policy says so; and even then ask the domain, which
    refuses an automatic action on a protected account (the flag stays in review)."""
    config = detector.config
    grade = best.probability >= detector.model.thresholds.auto_action
    if verdict.action != AUTO_ACTION and not (grade and protected):
        if grade:
            out.withheld = "; ".join(verdict.reasons)
        return
    if config.auto_action == "none":
        out.withheld = "automatic action is switched off"
        return
    if s.state.decisions:
        out.withheld = "the case already has a decision: a reviewer decides"
        return
    if _existed_before_removal(uow, s.ref, best.removed_id):
        out.withheld = ("the account existed before the removal: whether it is a sibling or "
                        "a continuation is for a reviewer to judge")
        return
    now = clock.now()
    action = Action.REMOVE if config.auto_action == "remove" else Action.SUSPEND
    until = (now + timedelta(days=config.suspend_days)).date().isoformat() \
        if action is Action.SUSPEND else None
    fams = ", ".join(sorted(verdict.strong_families))
    reason = (f"Automated mirror detection: probability {best.probability:.1%} that this "
              f"account continues the removed account {best.removed_id}, with strong "
              f"independent evidence ({fams}).")
    try:
        d = decisions.decide(uow, clock, subject=s.ref, actor=ACTOR, action=action,
                             policy=POLICY, reason=reason, evidence=[best.removed_id],
                             until=until)
    except DueProcessError as e:  # a protected account: stays with a (senior) reviewer
        out.withheld = str(e)
        note = cases.load(uow, s.ref)
        note.record(EventKind.NOTE, ACTOR, now, Note(
            detector=DETECTOR, auto_action="withheld", reason=str(e),
            removed_account=best.removed_id, probability=round(best.probability, 4)))
        cases.save(uow, note)
        return
    out.decision_id, out.decision_status = d.decision_id, d.status


def _existed_before_removal(uow: StoreUnitOfWork, active: SubjectRef, removed_key: str) -> bool:
    """Ban evasion continues an account after its removal; an account that already existed
    may belong to the same network but is not, on this evidence alone, its continuation."""
    removed = subject_of(removed_key)
    a = uow.platform.get_account(active.platform, active.native_id)
    r = uow.platform.get_account(removed.platform, removed.native_id)
    return bool(a and r and r.removed_at and a.created_at < r.removed_at)


def score_account(uow: StoreUnitOfWork, clock: Clock, detector: MirrorDetector, platform: str,
                  account_id: str, account: Account | None = None,
                  protected: bool | None = None, posts: Sequence[Post] | None = None
                  ) -> ScoreOutcome | None:
    """Score one stored account (new or changed) and record the outcome; None when it is not
    an active account tarazu knows. ``account`` (its stored record with identifiers),
    ``protected`` and ``posts`` (its first posts, as ``posts_of`` reads them): when the
    caller has just read them in this transaction (not read twice)."""
    a = account or uow.platform.get_account(platform, account_id, with_identifiers=True)
    if a is None or a.status != AccountStatus.ACTIVE:
        return None
    if posts is None:
        posts = uow.platform.posts_of(platform, account_id, POSTS_PER_ACCOUNT)
    # only a result the policy may act on needs its explanation (the flag carries it);
    # below the review threshold the policy acts on none, whatever the signals
    results = detector.score(a, posts, explain_from=link_policy(
        detector.model, detector.config).review_threshold)
    return record_results(uow, clock, detector, SubjectRef.account(platform, account_id),
                          results, protected)
