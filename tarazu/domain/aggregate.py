"""What every aggregate does with its events, written once: hold a subject's history and the
state folded from it, and record a new event by folding it in and keeping it for the use case
to append to the log. The rules of what may happen next are each aggregate's own
(:class:`tarazu.domain.case.Subject`, :class:`tarazu.datarequests.case.DataRequestCase`)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Generic, TypeVar

from tarazu.domain.events import ModerationEvent, SubjectRef
from tarazu.domain.payloads import EventPayload

S = TypeVar("S")


class Aggregate(Generic[S]):
    """``ref``'s history, its state, and the events recorded since it was loaded."""

    def __init__(self, ref: SubjectRef, history: Iterable[ModerationEvent],
                 fold: Callable[[list[ModerationEvent]], S],
                 step: Callable[[S, ModerationEvent], S]) -> None:
        self.ref = ref
        self.history = list(history)
        self.state = fold(self.history)
        self.new_events: list[ModerationEvent] = []
        self._step = step

    def _record(self, payload: EventPayload, actor: str, at: datetime) -> ModerationEvent:
        e = ModerationEvent.of(self.ref, actor, at, payload)
        self.history.append(e)
        self.new_events.append(e)
        self.state = self._step(self.state, e)
        return e
