"""Labels and retraining: reviewers' verdicts on flagged accounts become labels, and a new
model version is fitted from them."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from tarazu.domain.case import AppealOutcome, DecisionStatus, fold
from tarazu.domain.events import (
    EventKind,
    ModerationEvent,
    ReversalCause,
    SubjectType,
    reversal_cause,
)
from tarazu.domain.policies import Action
from tarazu.linkage.calibration import reliability
from tarazu.linkage.training import fit_model
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.mirrors.common import (
    ACTOR,
    AUTHORITY,
    POLICY,
    REFERENCE_SUBJECT,
    subject_of,
)
from tarazu.service.mirrors.reference import (
    MirrorDetector,
    reference_accounts,
    with_posts,
)
from tarazu.service.mirrors.registry import (
    LoadedModel,
    activate_model,
    model_in_use,
    next_version,
)
from tarazu.service.ports import StoreUnitOfWork, UowFactory

#: Decisions that never took effect or were replaced: they label nothing.
_NOT_IN_EFFECT = frozenset({DecisionStatus.REJECTED, DecisionStatus.WITHDRAWN,
                            DecisionStatus.SUPERSEDED})

def _label_of(events: Sequence[ModerationEvent]) -> tuple[bool, str | None] | None:
    """A reviewer's verdict on a flagged account: (True, removed account it continues),
    (False, None) for "not a mirror", or None when no human has judged it. Automated
    decisions are the model's own output, not labels — unless an appeal upheld them."""
    flags = [e.payload for e in events if e.kind is EventKind.MIRROR_FLAG]
    if not flags:
        return None
    latest: dict[str, float] = {}
    for f in flags:
        latest[str(f["removed_account"])] = float(f["probability"])
    top = max(latest, key=lambda k: latest[k])
    payloads = {e.event_id: e.payload for e in events if e.kind is EventKind.DECISION}
    label: tuple[bool, str | None] | None = None
    state = fold(events[0].subject, events)
    upheld = {e.payload.get("decision_id") for e in events if e.kind is EventKind.APPEAL_DECISION
              and e.payload.get("outcome") == AppealOutcome.UPHELD}
    reliance = {e.payload.get("decision_id") for e in events if e.kind is EventKind.REVERSAL
                and reversal_cause(e.payload) is ReversalCause.RELIED_ON_REVERSED}
    for d in state.decisions:
        if d.decision_id in reliance or d.status in _NOT_IN_EFFECT:
            continue
        if d.status == DecisionStatus.REVERSED:
            label = (False, None)
            continue
        if d.action is Action.NO_ACTION and not d.automated:
            label = (False, None)
        elif d.policy == POLICY and (not d.automated or d.decision_id in upheld):
            p = payloads.get(d.decision_id, {})
            relied = p.get("relied_on")
            named = [relied] if isinstance(relied, str) else list(p.get("evidence") or [])
            target = next((x for x in named if x in latest), top)
            label = (True, target)
    return label


def mirror_labels(uow: StoreUnitOfWork) -> dict[str, str | None]:
    """``platform:id`` of each judged flagged account -> the removed account it continues, or
    None (reviewed: not a mirror)."""
    out: dict[str, str | None] = {}
    for ref in uow.events.subjects_with_kind(EventKind.MIRROR_FLAG.value, SubjectType.ACCOUNT):
        lab = _label_of(uow.events.for_subject(ref))
        if lab is not None:
            out[ref.id] = lab[1] if lab[0] else None
    return out


@dataclass(frozen=True)
class TrainReport:
    path: Path
    version: str
    labels: int
    mirrors: int
    pairs: int
    review_threshold: float
    fit_reliability: Any  # tarazu.linkage.calibration.Reliability, on the fitting labels
    dev_reliability: Any | None  # on held-out labels (None: too few labels to hold any out)
    dev_labels: int
    #: False: the labels could not show the precision goal at the confidence asked, so the
    #: base model's review threshold was kept
    threshold_supported: bool = True

    def to_dict(self) -> dict[str, Any]:
        def rel(r: Any) -> dict[str, Any] | None:
            if r is None:
                return None
            return {"ece": r.ece, "brier": r.brier,
                    "bins": [{"lo": b.lo, "hi": b.hi, "n": b.count,
                              "predicted": round(b.mean_predicted, 4),
                              "observed": round(b.observed_rate, 4)} for b in r.bins]}
        return {"path": str(self.path), "version": self.version, "labels": self.labels,
                "mirrors": self.mirrors, "pairs": self.pairs,
                "review_threshold": self.review_threshold,
                "threshold_supported": self.threshold_supported,
                "fit_reliability": rel(self.fit_reliability),
                "dev_reliability": rel(self.dev_reliability), "dev_labels": self.dev_labels}


class NotEnoughLabels(ValueError):
    """Too few reviewer labels to fit a model; the message says how many there are."""


def _is_dev(key: str) -> bool:
    return int(hashlib.sha256(key.encode()).hexdigest()[:8], 16) % 4 == 0  # a quarter


def train(uow_factory: UowFactory, clock: Clock, home: Path, base: LoadedModel | None = None,
          by: str = ACTOR, min_labels: int = 4, min_dev: int = 20, min_precision: float = 0.9,
          max_flag_rate: float = 0.05, confidence: float = 0.9) -> TrainReport:
    """Fit m/u, calibration and the review threshold from reviewers' decisions on flagged
    accounts and write the next model version to ``$TARAZU_HOME/models``. With at least
    ``min_dev`` labels a quarter (by hash of the account) is held out and the calibration is
    measured on it; otherwise only in-sample reliability is reported (and said so).

    The review threshold follows the rule of the shipped models: the lowest at which
    ``min_precision`` and ``max_flag_rate`` hold for the one-sided Wilson bound at
    ``confidence``. A few labels cannot show that (two confirmed mirrors out of two bound
    the precision only above 0.55), and a threshold placed on them would be noise: the base
    model's threshold is then kept, and the report says so.

    The new version is put in use with
    :func:`~tarazu.service.mirrors.registry.activate_model`, an act of ``by`` recorded in the
    chain."""
    base = base or model_in_use(uow_factory, home)
    with uow_factory() as uow:
        labels = mirror_labels(uow)
        reference = reference_accounts(uow)
        labels = {k: v for k, v in labels.items() if v is None or v in reference}
        if len(labels) < min_labels or not any(labels.values()):
            raise NotEnoughLabels(
                f"{len(labels)} reviewer label(s), {sum(1 for v in labels.values() if v)} "
                f"confirmed mirror(s); at least {min_labels} labels including a mirror needed")
        labelled_accounts = []
        for key in sorted(labels):
            ref = subject_of(key)
            a = uow.platform.get_account(ref.platform, ref.native_id, with_identifiers=True)
            if a is not None:
                labelled_accounts.append(a)
        labelled = with_posts(uow, labelled_accounts)
        refs = with_posts(uow, [a for k, a in reference.items() if k not in labels])
        log_access(uow, ACTOR, REFERENCE_SUBJECT, ["identifiers"],
                   f"mirror model training on {len(labels)} reviewer label(s)", AUTHORITY,
                   clock.now())
        uow.commit()
    det = MirrorDetector(base)
    det.add_batch(refs)
    profiles = det.profiles(labelled)
    dev_keys = {p.account_id for p in profiles if _is_dev(p.account_id)} \
        if len(profiles) >= min_dev else set()
    fit_on = [p for p in profiles if p.account_id not in dev_keys]
    truth = {p.account_id: labels[p.account_id] for p in fit_on}
    model, rep = fit_model(det.linker, fit_on, truth, all_actives=profiles,
                           min_precision=min_precision, max_flag_rate=max_flag_rate,
                           confidence=confidence,
                           fallback_threshold=base.model.thresholds.review,
                           meta={"fitted_on": "reviewer labels", "labels": len(truth),
                                 "trained_at": clock.now().isoformat()})
    dev_rel = None
    if dev_keys:
        check = MirrorDetector(LoadedModel(model, "candidate"))
        check.add_batch(refs)
        dev = [p for p in profiles if p.account_id in dev_keys]
        check.linker.record(profiles)
        probs, ys = [], []
        for p in dev:
            res = check.linker.score_profile(p, 1)
            probs.append(res[0].probability if res else 0.0)
            ys.append(int(bool(res) and res[0].removed_id == labels[p.account_id]))
        dev_rel = reliability(probs, ys)
    version = next_version(home)
    model = replace(model, meta={**dict(model.meta), "version": version,
                                 "dev_labels": len(dev_keys),
                                 "dev_ece": dev_rel.ece if dev_rel else None})
    path = activate_model(uow_factory, home, model, version, by=by, at=clock.now(),
                    labels=len(labels), mirrors=sum(1 for v in labels.values() if v),
                    dev_labels=len(dev_keys), fit_ece=rep.dev_reliability.ece,
                    dev_ece=dev_rel.ece if dev_rel else None).path
    assert path is not None
    return TrainReport(path, version, len(labels), sum(1 for v in labels.values() if v),
                       rep.pairs, rep.review_threshold, rep.dev_reliability, dev_rel,
                       len(dev_keys), rep.threshold_supported)
