"""The stream worker's steps and the batch scan: store what the platform sent, keep the
reference set current, score marked accounts; re-score every active account in batches."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from tarazu.domain.events import SubjectRef
from tarazu.domain.platform import Account, AccountStatus, Post, message_id
from tarazu.linkage.result import MatchResult
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.mirrors.common import (
    ACTOR,
    AUTHORITY,
    POSTS_PER_ACCOUNT,
    SCAN_SUBJECT,
    account_key,
    subject_of,
)
from tarazu.service.mirrors.flags import (
    ScoreOutcome,
    link_policy,
    record_results,
    score_account,
)
from tarazu.service.mirrors.reference import (
    MirrorDetector,
    withdrawn_keys,
)
from tarazu.service.platform_events import (
    PlatformEventError,
    parse_event,
    store_event_record,
)
from tarazu.service.ports import StoreUnitOfWork, UowFactory


def active_accounts(uow: StoreUnitOfWork) -> list[Account]:
    return list(uow.platform.iter_accounts(status=AccountStatus.ACTIVE, with_identifiers=True))


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
        removed = record.get("status") == AccountStatus.REMOVED
        etype = "account.removed" if removed else "account.updated"
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


def handle_stream_records(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector,
                          records: Sequence[Mapping[str, Any]],
                          should_stop: Callable[[], bool] = lambda: False,
                          rescore_after: float | None = None
                          ) -> list[StreamOutcome | PlatformEventError]:
    """Handle a batch of events in order, in one unit of work: for each, store what the
    platform sent and look at the account concerned — keep the reference set current, or
    score it — clearing any mark another writer left. Stored and scored in one transaction,
    the account needs no mark of its own. One commit for the batch; the caller acknowledges
    the events after it. A crash before the commit leaves nothing of the batch in the store:
    every event comes again and is handled as if for the first time. After it, a redelivered
    event finds its record unchanged and no mark, and does nothing.

    With ``rescore_after`` (seconds), a new post of an active account is not scored at once:
    it marks the account, due that much later (an earlier mark keeps its due time), in the
    same transaction, and :func:`drain_scoring_queue` scores it then — once for a burst of
    posts. A sign-up or a changed account is still scored at once (the flag latency counts
    from the sign-up); a post of a removed account is looked at at once as before (the
    reference set stays current). The consecutive posts of the batch are stored together.

    Returns one result per event taken up, in order: its outcome, or the
    :class:`PlatformEventError` that makes it malformed (nothing of it stored; the others go
    on). Checked before each event after the first, ``should_stop`` ends the batch early:
    what was handled is committed, the rest is not taken up."""
    out: list[StreamOutcome | PlatformEventError] = []
    with uow_factory() as uow:
        run: list[tuple[str, str, Post]] = []  # deferred posts, stored together

        def store_run() -> None:
            out.extend(_store_posts(uow, clock, detector, run, rescore_after or 0.0))
            run.clear()

        for record in records:
            if (out or run) and should_stop():
                break
            try:
                event_id, kind, rec = parse_event(as_platform_event(record))
            except PlatformEventError as e:
                store_run()
                out.append(e)
                continue
            if rescore_after is not None and isinstance(rec, Post):
                if any(p.platform == rec.platform and p.post_id == rec.post_id
                       for _, _, p in run):
                    store_run()  # the same post twice: one statement cannot store both
                run.append((event_id, kind, rec))
                continue
            store_run()
            res = store_event_record(uow, event_id, kind, rec, mark=False)
            done = look_at_marked_in(uow, clock, detector, res.platform, rec.account_id,
                                     changed=res.change != "unchanged")
            out.append(StreamOutcome(res.event_id, res.type, res.change,
                                     *(done or (None, None))))
        store_run()
        uow.commit()
    return out


def _store_posts(uow: StoreUnitOfWork, clock: Clock, detector: MirrorDetector,
                 run: Sequence[tuple[str, str, Post]], delay: float) -> list[StreamOutcome]:
    """Store consecutive posts of a batch in a few statements, whatever their number: the
    posts, their authors' statuses, the marks of the active authors (due in ``delay``
    seconds). A post of a removed author, or of one not stored yet, is looked at as
    :func:`handle_stream_records` looks at any other event."""
    if not run:
        return []
    changes = uow.platform.upsert_posts([p for _, _, p in run], mark=False)
    authors = {(p.platform, p.account_id) for (_, _, p), change in zip(run, changes, strict=True)
               if change != "unchanged"}
    status = uow.platform.account_statuses(authors)
    uow.platform.queue_many_for_scoring([k for k in authors if status.get(k) == "active"],
                                        delay)
    out = []
    for (event_id, kind, p), change in zip(run, changes, strict=True):
        done = None
        if change != "unchanged" and status.get((p.platform, p.account_id)) != "active":
            done = look_at_marked_in(uow, clock, detector, p.platform, p.account_id,
                                     changed=True)
        out.append(StreamOutcome(event_id, kind, change, *(done or (None, None))))
    return out


def look_at_marked(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector,
                   platform: str, account_id: str
                   ) -> tuple[ScoreOutcome | None, str | None] | None:
    """:func:`look_at_marked_in` in a unit of work of its own."""
    with uow_factory() as uow:
        done = look_at_marked_in(uow, clock, detector, platform, account_id)
        uow.commit()
    return done


def look_at_marked_in(uow: StoreUnitOfWork, clock: Clock, detector: MirrorDetector,
                      platform: str, account_id: str, changed: bool = False
                      ) -> tuple[ScoreOutcome | None, str | None] | None:
    """Look at one account — marked in the scoring queue, or ``changed`` in the caller's
    transaction — in that transaction: a removed account joins (or updates) the reference
    set, an active one leaves it if it was there and is scored and its flags recorded; a
    mark is cleared in the same transaction. None when there was nothing to look at (already
    looked at: a redelivered event does nothing twice)."""
    key = account_key(platform, account_id)
    scored: ScoreOutcome | None = None
    reference: str | None = None
    marked = uow.platform.account_for_scoring(platform, account_id, posts=POSTS_PER_ACCOUNT)
    if marked is None or (marked.queued_at is None and not changed):
        return None
    a = marked.account
    if a is None:  # posts ahead of their author: the account's arrival marks it again
        pass
    elif a.status == AccountStatus.REMOVED:
        if key not in withdrawn_keys(uow):
            reference = "updated" if key in detector else "added"
            detector.add_removed(a, marked.posts or ())
            log_access(uow, ACTOR, SubjectRef.account(platform, account_id),
                       ["identifiers"], "mirror detection: indexed as a removed account",
                       AUTHORITY, clock.now())
        elif detector.withdraw(key):  # its removal was reversed (a withdrawal marks it)
            reference = "withdrawn"
    else:
        reference = "withdrawn" if detector.withdraw(key) else None  # reinstated
        scored = score_account(uow, clock, detector, platform, account_id, a,
                               protected=marked.protection is not None, posts=marked.posts)
    if marked.queued_at is not None:
        uow.platform.clear_scoring_mark(platform, account_id, marked.queued_at)
    return scored, reference


def drain_scoring_queue(uow_factory: UowFactory, clock: Clock, detector: MirrorDetector,
                        limit: int = 100, should_stop: Callable[[], bool] = lambda: False
                        ) -> list[tuple[ScoreOutcome | None, str | None]]:
    """Look at up to ``limit`` marked accounts, longest due first: those stored by a bulk
    import or the HTTP events endpoint, posts' authors whose re-score is due, and any whose
    event was lost. Each is its own unit of work, so ``should_stop`` (checked before each
    after the first) can end the drain between two: the marks left wait for the next."""
    with uow_factory() as uow:
        marks = uow.platform.queued_for_scoring(limit)
    out = []
    for i, (platform, account_id, _) in enumerate(marks):
        if i and should_stop():
            break
        done = look_at_marked(uow_factory, clock, detector, platform, account_id)
        if done is not None:
            out.append(done)
    return out


@dataclass
class DrainBudget:
    """How long a stream worker may spend on the scoring queue between two batches, so that
    re-scores give way to new events and never the other way round: time passing earns
    ``share`` of itself while the stream is behind (events are waiting), all of itself when
    the worker keeps up (so re-scores take at most half its time), never more than
    ``slice`` (the longest a new event waits behind a drain). A drain that overruns — a
    score is never cut short — is paid back before the next."""

    share: float = 0.1
    slice: float = 0.25
    credit: float = 0.0
    last: float = 0.0

    def earn(self, now: float, behind: bool) -> float:
        """Seconds the drain starting at ``now`` may take (0: none now)."""
        rate = self.share if behind else 1.0
        self.credit = min(self.slice, self.credit + (now - self.last) * rate)
        self.last = now
        return max(self.credit, 0.0)

    def spend(self, seconds: float, now: float) -> None:
        """The drain took ``seconds`` and ended at ``now``."""
        self.credit -= seconds
        self.last = now


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
#: Scores a batch of (account, posts) with ``platform:id`` account ids, explaining the results
#: of at least the probability given (``explain_from``); the default is
#: :meth:`MirrorDetector.score_many`, the Spark adapter offers another.
Scorer = Callable[[Sequence[tuple[Account, Sequence[Post]]], float],
                  Mapping[str, Sequence[MatchResult]]]


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
         progress: Callable[[int, int], None] | None = None, jobs: int = 1) -> ScanReport:
    """Re-score every active account against the current reference set (after a removal
    wave, or with a new model) and record what changed; unchanged results write nothing.
    ``jobs``: forked workers scoring each batch on this machine (without a ``scorer``)."""
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
    score = scorer or (lambda items, explain_from: detector.score_many(
        items, jobs=jobs, explain_from=explain_from))
    # as the stream worker: only a result the policy may act on needs its explanation (the
    # flag carries it); below the review threshold the policy acts on none
    explain_from = link_policy(detector.model, detector.config).review_threshold
    for i in range(0, len(accounts), batch):
        chunk = accounts[i : i + batch]
        read_at = datetime.now(UTC).isoformat(timespec="microseconds")
        with uow_factory() as uow:
            items = load_items(uow, chunk)
        results = score(items, explain_from)
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
