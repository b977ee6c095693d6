"""Mirror-account detection as a use case: keep the reference set of removed accounts in memory,
score new or changed active accounts against it, and turn a score into events.

The reference set is every account the platform removed, minus those withdrawn from it (an
appeal found the removal wrong: ``mirror_reference_withdrawn`` rows, or a NOTE
``{"reference": "withdrawn"}`` on the account). It is built once per process from the store and
then changed one account at a time (:meth:`MirrorDetector.add_removed`, :meth:`withdraw`,
:meth:`refresh`), never rebuilt on every event.

What a score becomes (:func:`record_results`):

- probability ≥ the model's review threshold: a MIRROR_FLAG event on the account, carrying the
  removed account, the probability, every signal's weight (the waterfall the reviewer reads) and
  the model; the case fold opens (or updates) the case in the ``mirrors`` queue.
- the linkage policy (:mod:`tarazu.linkage.policy`) says auto-action — probability at the
  auto-action threshold, two strong signals from independent families, identity evidence
  among them, not a protected account: an automated decision by ``system:mirrors`` under
  EVA-1. It is a *suspension* by default: removal needs a second reviewer (two-person rule),
  so a configured automatic removal only proposes the decision and waits. The decision is
  marked automated in its statement of reasons (DSA ``automated_decision``) and can be
  appealed like any other.
- a protected account is never actioned automatically: the domain refuses, the refusal is
  recorded as a NOTE and the flag stays in (senior) review.

Re-scoring with the same result writes nothing; while a decision stands on the case, only a
new candidate or a clearly higher probability is recorded again."""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tarazu.domain.case import DueProcessError, fold
from tarazu.domain.events import (
    EventKind,
    ModerationEvent,
    ReversalCause,
    SubjectRef,
    SubjectType,
    reversal_cause,
)
from tarazu.domain.platform import Account, Post, message_id
from tarazu.domain.policies import Action
from tarazu.linkage import load_model
from tarazu.linkage.calibration import reliability
from tarazu.linkage.linker import LinkerConfig, MirrorLinker
from tarazu.linkage.model import LinkageModel, expert_model
from tarazu.linkage.policy import AUTO_ACTION, NONE, LinkPolicy
from tarazu.linkage.policy import Decision as PolicyDecision
from tarazu.linkage.policy import decide as decide_policy
from tarazu.linkage.profile import AccountProfile, build_profiles
from tarazu.linkage.result import MatchResult
from tarazu.linkage.training import fit_model
from tarazu.service import cases, decisions
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.memory import settle_after_bulk_build
from tarazu.service.mirror_reference import withdrawn_references
from tarazu.service.platform_events import handle_platform_event
from tarazu.service.ports import StoreUnitOfWork, UowFactory

ACTOR = "system:mirrors"
POLICY = "EVA-1"
DETECTOR = "mirrors"
MODEL_FILE = re.compile(r"^mirrors-v(\d+)\.json$")
POSTS_PER_ACCOUNT = 200
#: Identifiers (hashed by the platform) are personal data; every read is logged under this.
AUTHORITY = "platform terms of service: ban evasion (EVA-1)"
REFERENCE_SUBJECT = SubjectRef(SubjectType.SYSTEM, "mirrors:reference")
#: Where a batch scan's read of every active account's identifiers is logged.
SCAN_SUBJECT = SubjectRef(SubjectType.SYSTEM, "mirrors:scan")


@dataclass(frozen=True)
class MirrorConfig:
    """How scores become events. ``auto_action``: ``suspend`` (default), ``remove`` (proposed
    only: the two-person rule makes it wait for a second reviewer) or ``none``."""

    top_k: int = 5
    max_flags: int = 3  # candidates at or above the review threshold recorded per account
    auto_action: str = "suspend"
    suspend_days: int = 30
    strong_bits: float = 3.0  # a signal is strong at a Bayes factor of 8 or more
    min_strong: int = 2
    reflag_margin: float = 0.05  # while a decision stands: record again only if p rises so much


# -- the model ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class LoadedModel:
    model: LinkageModel
    version: str
    path: Path | None = None

    @property
    def model_id(self) -> str:
        return f"{self.model.name}/{self.version}"


def models_dir(home: Path) -> Path:
    return home / "models"


def trained_models(home: Path) -> list[tuple[int, Path]]:
    d = models_dir(home)
    if not d.is_dir():
        return []
    found = [(int(m.group(1)), p) for p in d.iterdir() if (m := MODEL_FILE.match(p.name))]
    return sorted(found)


def newest_model(home: Path | None) -> LoadedModel:
    """The newest model trained here from reviewer labels
    (``$TARAZU_HOME/models/mirrors-vNNNN.json``), else the packaged ``default`` model, else
    the expert model."""
    if home is not None and (found := trained_models(home)):
        n, path = found[-1]
        return LoadedModel(LinkageModel.load(path), f"v{n:04d}", path)
    try:
        return LoadedModel(load_model("default"), "default")
    except (FileNotFoundError, ValueError):
        return LoadedModel(expert_model(), "expert")


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


# -- the reference set in memory -----------------------------------------------------------------
def account_key(platform: str, account_id: str) -> str:
    return f"{platform}:{account_id}"


def _keyed(a: Account) -> Account:
    """Linker ids are ``platform:account_id`` so that one index serves every platform."""
    return replace(a, account_id=account_key(a.platform, a.account_id))


@dataclass
class RefreshReport:
    added: int = 0
    withdrawn: int = 0


class MirrorDetector:
    """One per process: the linker over the reference set, and the model it scores with."""

    def __init__(self, loaded: LoadedModel, config: MirrorConfig | None = None,
                 linker_config: LinkerConfig | None = None) -> None:
        self.loaded = loaded
        self.config = config or MirrorConfig()
        self.linker = MirrorLinker(loaded.model, linker_config or LinkerConfig(
            top_k=self.config.top_k))
        self._lock = threading.RLock()
        self._hashes: dict[str, str] = {}  # key -> record fingerprint (to spot changes)

    @property
    def model(self) -> LinkageModel:
        return self.loaded.model

    @property
    def size(self) -> int:
        return len(self.linker.removed)

    def __contains__(self, key: str) -> bool:
        return key in self.linker.removed

    # -- changes -----------------------------------------------------------------------------
    def add_removed(self, account: Account, posts: Sequence[Post] = ()) -> None:
        with self._lock:
            self.linker.add_removed(_keyed(account), posts)
            self._hashes[account_key(account.platform, account.account_id)] = _fp(account, posts)

    def add_profiles(self, profiles: Iterable[AccountProfile]) -> None:
        with self._lock:
            for p in profiles:
                self.linker.add_removed_profile(p)

    def withdraw(self, key: str) -> bool:
        with self._lock:
            present = key in self.linker.removed
            self.linker.withdraw(key)
            self._hashes.pop(key, None)
            return present

    def refresh(self, uow: StoreUnitOfWork, progress: Callable[[int, int], None] | None = None,
                clock: Clock | None = None) -> RefreshReport:
        """Bring the set in line with the store: add removed accounts not yet held (or whose
        record changed), drop those reinstated or withdrawn. The first call builds it."""
        wanted = reference_accounts(uow)
        with self._lock:
            report = RefreshReport(withdrawn=self._drop_all_but(wanted.keys()))
            todo = [a for k, a in wanted.items() if k not in self._hashes
                    or self._hashes[k] != _fp(a, None)]
            report.added = self._add_from_store(uow, todo, progress, clock)
        if report.added >= 1000:  # a bulk build
            settle_after_bulk_build()
        return report

    def sync(self, uow: StoreUnitOfWork, clock: Clock | None = None) -> RefreshReport:
        """The cheap, frequent form of :meth:`refresh` for a long-running worker: compare the
        keys of the removed accounts (one two-column query, nothing decrypted) with the keys
        held, and read in full only the accounts that are new to the set. Removals decided
        by another process (a reviewer in the web UI, an HTTP event, an import) thus reach
        the worker within one sync, not at its next restart. Changed records of accounts
        already held wait for :meth:`refresh`."""
        wanted = {account_key(p, a) for p, a in uow.platform.removed_keys()} - withdrawn_keys(uow)
        with self._lock:
            report = RefreshReport(withdrawn=self._drop_all_but(wanted))
            todo = []
            for key in sorted(wanted - self.linker.removed.keys()):
                ref = subject_of(key)
                acc = uow.platform.get_account(ref.platform, ref.native_id,
                                               with_identifiers=True)
                if acc is not None:
                    todo.append(acc)
            report.added = self._add_from_store(uow, todo, None, clock)
        return report

    def _drop_all_but(self, wanted: Iterable[str]) -> int:
        keep = set(wanted)
        return sum(self.withdraw(k) for k in [k for k in self.linker.removed if k not in keep])

    def _add_from_store(self, uow: StoreUnitOfWork, todo: Sequence[Account],
                        progress: Callable[[int, int], None] | None,
                        clock: Clock | None) -> int:
        """Index ``todo`` with their posts, in batches; log the read of their identifiers."""
        batch: list[tuple[Account, list[Post]]] = []
        for n, a in enumerate(todo, start=1):
            batch.append((a, uow.platform.posts_of(a.platform, a.account_id, POSTS_PER_ACCOUNT)))
            if len(batch) >= 500 or n == len(todo):
                self._add_batch(batch)
                batch = []
                if progress:
                    progress(n, len(todo))
        if todo:
            log_access(uow, ACTOR, REFERENCE_SUBJECT, ["identifiers"],
                       f"mirror detection: {len(todo)} removed account(s) indexed as the "
                       "reference set", AUTHORITY, clock.now() if clock else None)
        return len(todo)

    def profiles(self, items: Sequence[tuple[Account, Sequence[Post]]]
                 ) -> list[AccountProfile]:
        """Profiles of accounts with their posts, read with the platform profile of the
        linker's model (one place, so every path reads the same markup)."""
        keyed = [_keyed(a) for a, _ in items]
        return build_profiles(keyed, {k.account_id: ps for k, (_, ps) in
                                      zip(keyed, items, strict=True)}, self.linker.platform)

    def _add_batch(self, batch: Sequence[tuple[Account, Sequence[Post]]]) -> None:
        profiles = self.profiles(batch)
        for (a, ps), p in zip(batch, profiles, strict=True):
            self.linker.add_removed_profile(p)
            self._hashes[p.account_id] = _fp(a, ps)

    def warm_up(self) -> None:
        """Compare two invented accounts on a throw-away linker: the first comparison loads
        the name analyser (seconds), which should not delay the first real event."""
        t = datetime(2020, 1, 1, tzinfo=UTC)
        lk = MirrorLinker(self.model, self.linker.config)
        lk.add_removed(Account("w1", "@warm_up_a", t, "removed", display_name="Warm Up",
                               removed_at=t))
        lk.score(Account("w2", "@warm_up_b", t, "active", display_name="Warm Upp"))

    # -- scoring -----------------------------------------------------------------------------
    def score(self, account: Account, posts: Sequence[Post] = ()) -> list[MatchResult]:
        with self._lock:
            return self.linker.score(_keyed(account), posts, top_k=self.config.top_k)

    def record_successors(self, items: Sequence[tuple[Account, Sequence[Post]]]) -> None:
        """The linker's first pass without a score: these active accounts count as possible
        successors of the removed accounts they resemble (see :func:`recall_successors`)."""
        profiles = self.profiles(items)
        with self._lock:
            self.linker.record(profiles)

    def score_many(self, items: Sequence[tuple[Account, Sequence[Post]]],
                   progress: Callable[[int, int], None] | None = None
                   ) -> dict[str, list[MatchResult]]:
        """Batch: record every account's first pass (who may continue whom), then rank, as
        the linker's batch mode does, so reciprocal ranks see the whole batch."""
        profiles = self.profiles(items)
        with self._lock:
            return self.linker.score_batch(profiles, self.config.top_k, progress)


def _fp(a: Account, posts: Sequence[Post] | None) -> str:
    """What makes a reference account stale: its record (posts are re-read on change)."""
    return f"{a.handle}|{a.display_name}|{a.bio}|{a.links}|{a.avatar_pdq}|{a.removed_at}"


def withdrawn_keys(uow: StoreUnitOfWork) -> set[str]:
    """Accounts withdrawn from the reference set (the appeals service records a NOTE
    ``{"reference": "withdrawn"}`` and a row; the row is the fast read)."""
    return set(withdrawn_references(uow))


def reference_accounts(uow: StoreUnitOfWork) -> dict[str, Account]:
    """The reference set as the store has it: removed accounts, minus withdrawn ones."""
    withdrawn = withdrawn_keys(uow)
    out = {}
    for a in uow.platform.iter_accounts(status="removed", with_identifiers=True):
        key = account_key(a.platform, a.account_id)
        if key not in withdrawn:
            out[key] = a
    return out


# -- from results to events ----------------------------------------------------------------------
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
                 rank: int) -> dict[str, Any]:
    """What a reviewer and the waterfall need, and no more: signal names, levels and weights
    (the compared values stay in the platform store, not in the permanent log)."""
    strong = verdict.strong_families
    return {
        "removed_account": result.removed_id,
        "probability": round(result.probability, 4),
        "total": round(result.total, 3),
        "prior_weight": round(result.prior_weight, 3),
        "signals": [{"comparator": s.comparator, "family": s.family, "label": s.label,
                     "weight": round(s.weight, 3)} for s in result.signals if not s.missing],
        "missing": [s.comparator for s in result.signals if s.missing],
        "model": loaded.model_id,
        "thresholds": {"review": loaded.model.thresholds.review,
                       "auto_action": loaded.model.thresholds.auto_action},
        "strong_signals": len(strong),
        "strong_families": sorted(strong),
        "rank": rank,
        "policy": verdict.action,
        "policy_reasons": list(verdict.reasons),
        "detector": DETECTOR,
    }


def _previous_flags(history: Sequence[ModerationEvent]) -> dict[str, list[Mapping[str, Any]]]:
    out: dict[str, list[Mapping[str, Any]]] = {}
    for e in history:
        if e.kind is EventKind.MIRROR_FLAG:
            out.setdefault(str(e.payload.get("removed_account")), []).append(e.payload)
    return out


def record_results(uow: StoreUnitOfWork, clock: Clock, detector: MirrorDetector,
                   subject: SubjectRef, results: Sequence[MatchResult]) -> ScoreOutcome:
    """Turn one account's ranked results into flags (and perhaps an automated decision)."""
    model, config = detector.model, detector.config
    out = ScoreOutcome(subject)
    if results:
        out.top = (results[0].removed_id, round(results[0].probability, 4))
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
        same = last is not None and last.get("probability") == payload["probability"] \
            and last.get("model") == payload["model"]
        quiet = standing and last is not None and \
            payload["probability"] < float(last.get("probability", 0)) + config.reflag_margin
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
        note.record(EventKind.NOTE, ACTOR, now, {
            "detector": DETECTOR, "auto_action": "withheld", "reason": str(e),
            "removed_account": best.removed_id, "probability": round(best.probability, 4)})
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
                  account_id: str) -> ScoreOutcome | None:
    """Score one stored account (new or changed) and record the outcome; None when it is not
    an active account tarazu knows."""
    a = uow.platform.get_account(platform, account_id, with_identifiers=True)
    if a is None or a.status != "active":
        return None
    posts = uow.platform.posts_of(platform, account_id, POSTS_PER_ACCOUNT)
    results = detector.score(a, posts)
    return record_results(uow, clock, detector, SubjectRef.account(platform, account_id),
                          results)


def subject_of(key: str) -> SubjectRef:
    platform, _, native = key.partition(":")
    return SubjectRef.account(platform, native)


def active_accounts(uow: StoreUnitOfWork) -> list[Account]:
    return list(uow.platform.iter_accounts(status="active", with_identifiers=True))


def load_items(uow: StoreUnitOfWork, accounts: Sequence[Account]
               ) -> list[tuple[Account, list[Post]]]:
    return [(a, uow.platform.posts_of(a.platform, a.account_id, POSTS_PER_ACCOUNT))
            for a in accounts]



# -- the stream -----------------------------------------------------------------------------------
def as_platform_event(record: Mapping[str, Any]) -> dict[str, Any]:
    """A platform event envelope (as the platform API takes it) for a bare interchange record,
    so a stream may carry either."""
    if "record" in record:
        return dict(record)
    kind = record.get("type")
    if kind == "account":
        etype = "account.removed" if record.get("status") == "removed" else "account.updated"
    elif kind == "post":
        etype = "post.created"
    else:
        etype = str(kind)
    return {"type": etype, "event_id": message_id(dict(record)), "record": dict(record)}


@dataclass(frozen=True)
class StreamOutcome:
    event_id: str
    type: str
    change: str
    scored: ScoreOutcome | None = None
    reference: str | None = None  # "added" | "withdrawn" | "updated" when the set changed


def handle_stream_record(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector,
                         record: Mapping[str, Any]) -> StreamOutcome:
    """Store what the platform sent (which marks the account for scoring in the same
    transaction), then look at the marked account — keep the reference set current, or score
    it — in a second one that clears the mark; the caller acknowledges after both. A crash
    between the two leaves the mark: the redelivered event finds the record unchanged but
    the mark still there, and scores it. A crash after both: the mark is gone, nothing is
    done twice."""
    res = handle_platform_event(uow_factory, clock, as_platform_event(record))
    if res.type == "post.created":
        with uow_factory() as uow:
            post = uow.platform.get_post(res.platform, res.record_id)
        account_id = post.account_id if post else None
    else:
        account_id = res.record_id
    done = look_at_marked(uow_factory, clock, detector, res.platform, account_id) \
        if account_id is not None else None
    if done is None:
        return StreamOutcome(res.event_id, res.type, res.change)
    return StreamOutcome(res.event_id, res.type, res.change, *done)


def look_at_marked(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector,
                   platform: str, account_id: str
                   ) -> tuple[ScoreOutcome | None, str | None] | None:
    """One unit of work for one account marked in the scoring queue: a removed account joins
    (or updates) the reference set, an active one leaves it if it was there and is scored and
    its flags recorded; the mark is cleared in the same commit. None when there was no mark
    (already looked at: a redelivered event does nothing twice)."""
    key = account_key(platform, account_id)
    scored: ScoreOutcome | None = None
    reference: str | None = None
    with uow_factory() as uow:
        mark = uow.platform.scoring_mark(platform, account_id)
        if mark is None:
            return None
        a = uow.platform.get_account(platform, account_id, with_identifiers=True)
        if a is None:  # posts ahead of their author: the account's arrival marks it again
            pass
        elif a.status == "removed":
            if key not in withdrawn_keys(uow):
                reference = "updated" if key in detector else "added"
                detector.add_removed(a, uow.platform.posts_of(platform, account_id,
                                                              POSTS_PER_ACCOUNT))
                log_access(uow, ACTOR, SubjectRef.account(platform, account_id),
                           ["identifiers"], "mirror detection: indexed as a removed account",
                           AUTHORITY, clock.now())
        else:
            reference = "withdrawn" if detector.withdraw(key) else None  # reinstated
            scored = score_account(uow, clock, detector, platform, account_id)
        uow.platform.clear_scoring_mark(platform, account_id, mark)
        uow.commit()
    return scored, reference


def drain_scoring_queue(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector,
                        limit: int = 100) -> list[tuple[ScoreOutcome | None, str | None]]:
    """Look at up to ``limit`` marked accounts, oldest first: those stored by a bulk import
    or the HTTP events endpoint, and any whose event was lost. Each is its own unit of
    work."""
    with uow_factory() as uow:
        marks = uow.platform.queued_for_scoring(limit)
    out = []
    for platform, account_id, _ in marks:
        done = look_at_marked(uow_factory, clock, detector, platform, account_id)
        if done is not None:
            out.append(done)
    return out


def scoring_backlog(uow_factory: UowFactory) -> int:
    with uow_factory() as uow:
        return uow.platform.scoring_backlog()


def recall_successors(uow_factory: UowFactory, detector: MirrorDetector,
                      progress: Callable[[int, int], None] | None = None,
                      batch: int = 500) -> int:
    """Run the linker's first pass over every active account in the store, so the
    second-pass signals (reciprocal rank, lead over other new accounts) of the next score
    see every account stored before it — not only those this process happened to score
    since it started. Without it the same account scores differently after a restart."""
    with uow_factory() as uow:
        accounts = active_accounts(uow)
    for i in range(0, len(accounts), batch):
        with uow_factory() as uow:
            items = load_items(uow, accounts[i : i + batch])
        detector.record_successors(items)
        if progress:
            progress(min(i + batch, len(accounts)), len(accounts))
    return len(accounts)


# -- the batch scan -------------------------------------------------------------------------------
#: Scores a batch of (account, posts) with ``platform:id`` account ids; the default is
#: :meth:`MirrorDetector.score_many`, the Spark adapter offers another.
Scorer = Callable[[Sequence[tuple[Account, Sequence[Post]]]], Mapping[str, Sequence[MatchResult]]]


@dataclass
class ScanReport:
    engine: str = "local"
    scanned: int = 0
    flagged_accounts: int = 0
    flags: int = 0
    decisions: int = 0
    withheld: int = 0
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def record_all(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector,
               results: Mapping[str, Sequence[MatchResult]], report: ScanReport) -> None:
    """Record scores computed elsewhere (this process or a Spark job), one transaction."""
    with uow_factory() as uow:
        for key in sorted(results):
            out = record_results(uow, clock, detector, subject_of(key), results[key])
            report.flagged_accounts += bool(out.flagged)
            report.flags += len(out.flagged)
            report.decisions += out.decision_id is not None
            report.withheld += out.withheld is not None
        uow.commit()


def scan(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector, *,
         scorer: Scorer | None = None, engine: str = "local", batch: int = 1000,
         progress: Callable[[int, int], None] | None = None) -> ScanReport:
    """Re-score every active account against the current reference set (after a removal
    wave, or with a new model) and record what changed; unchanged results write nothing."""
    t0 = time.perf_counter()
    report = ScanReport(engine=engine)
    with uow_factory() as uow:
        accounts = active_accounts(uow)
        if accounts:  # every identifier decrypted is a read, flagged or not: one aggregate
            first, last = accounts[0], accounts[-1]
            log_access(uow, ACTOR, SCAN_SUBJECT, ["identifiers"],
                       f"mirror detection: batch scan compared {len(accounts)} active "
                       f"account(s), {first.platform}:{first.account_id} to "
                       f"{last.platform}:{last.account_id} in key order, with the reference "
                       "set", AUTHORITY, clock.now())
            uow.commit()
    score = scorer or (lambda items: detector.score_many(items))
    for i in range(0, len(accounts), batch):
        chunk = accounts[i : i + batch]
        read_at = datetime.now(UTC).isoformat(timespec="microseconds")
        with uow_factory() as uow:
            items = load_items(uow, chunk)
        results = score(items)
        record_all(uow_factory, clock, detector, results, report)
        with uow_factory() as uow:  # the stream worker need not score these again
            uow.platform.clear_scoring_marks([(a.platform, a.account_id) for a in chunk],
                                             read_at)
            uow.commit()
        report.scanned += len(chunk)
        if progress:
            progress(report.scanned, len(accounts))
    report.seconds = time.perf_counter() - t0
    return report


# -- labels and retraining ------------------------------------------------------------------------
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
    upheld = {e.payload.get("decision_id") for e in events
              if e.kind is EventKind.APPEAL_DECISION and e.payload.get("outcome") == "upheld"}
    reliance = {e.payload.get("decision_id") for e in events if e.kind is EventKind.REVERSAL
                and reversal_cause(e.payload) is ReversalCause.RELIED_ON_REVERSED}
    for d in state.decisions:
        if d.decision_id in reliance or d.status in ("rejected", "withdrawn", "superseded"):
            continue
        if d.status == "reversed":
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
          min_labels: int = 4, min_dev: int = 20, min_precision: float = 0.9,
          max_flag_rate: float = 0.05, confidence: float = 0.9) -> TrainReport:
    """Fit m/u, calibration and the review threshold from reviewers' decisions on flagged
    accounts and write the next model version to ``$TARAZU_HOME/models``. With at least
    ``min_dev`` labels a quarter (by hash of the account) is held out and the calibration is
    measured on it; otherwise only in-sample reliability is reported (and said so).

    The review threshold follows the rule of the shipped models: the lowest at which
    ``min_precision`` and ``max_flag_rate`` hold for the one-sided Wilson bound at
    ``confidence``. A few labels cannot show that (two confirmed mirrors out of two bound
    the precision only above 0.55), and a threshold placed on them would be noise: the base
    model's threshold is then kept, and the report says so."""
    base = base or newest_model(home)
    with uow_factory() as uow:
        labels = mirror_labels(uow)
        reference = reference_accounts(uow)
        labels = {k: v for k, v in labels.items() if v is None or v in reference}
        if len(labels) < min_labels or not any(labels.values()):
            raise NotEnoughLabels(
                f"{len(labels)} reviewer label(s), {sum(1 for v in labels.values() if v)} "
                f"confirmed mirror(s); at least {min_labels} labels including a mirror needed")
        labelled = []
        for key in sorted(labels):
            ref = subject_of(key)
            a = uow.platform.get_account(ref.platform, ref.native_id, with_identifiers=True)
            if a is not None:
                labelled.append((a, uow.platform.posts_of(a.platform, a.account_id,
                                                          POSTS_PER_ACCOUNT)))
        refs = [(a, uow.platform.posts_of(a.platform, a.account_id, POSTS_PER_ACCOUNT))
                for k, a in reference.items() if k not in labels]
        log_access(uow, ACTOR, REFERENCE_SUBJECT, ["identifiers"],
                   f"mirror model training on {len(labels)} reviewer label(s)", AUTHORITY,
                   clock.now())
        uow.commit()
    det = MirrorDetector(base)
    det._add_batch(refs)
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
        check._add_batch(refs)
        dev = [p for p in profiles if p.account_id in dev_keys]
        check.linker.record(profiles)
        probs, ys = [], []
        for p in dev:
            res = check.linker.score_profile(p, 1)
            probs.append(res[0].probability if res else 0.0)
            ys.append(int(bool(res) and res[0].removed_id == labels[p.account_id]))
        dev_rel = reliability(probs, ys)
    n = (trained_models(home)[-1][0] + 1) if trained_models(home) else 1
    version = f"v{n:04d}"
    model = replace(model, meta={**dict(model.meta), "version": version,
                                 "dev_labels": len(dev_keys),
                                 "dev_ece": dev_rel.ece if dev_rel else None})
    models_dir(home).mkdir(parents=True, exist_ok=True)
    path = models_dir(home) / f"mirrors-{version}.json"
    model.save(path)
    with uow_factory() as uow:
        s = cases.load(uow, SubjectRef(SubjectType.SYSTEM, "mirrors:model"))
        s.record(EventKind.NOTE, ACTOR, clock.now(), {
            "model": f"{model.name}/{version}", "labels": len(labels),
            "mirrors": sum(1 for v in labels.values() if v), "dev_labels": len(dev_keys),
            "fit_ece": rep.dev_reliability.ece,
            "dev_ece": dev_rel.ece if dev_rel else None})
        cases.save(uow, s)
        uow.commit()
    return TrainReport(path, version, len(labels), sum(1 for v in labels.values() if v),
                       rep.pairs, rep.review_threshold, rep.dev_reliability, dev_rel,
                       len(dev_keys), rep.threshold_supported)
