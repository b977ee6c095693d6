"""Case state as a pure fold of a subject's events, and the rules for adding new ones.

``fold(events)`` never reads anything else, so the state of any case at any point in history can
be rebuilt from the log. :class:`Subject` is the aggregate: it checks the invariants of due
process (a policy and a reason for every decision, the two-person rule, an appeal decided by
someone who took no part) before it records a new event."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from functools import reduce
from typing import Any

from tarazu.domain.aggregate import Aggregate
from tarazu.domain.events import (
    EventKind,
    ModerationEvent,
    ReversalCause,
    SubjectRef,
    is_automated,
)
from tarazu.domain.payloads import (
    Appeal,
    AppealDecision,
    Assign,
    Confirm,
    Decision,
    Escalate,
    EventPayload,
    Expiry,
    RejectDecision,
    Reversal,
    WithdrawDecision,
    as_payload,
)
from tarazu.domain.policies import (
    ENFORCING,
    MAX_SUSPENSION,
    Action,
    Sanction,
    get_policy,
    is_severe,
)


class DueProcessError(ValueError):
    """A requested step would break a rule of due process; the message says which."""


class DecisionStatus(StrEnum):
    """Where a decision stands. The values are the strings projections store and reversal
    events carry (``was``), so a member compares equal to what was written before it."""
    PENDING = "pending"  # awaits a second reviewer (two-person rule)
    APPLIED = "applied"
    REJECTED = "rejected"  # the second reviewer refused it
    WITHDRAWN = "withdrawn"
    EXPIRED = "expired"  # a timed action that has ended
    REVERSED = "reversed"
    SUPERSEDED = "superseded"  # a later decision took its place


class ReviewState(StrEnum):
    """Whether a case is before reviewers; the values are those the status projection stores."""
    NONE = "none"  # never reported or flagged
    OPEN = "open"
    ESCALATED = "escalated"
    CLOSED = "closed"


class AppealOutcome(StrEnum):
    """How an appeal is decided; the values are those appeal-decision events carry."""
    UPHELD = "upheld"
    REVERSED = "reversed"
    MODIFIED = "modified"  # a strictly lesser sanction replaces the contested one


#: The review states of a case waiting in a queue.
UNDER_REVIEW = (ReviewState.OPEN, ReviewState.ESCALATED)
#: The review states from which a new report or flag opens the case again.
OUT_OF_REVIEW = (ReviewState.NONE, ReviewState.CLOSED)


def parse_until(value: str) -> datetime:
    """The end of a timed action: a date (``2025-08-01``: the action ends at the start of that
    day, UTC) or an ISO 8601 time with a zone (``Z`` accepted)."""
    try:
        t = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except (ValueError, AttributeError):
        raise DueProcessError(f"'until' is not a date or time: {value!r}") from None
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def suspension_problem(until: str | None, at: datetime) -> str | None:
    """Why ``until`` cannot end a suspension that starts ``at`` (None: it can). One rule for
    the forms, the API and the aggregate: an end is required, after the start, and no later
    than :data:`MAX_SUSPENSION` from it."""
    if not until:
        return "a suspension needs an end date ('until')"
    try:
        ends = parse_until(str(until))
    except DueProcessError as e:
        return str(e)
    if ends <= at:
        return "a suspension must end after it starts"
    if ends - at > MAX_SUSPENSION:
        latest = (at + MAX_SUSPENSION).date().isoformat()
        return (f"a suspension lasts at most {MAX_SUSPENSION.days} days (until {latest} at "
                "the latest); anything longer is a removal, which needs a second reviewer")
    return None


def sanction_of(action: Action, until: str | None) -> Sanction:
    return Sanction(action, parse_until(until) if until else None)


@dataclass(frozen=True)
class DecisionRecord:
    decision_id: str
    action: Action
    policy: str
    reason: str
    decided_by: str
    decided_at: datetime
    automated: bool = False
    until: str | None = None
    country: str | None = None
    needs_confirmation: bool = False
    confirmed_by: str | None = None
    status: DecisionStatus = DecisionStatus.PENDING


@dataclass(frozen=True)
class CaseState:
    subject: SubjectRef
    review_state: ReviewState = ReviewState.NONE
    reports: int = 0
    reporters: frozenset[str] = frozenset()
    sources: frozenset[str] = frozenset()
    grounds: frozenset[str] = frozenset()  # policy codes reports cite (routing)
    languages: frozenset[str] = frozenset()  # languages of reported content (routing)
    referral_ids: tuple[str, ...] = ()
    set_aside_reports: int = 0  # reports from muted reporters or flagged campaigns
    mirror_candidates: tuple[tuple[str, float], ...] = ()
    decisions: tuple[DecisionRecord, ...] = ()
    enforcement: str | None = None  # the applied action, if any
    enforcement_until: str | None = None
    appeal_open: str | None = None  # event id of the open appeal
    appealed_decision: str | None = None
    assigned_to: str | None = None
    escalated: bool = False
    priority: int = 0
    first_event_at: datetime | None = None
    opened_at: datetime | None = None  # when the case last entered review (due dates run from it)
    last_event_at: datetime | None = None
    last_kind: str = ""  # the kind of the last event (what the queue shows happened last)
    participants: frozenset[str] = field(default_factory=frozenset)

    @property
    def pending_decision(self) -> DecisionRecord | None:
        return self._last(DecisionStatus.PENDING)

    @property
    def applied_decision(self) -> DecisionRecord | None:
        return self._last(DecisionStatus.APPLIED)

    def _last(self, status: DecisionStatus) -> DecisionRecord | None:
        return next((d for d in reversed(self.decisions) if d.status == status), None)

    def decision(self, decision_id: str) -> DecisionRecord | None:
        return next((d for d in self.decisions if d.decision_id == decision_id), None)


def _set_decision(state: CaseState, decision_id: str, **changes: Any) -> CaseState:
    return replace(
        state,
        decisions=tuple(
            replace(d, **changes) if d.decision_id == decision_id else d for d in state.decisions
        ),
    )


def _supersede(decisions: tuple[DecisionRecord, ...], status: DecisionStatus
               ) -> tuple[DecisionRecord, ...]:
    """The decisions with those of ``status`` marked superseded (a later one takes their
    place)."""
    return tuple(replace(x, status=DecisionStatus.SUPERSEDED) if x.status == status else x
                 for x in decisions)


def _apply(state: CaseState, d: DecisionRecord) -> CaseState:
    """An applied decision replaces any earlier applied one and closes the case."""
    state = replace(
        state,
        decisions=_supersede(state.decisions, DecisionStatus.APPLIED),
    )
    state = _set_decision(state, d.decision_id, status=DecisionStatus.APPLIED)
    enforcing = d.action in ENFORCING
    return replace(
        state,
        enforcement=d.action.value if enforcing else None,
        enforcement_until=d.until if enforcing else None,
        review_state=ReviewState.CLOSED,
        escalated=False,
    )


def _on_decision(state: CaseState, e: ModerationEvent) -> CaseState:
    p = e.payload
    d = DecisionRecord(
        decision_id=e.event_id,
        action=Action(p["action"]),
        policy=p.get("policy", ""),
        reason=p.get("reason", ""),
        decided_by=e.actor,
        decided_at=e.occurred_at,
        automated=e.automated,
        until=p.get("until"),
        country=p.get("country"),
        needs_confirmation=bool(p.get("needs_confirmation")),
    )
    state = replace(
        state,
        decisions=_supersede(state.decisions, DecisionStatus.PENDING) + (d,),
    )
    if d.needs_confirmation:
        return state
    return _apply(state, d)


def _on_appeal_decision(state: CaseState, e: ModerationEvent) -> CaseState:
    state = replace(state, appeal_open=None, review_state=ReviewState.CLOSED, escalated=False)
    if e.payload.get("outcome") == AppealOutcome.REVERSED and state.appealed_decision:
        state = _undo(state, state.appealed_decision, DecisionStatus.REVERSED)
    return state


def _undo(state: CaseState, decision_id: str, status: DecisionStatus) -> CaseState:
    d = state.decision(decision_id)
    if d is None:
        return state
    state = _set_decision(state, decision_id, status=status)
    if state.applied_decision is None:
        state = replace(state, enforcement=None, enforcement_until=None)
    return state


def step(state: CaseState, e: ModerationEvent) -> CaseState:
    """Fold one event into the state; a case entering review (or appealed) restarts its clock."""
    new = _step(state, e)
    entered = new.review_state in UNDER_REVIEW and (
        state.review_state in OUT_OF_REVIEW or e.kind is EventKind.APPEAL)
    return replace(new, opened_at=e.occurred_at) if entered else new


def _step(state: CaseState, e: ModerationEvent) -> CaseState:
    p: Mapping[str, Any] = e.payload
    state = replace(
        state,
        first_event_at=state.first_event_at or e.occurred_at,
        last_event_at=e.occurred_at,
        last_kind=e.kind.value,
    )
    k = e.kind
    if k is EventKind.REPORT:
        if p.get("set_aside"):
            return replace(state, set_aside_reports=state.set_aside_reports + 1)
        reopen = state.review_state in OUT_OF_REVIEW and state.appeal_open is None
        return replace(
            state,
            reports=state.reports + 1,
            reporters=state.reporters | {str(p.get("reporter", e.actor))},
            sources=state.sources | {str(p.get("source", "public"))},
            grounds=state.grounds | ({str(p["policy"])} if p.get("policy") else set()),
            languages=state.languages | ({str(p["lang"])} if p.get("lang") else set()),
            referral_ids=state.referral_ids
            + ((p["referral_id"],) if p.get("referral_id") else ()),
            review_state=ReviewState.OPEN if reopen else state.review_state,
            priority=state.priority + int(p.get("priority", 1)),
        )
    if k is EventKind.MIRROR_FLAG:
        cand = (str(p["removed_account"]), float(p["probability"]))
        others = tuple(c for c in state.mirror_candidates if c[0] != cand[0])
        reopen = state.review_state in OUT_OF_REVIEW
        return replace(
            state,
            mirror_candidates=tuple(sorted(others + (cand,), key=lambda c: -c[1])),
            review_state=ReviewState.OPEN if reopen else state.review_state,
            sources=state.sources | {"automated"},
            priority=max(state.priority, int(round(cand[1] * 10))),
        )
    if k is EventKind.ASSIGN:
        return replace(state, assigned_to=p.get("assignee"))
    if k is EventKind.ESCALATE:
        return replace(state, review_state=ReviewState.ESCALATED, escalated=True)
    if k is EventKind.DECISION:
        state = replace(state, participants=state.participants | {e.actor})
        return _on_decision(state, e)
    if k is EventKind.CONFIRM:
        d = state.decision(p["decision_id"])
        state = replace(state, participants=state.participants | {e.actor})
        if d is None:
            return state
        state = _set_decision(state, d.decision_id, confirmed_by=e.actor)
        return _apply(state, replace(d, confirmed_by=e.actor))
    if k is EventKind.REJECT_DECISION:
        state = replace(state, participants=state.participants | {e.actor})
        return _set_decision(state, p["decision_id"], status=DecisionStatus.REJECTED)
    if k is EventKind.WITHDRAW_DECISION:
        return _set_decision(state, p["decision_id"], status=DecisionStatus.WITHDRAWN)
    if k is EventKind.APPEAL:
        return replace(
            state,
            appeal_open=e.event_id,
            appealed_decision=p.get("decision_id"),
            review_state=ReviewState.ESCALATED,
        )
    if k is EventKind.APPEAL_DECISION:
        return _on_appeal_decision(state, e)
    if k is EventKind.REVERSAL:
        state = _undo(state, p["decision_id"], DecisionStatus.REVERSED)
        if p.get("withdrawn_candidate"):  # the account it relied on is no longer a reference
            state = replace(state, mirror_candidates=tuple(
                c for c in state.mirror_candidates if c[0] != p["withdrawn_candidate"]))
        if p.get("reopen") and state.appeal_open is None:
            state = replace(state, review_state=ReviewState.OPEN)
        return state
    if k is EventKind.EXPIRY:
        return _undo(state, p["decision_id"], DecisionStatus.EXPIRED)
    return state


def fold(subject: SubjectRef, events: Iterable[ModerationEvent]) -> CaseState:
    return reduce(step, events, CaseState(subject))


class Subject(Aggregate[CaseState]):
    """The aggregate: a subject, its history, and the rules for what may happen next."""

    def __init__(self, ref: SubjectRef, history: Iterable[ModerationEvent] = (),
                 protected: bool = False) -> None:
        super().__init__(ref, history, lambda h: fold(ref, h), step)
        self.protected = protected

    def record(self, kind: EventKind, actor: str, at: datetime,
               payload: EventPayload | Mapping[str, Any] | None = None) -> ModerationEvent:
        """Record an event that carries no due-process rule of its own (report, flag, note);
        a payload given as a mapping is checked against the kind's type."""
        return self._record(as_payload(kind, payload), actor, at)

    def decide(self, *, actor: str, at: datetime, action: Action, policy: str, reason: str,
               statement: Mapping[str, Any] | None = None, actor_is_senior: bool = False,
               extra: Mapping[str, Any] | None = None) -> ModerationEvent:
        """Decide the case. ``extra``: further fields of the decision (until, country,
        evidence, designation, modifies), checked against :class:`Decision` like the rest."""
        if not reason.strip():
            raise DueProcessError("a decision needs a reason")
        if action is not Action.NO_ACTION:
            get_policy(policy)  # raises for an unknown policy
        automated = is_automated(actor)
        if self.protected and action in ENFORCING:
            if automated:
                raise DueProcessError("no automatic action on a protected account")
            if not actor_is_senior:
                raise DueProcessError("an action on a protected account needs a senior reviewer")
        if self.state.escalated and action in ENFORCING and not actor_is_senior:
            raise DueProcessError("an escalated case is decided by a senior reviewer")
        until = (extra or {}).get("until")
        if action is Action.SUSPEND and (problem := suspension_problem(until, at)):
            raise DueProcessError(problem)
        if action is Action.RESTRICT_COUNTRY and not (extra or {}).get("country"):
            raise DueProcessError("a restriction in one country needs that country")
        pending = self.state.pending_decision
        if pending is not None:  # a later decision must not silently replace a proposal
            raise DueProcessError(
                f"a {pending.action.value} proposed by {pending.decided_by} awaits a second "
                f"reviewer (decision {pending.decision_id}): confirm it, do not confirm it, or "
                "withdraw it (with a reason) before deciding anew")
        ends = parse_until(str(until)) if action is Action.SUSPEND else None
        needs_confirmation = action in ENFORCING and (
            is_severe(action, at, ends) or self.protected
        )
        payload = Decision.from_payload({
            "action": action.value,
            "policy": policy,
            "reason": reason,
            "needs_confirmation": needs_confirmation,
            "protected": self.protected,
            **({"statement": dict(statement)} if statement else {}),
            **(extra or {}),
        })
        return self._record(payload, actor, at)

    def confirm(self, *, actor: str, at: datetime, decision_id: str,
                actor_is_senior: bool = False) -> ModerationEvent:
        d = self.state.decision(decision_id)
        if d is None or d.status != DecisionStatus.PENDING:
            raise DueProcessError("there is no pending decision with that id to confirm")
        if d.decided_by == actor:
            raise DueProcessError("the two-person rule needs a second reviewer, not the decider")
        if self.protected and not actor_is_senior:
            raise DueProcessError("confirming an action on a protected account needs a senior "
                                  "reviewer")
        return self._record(Confirm(decision_id=decision_id), actor, at)

    def reject(self, *, actor: str, at: datetime, decision_id: str, reason: str
               ) -> ModerationEvent:
        d = self.state.decision(decision_id)
        if d is None or d.status != DecisionStatus.PENDING:
            raise DueProcessError("there is no pending decision with that id to reject")
        if d.decided_by == actor:
            raise DueProcessError("the decider cannot review their own decision")
        return self._record(RejectDecision(decision_id=decision_id, reason=reason), actor, at)

    def withdraw(self, *, actor: str, at: datetime, decision_id: str, reason: str,
                 actor_is_senior: bool = False) -> ModerationEvent:
        """Take back a proposal that awaits its second reviewer: its proposer, or a senior
        reviewer, with a reason. Only then may the case be decided anew."""
        d = self.state.decision(decision_id)
        if d is None or d.status != DecisionStatus.PENDING:
            raise DueProcessError("there is no pending decision with that id to withdraw")
        if actor != d.decided_by and not actor_is_senior:
            raise DueProcessError("a proposal is withdrawn by the reviewer who made it or by a "
                                  "senior reviewer")
        if not reason.strip():
            raise DueProcessError("withdrawing a proposal needs a reason")
        return self._record(WithdrawDecision(decision_id=decision_id, reason=reason), actor, at)

    def appeal(self, *, actor: str, at: datetime, decision_id: str, statement: str
               ) -> ModerationEvent:
        d = self.state.decision(decision_id)
        if d is None or d.status != DecisionStatus.APPLIED:
            raise DueProcessError("only an applied decision can be appealed")
        if self.state.appeal_open:
            raise DueProcessError("an appeal of this case is already open")
        return self._record(Appeal(decision_id=decision_id, statement=statement), actor, at)

    def decide_appeal(self, *, actor: str, at: datetime, outcome: str, reason: str,
                      replacement: Sanction | None = None) -> ModerationEvent:
        """Decide the open appeal. ``modified`` names the ``replacement``: strictly lesser than
        the contested decision (an appeal never makes a sanction harsher) and one that needs
        no second reviewer (otherwise: reverse, then decide anew)."""
        if outcome not in tuple(AppealOutcome):
            raise DueProcessError("an appeal is upheld, reversed or modified")
        if not self.state.appeal_open:
            raise DueProcessError("there is no open appeal")
        if not reason.strip():
            raise DueProcessError("an appeal decision needs reasons")
        d = self.state.decision(self.state.appealed_decision or "")
        took_part = {d.decided_by, d.confirmed_by} if d else set()
        if actor in took_part:
            raise DueProcessError("an appeal is decided by someone who took no part in the "
                                  "decision it contests")
        if outcome == AppealOutcome.MODIFIED:
            if replacement is None or d is None:
                raise DueProcessError("a modified outcome needs the new decision")
            if not replacement.lesser_than(sanction_of(d.action, d.until)):
                was = d.action.value + (f" until {d.until}" if d.until else "")
                raise DueProcessError(
                    f"a modified decision must be lesser than the one appealed ({was}); an "
                    "appeal never makes a sanction harsher")
            if self.protected or is_severe(replacement.action, at, replacement.ends):
                raise DueProcessError("a modification that needs a second reviewer cannot be "
                                      "made on appeal: reverse, then decide anew")
        return self._record(AppealDecision(
            appeal_id=self.state.appeal_open, decision_id=self.state.appealed_decision,
            outcome=outcome, reason=reason), actor, at)

    def escalate(self, *, actor: str, at: datetime, reason: str) -> ModerationEvent:
        """Send the case to senior review; from then on only a senior reviewer decides it."""
        if self.state.review_state not in UNDER_REVIEW:
            raise DueProcessError("only a case under review can be escalated")
        if not reason.strip():
            raise DueProcessError("an escalation needs a reason")
        return self._record(Escalate(reason=reason), actor, at)

    def assign(self, *, actor: str, at: datetime, assignee: str | None) -> ModerationEvent:
        """A reviewer takes the case (or gives it back, with ``assignee=None``)."""
        if assignee and self.state.review_state not in UNDER_REVIEW:
            raise DueProcessError("only a case under review can be assigned")
        return self._record(Assign(assignee=assignee), actor, at)

    def expire(self, *, at: datetime, decision_id: str) -> ModerationEvent:
        """A timed action ends by itself once its end has passed (system actor)."""
        d = self.state.decision(decision_id)
        if d is None or d.status != DecisionStatus.APPLIED or not d.until:
            raise DueProcessError("only an applied timed action can expire")
        if parse_until(d.until) > at:
            raise DueProcessError("this action has not reached its end yet")
        return self._record(Expiry(decision_id=decision_id, until=d.until), "system:expiry", at)

    def reverse(self, *, actor: str, at: datetime, decision_id: str, reason: str,
                cause: ReversalCause, reopen: bool = False,
                extra: Mapping[str, Any] | None = None) -> ModerationEvent:
        """Undo a decision outside an appeal of this subject; ``cause`` says why for code
        (``reason`` says it for people); ``reopen`` puts the case back under review."""
        d = self.state.decision(decision_id)
        if d is None or d.status not in (DecisionStatus.APPLIED, DecisionStatus.PENDING):
            raise DueProcessError("only an applied or pending decision can be reversed")
        if not reason.strip():
            raise DueProcessError("a reversal needs a reason")
        return self._record(Reversal.from_payload({
            "decision_id": decision_id, "reason": reason, "cause": cause.value,
            "reopen": reopen, "was": d.status, **(extra or {})}), actor, at)
