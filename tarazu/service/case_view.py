"""What a reviewer sees: the queue, the dashboard and one case, read from the projection, the
event log, the platform store and the referral store (nothing here changes a case; showing
personal data to someone is logged as a read, and the use cases that show it commit that log).

The HTML pages and the JSON API render the same views, so a reviewer and a script see the same
facts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tarazu.domain.case import CaseState, DecisionRecord, fold
from tarazu.domain.chain import format_time
from tarazu.domain.events import EventKind, ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.platform import Account, Post
from tarazu.service import cases, reports
from tarazu.service.access_log import log_access
from tarazu.service.ports import StoreUnitOfWork, UowFactory
from tarazu.service.queue_filters import QueueFilter, entry_state
from tarazu.service.records import CaseSummary, QueueRow
from tarazu.service.transaction import committed, read_only

#: Queues in the order a dashboard lists them (others follow, alphabetically).
QUEUE_ORDER = ("senior", "appeals", "confirmation", "government", "mirrors", "general")
NO_FILTER = QueueFilter()
#: The authority for a case reader's read of personal data, in the access log.
CASE_READER = "case reader role (moderation under the platform's terms)"


@dataclass(frozen=True)
class QueueEntry:
    row: QueueRow
    reports: int
    sources: tuple[str, ...]
    last_event: str
    handle: str | None
    pending_decision: bool
    appealed: bool = False

    @property
    def state(self) -> str:
        """What the case waits for (a key of :data:`queue_filters.STATES`)."""
        return entry_state(self.row.review_state, self.pending_decision, self.appealed)

    def to_dict(self) -> dict[str, Any]:
        r = self.row
        return {"subject_type": r.subject.type.value, "subject_id": r.subject.id,
                "handle": self.handle, "queue": r.queue, "review_state": r.review_state,
                "priority": r.priority, "reports": self.reports, "sources": list(self.sources),
                "protected": r.protected, "enforcement": r.enforcement,
                "assigned_to": r.assigned_to, "last_event": self.last_event,
                "last_event_at": r.last_event_at, "pending_decision": self.pending_decision,
                "state": self.state}


@dataclass(frozen=True)
class QueuePage:
    queue: str | None
    page: int
    per_page: int
    entries: tuple[QueueEntry, ...]
    has_next: bool
    filters: QueueFilter = NO_FILTER

    def to_dict(self) -> dict[str, Any]:
        return {"queue": self.queue, "page": self.page, "per_page": self.per_page,
                "has_next": self.has_next, "filters": self.filters.query(),
                "items": [e.to_dict() for e in self.entries]}


@dataclass(frozen=True)
class Dashboard:
    by_queue: dict[str, int]
    by_state: dict[str, int]
    outbox_pending: int
    platform: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {"open_by_queue": self.by_queue, "by_state": self.by_state,
                "outbox_pending": self.outbox_pending, "platform": self.platform}


@dataclass(frozen=True)
class ReferralEntry:
    """One referral item that named the subject, with the outcome of its check."""

    referral_id: str
    requester: str
    outcome: str
    reasons: tuple[str, ...]
    explanation: tuple[str, ...]
    designation: str | None
    item: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"referral_id": self.referral_id, "requester": self.requester,
                "outcome": self.outcome, "reasons": list(self.reasons),
                "explanation": list(self.explanation), "designation": self.designation,
                "item": self.item}


@dataclass(frozen=True)
class CaseView:
    ref: SubjectRef
    state: CaseState
    protection: str | None
    account: Account | None
    post: Post | None
    posts: tuple[Post, ...]
    events: tuple[ModerationEvent, ...]
    referrals: tuple[ReferralEntry, ...]
    campaigns: tuple[dict[str, Any], ...] = ()  # coordinated reporting against this subject

    @property
    def evidence_options(self) -> tuple[str, ...]:
        """What a decision may cite: the referral's evidence and the subject's own posts."""
        seen: dict[str, None] = {}
        for r in self.referrals:
            for e in r.item.get("evidence", []):
                seen[str(e)] = None
        cited = {e.rstrip("/").rsplit("/", 1)[-1] for e in seen}
        for p in (self.post,) if self.post else self.posts:
            if p.post_id not in cited:  # a post the referral did not already cite by URL
                seen[p.post_id] = None
        return tuple(seen)

    def to_dict(self) -> dict[str, Any]:
        s = self.state
        return {
            "subject_type": self.ref.type.value, "subject_id": self.ref.id,
            "review_state": s.review_state, "priority": s.priority, "reports": s.reports,
            "sources": sorted(s.sources), "protected": self.protection,
            "enforcement": s.enforcement, "enforcement_until": s.enforcement_until,
            "appeal_open": s.appeal_open,
            "account": account_dict(self.account) if self.account else None,
            "post": post_dict(self.post) if self.post else None,
            "posts": [post_dict(p) for p in self.posts],
            "referrals": [r.to_dict() for r in self.referrals],
            "mirror_candidates": [{"removed_account": a, "probability": p}
                                  for a, p in s.mirror_candidates],
            "decisions": [decision_dict(d) for d in s.decisions],
            "events": [event_dict(e) for e in self.events],
            "campaigns": list(self.campaigns),
        }


def account_dict(a: Account) -> dict[str, Any]:
    """The account as a reviewer sees it: never the (encrypted) identifiers."""
    return {"account_id": a.account_id, "platform": a.platform, "handle": a.handle,
            "display_name": a.display_name, "bio": a.bio, "links": list(a.links),
            "created_at": format_time(a.created_at), "status": a.status,
            "removed_at": format_time(a.removed_at) if a.removed_at else None,
            "removal_reason": a.removal_reason,
            "verified_categories": list(a.verified_categories)}


def post_dict(p: Post) -> dict[str, Any]:
    return {"post_id": p.post_id, "account_id": p.account_id,
            "created_at": format_time(p.created_at), "text": p.text, "lang": p.lang,
            "hashtags": list(p.hashtags), "links": list(p.links),
            "media": [{"pdq": m.pdq, "md5": m.md5, "kind": m.kind} for m in p.media]}


def decision_dict(d: DecisionRecord) -> dict[str, Any]:
    return {"decision_id": d.decision_id, "action": d.action.value, "policy": d.policy,
            "reason": d.reason, "decided_by": d.decided_by,
            "decided_at": format_time(d.decided_at), "automated": d.automated,
            "until": d.until, "country": d.country,
            "needs_confirmation": d.needs_confirmation, "confirmed_by": d.confirmed_by,
            "status": d.status}


def event_dict(e: ModerationEvent) -> dict[str, Any]:
    return {"event_id": e.event_id, "kind": e.kind.value, "actor": e.actor,
            "occurred_at": format_time(e.occurred_at), "payload": dict(e.payload)}


def _account_of(uow: StoreUnitOfWork, ref: SubjectRef) -> Account | None:
    if ref.type is SubjectType.ACCOUNT:
        return uow.platform.get_account(ref.platform, ref.native_id)
    return None


def _queue_entries(uow: StoreUnitOfWork, rows: Sequence[QueueRow]) -> list[QueueEntry]:
    """The rows as the queue shows them: what it shows of each case is in its row
    (``QueueRow.summary``), so a page reads no event, however long the cases' histories; a
    row written before the projection kept it is folded from its events (one query for all
    of them). Handles are read in one query."""
    unsummarised = [r.subject for r in rows if r.summary is None]
    history = uow.events.for_subjects(unsummarised) if unsummarised else {}
    handles = uow.platform.handles((r.subject.platform, r.subject.native_id) for r in rows
                                   if r.subject.type is SubjectType.ACCOUNT)
    out = []
    for row in rows:
        s = row.summary or CaseSummary.of(fold(row.subject, history[row.subject]))
        out.append(QueueEntry(
            row=row, reports=s.reports, sources=s.sources, last_event=s.last_event,
            handle=(handles.get((row.subject.platform, row.subject.native_id))
                    if row.subject.type is SubjectType.ACCOUNT else None),
            pending_decision=s.pending_decision, appealed=s.appealed))
    return out


def queue_page(uow: StoreUnitOfWork, queue: str | None = None, page: int = 1,
               per_page: int = 50, filters: QueueFilter = NO_FILTER,
               now: datetime | None = None) -> QueuePage:
    """One page of the queue, in priority order. Both filters are the projection's: it keeps
    what each case waits for and when it is due, so only matching rows are read, one page's
    worth, and only they are folded."""
    page = max(1, page)
    if (filters.overdue or filters.due_by) and now is None:
        raise ValueError("a due-date filter needs the current time")
    rows = uow.status.queue(queue=queue, limit=per_page + 1, offset=(page - 1) * per_page,
                            entry_state=filters.state,
                            due_before=filters.due_before(now) if now else None)
    entries = _queue_entries(uow, rows[:per_page])
    return QueuePage(queue, page, per_page, tuple(entries), len(rows) > per_page, filters)


def open_by_queue(uow: StoreUnitOfWork) -> dict[str, int]:
    """Open cases per queue, in the order a dashboard lists queues (all the queue page's
    tabs need; the rest of the dashboard is counted only where it is shown)."""
    by_queue = uow.status.queue_counts()
    ordered = {q: by_queue[q] for q in QUEUE_ORDER if q in by_queue}
    ordered.update({q: n for q, n in sorted(by_queue.items()) if q not in ordered})
    return ordered


def dashboard(uow: StoreUnitOfWork) -> Dashboard:
    return Dashboard(open_by_queue(uow), uow.status.counts(), uow.outbox.pending_count(),
                     uow.platform.count())


@dataclass(frozen=True)
class QueueScreen:
    """What the queue page shows: one page, the open cases per queue (its tabs), and the due
    date of each case on the page."""
    page: QueuePage
    by_queue: dict[str, int]
    due: dict[SubjectRef, datetime | None]


def queue_screen(uow: StoreUnitOfWork, queue: str | None, page: int, per_page: int,
                 filters: QueueFilter, now: datetime) -> QueueScreen:
    qp = queue_page(uow, queue, page, per_page, filters, now)
    return QueueScreen(qp, open_by_queue(uow),
                       uow.due_process.deadlines([e.row.subject for e in qp.entries]))


# What the review pages and the API read, each in a unit of work of its own.
read_dashboard = read_only(dashboard)
read_queue_page = read_only(queue_page)
read_queue_screen = read_only(queue_screen)


def _referrals(uow: StoreUnitOfWork, events: list[ModerationEvent]) -> tuple[ReferralEntry, ...]:
    requesters = {r["request_id"]: r for r in uow.referrals.requests()}
    items_by_request: dict[str, dict[int, dict[str, Any]]] = {}
    out = []
    for e in events:
        if e.kind is not EventKind.REFERRAL_CHECKED:
            continue
        p = e.payload
        referral_id = str(p.get("referral_id", ""))
        request_id, _, line = referral_id.rpartition("#")
        if request_id not in items_by_request:
            items_by_request[request_id] = (
                {i.line: i.item for i in uow.referrals.items(request_id)}
                if request_id in requesters else {})
        item = items_by_request[request_id].get(int(line) if line.isdigit() else -1, {})
        req = requesters.get(request_id)
        requester = " / ".join(x for x in (req["agency"], req["country"]) if x) if req else ""
        out.append(ReferralEntry(
            referral_id=referral_id, requester=requester or (req or {}).get(
                "requester_type", "unknown"),
            outcome=str(p.get("outcome", "")), reasons=tuple(p.get("reasons", ())),
            explanation=tuple(p.get("explanation", ())), designation=p.get("designation"),
            item=dict(item)))
    return tuple(out)


def read_case(uow: StoreUnitOfWork, ref: SubjectRef, reader: str, at: datetime
              ) -> CaseView | None:
    """The case as a person reads it: showing the account's or post's details to someone is a
    read of personal data, logged as DATA_ACCESS in the same unit of work (commit it)."""
    view = load_case(uow, ref)
    if view is None:
        return None
    fields = (["handle", "display_name", "bio", "links", "posts"] if view.account else []) + (
        ["post"] if view.post else [])
    if fields:
        log_access(uow, reader, ref, fields, purpose="case review", authority=CASE_READER,
                   at=at)
    return view


def load_case(uow: StoreUnitOfWork, ref: SubjectRef) -> CaseView | None:
    """The whole case, or None when tarazu knows nothing of the subject."""
    events = uow.events.for_subject(ref)
    account = _account_of(uow, ref)
    post = (uow.platform.get_post(ref.platform, ref.native_id)
            if ref.type is SubjectType.POST else None)
    if not events and account is None and post is None:
        return None
    posts = tuple(uow.platform.posts_of(ref.platform, account.account_id)) if account else ()
    protection = cases.protection(uow, ref)
    return CaseView(ref=ref, state=fold(ref, events), protection=protection, account=account,
                    post=post, posts=posts, events=tuple(events),
                    referrals=_referrals(uow, events),
                    campaigns=tuple(reports.campaigns(uow, ref)))


#: The case as a person reads it, in a unit of work of its own (the read logged and committed).
view_case = committed(read_case)


def mirror_key(ref: SubjectRef, removed_account: str) -> str:
    """A flag's removed account as ``platform:id`` (older flags stored the bare id)."""
    return removed_account if ":" in removed_account else f"{ref.platform}:{removed_account}"


@dataclass(frozen=True)
class MirrorPair:
    """A case flagged as a mirror and the removed account it may continue."""
    flagged: CaseView
    removed: CaseView | None
    flags: tuple[dict[str, Any], ...]  # the flags naming that removed account, oldest first


def read_mirror_pair(uow_factory: UowFactory, ref: SubjectRef, removed_account: str,
                     reader: str, at: datetime) -> MirrorPair | None:
    """Both cases of a mirror flag, read by ``reader`` (both reads logged and committed), or
    None, with nothing logged, when ``ref`` was never flagged as a mirror of
    ``removed_account`` (``platform:id``)."""
    with uow_factory() as uow:
        view = read_case(uow, ref, reader, at)
        flags = tuple(e.payload for e in (view.events if view else ())
                      if e.kind is EventKind.MIRROR_FLAG
                      and mirror_key(ref, str(e.payload.get("removed_account")))
                      == removed_account)
        if view is None or not flags:
            return None
        other = read_case(uow, SubjectRef(SubjectType.ACCOUNT, removed_account), reader, at)
        uow.commit()
    return MirrorPair(view, other, flags)


def named_account(uow: StoreUnitOfWork, reader: str, ref: SubjectRef, purpose: str,
                  at: datetime) -> Account | None:
    """The account ``ref`` names, to show by handle and display name rather than an id, or
    None (not an account, or unknown); showing those two fields is logged as a read."""
    if ref.type is not SubjectType.ACCOUNT:
        return None
    account = uow.platform.get_account(ref.platform, ref.native_id)
    if account is not None:
        log_access(uow, reader, ref, ["handle", "display_name"], purpose=purpose,
                   authority=CASE_READER, at=at)
    return account


def mirror_accounts(uow_factory: UowFactory, view: CaseView, reader: str, at: datetime
                    ) -> dict[str, Account]:
    """The removed accounts this case may continue, by the key its flags store, so the page
    names them by handle and display name rather than an id (the read is logged)."""
    out: dict[str, Account] = {}
    with uow_factory() as uow:
        for acc, _ in view.state.mirror_candidates:
            ref = SubjectRef(SubjectType.ACCOUNT, mirror_key(view.ref, acc))
            account = named_account(uow, reader, ref, "case review (mirror candidate)", at)
            if account is not None:
                out[acc] = account
        uow.commit()
    return out


def reporter_statements(uow_factory: UowFactory, ref: SubjectRef, reader: str, at: datetime
                        ) -> list[Any]:
    """What members of the public wrote when they reported ``ref``, with the category they
    chose; shown to case readers only, and each showing is logged as a read."""
    with uow_factory() as uow:
        found = uow.reports.statements(ref)
        if found:
            log_access(uow, reader, ref, ["report text"], purpose="case review",
                       authority=CASE_READER, at=at)
        uow.commit()
    return found
