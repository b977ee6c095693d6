"""Platform event streams on NATS JetStream.

Platforms publish interchange records (``account`` / ``post``, plus lifecycle events such as
``account.removed``) to the stream ``PLATFORM_EVENTS`` under ``platform.events.<platform>.<kind>``.
Publishing sets ``Nats-Msg-Id`` so JetStream drops a retried publish (idempotent producer); a
durable pull consumer acknowledges a message only after its handler committed, so every event is
handled at least once and handlers are idempotent (ingest upserts, events carry keys). A message
that cannot be handled goes to a dead-letter stream (``<STREAM>_DEAD``) with its reason."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import nats
import structlog
from nats.errors import Error as NatsError
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import BadRequestError, NoStreamResponseError, NotFoundError

from tarazu.adapters.metrics import CONSUMER_LAG, EVENTS_IN
from tarazu.domain.platform import message_id

STREAM = "PLATFORM_EVENTS"
SUBJECTS = "platform.events.>"

#: What losing the broker raises: try again later.
BROKER_UNAVAILABLE = (OSError, NatsError, TimeoutError)

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]

#: Handles the records of the messages fetched together, in order, in one unit of work, and
#: returns one result per record it took up: None (handled) or the exception that record
#: failed with. It is asked (the function it is given) to stop early when the consumer is
#: told to stop; records after those it took up are handed back. Raising
#: :class:`Unavailable` means nothing was committed: the batch is tried again once the store
#: is back. Raising anything else also means nothing was committed: each record is then
#: tried on its own, so that the failure is pinned on one message.
BatchHandler = Callable[[list[dict[str, Any]], Callable[[], bool]],
                        Sequence[BaseException | None]]

log = structlog.get_logger("tarazu.stream")


def subject_for(record: dict[str, Any], prefix: str = "platform.events") -> str:
    platform = str(record.get("platform") or (record.get("record") or {}).get("platform")
                   or "default").replace(".", "_")
    kind = str(record.get("event") or record.get("type") or "record").replace(".", "_")
    return f"{prefix}.{platform}.{kind}"


#: Headers of a dead letter: why it was set aside, and where it came from.
DEAD_REASON = "Tarazu-Dead-Reason"
DEAD_SUBJECT = "Tarazu-Subject"
DEAD_SEQ = "Tarazu-Stream-Seq"


class Unavailable(RuntimeError):
    """Something the handler needs (the database) is away. The message stays in hand — its
    acknowledgement deadline extended — and is tried again after a growing delay, without
    counting as a failed attempt: an outage of any length pauses the stream, in order, and
    never sends a sound event to the dead letters."""


class PoisonMessage(ValueError):
    """A message no redelivery can fix (not JSON, a malformed event): it goes to the
    dead-letter subject with this reason, and the stream goes on."""


def dead_letter_stream(stream: str) -> tuple[str, str]:
    """(stream, subject) that keeps the dead letters of ``stream``: outside its subjects, so
    the worker never reads them back."""
    return f"{stream}_DEAD", f"deadletter.{stream.lower()}"


@dataclass
class ConsumeReport:
    handled: int = 0
    failed: int = 0  # handler errors: the message was handed back for redelivery
    waits: int = 0  # pauses while something the handler needs was unavailable
    dead: int = 0  # set aside on the dead-letter subject
    handed_back: int = 0  # fetched but not handled when told to stop
    reconnects: int = 0


@dataclass(frozen=True)
class PublishReport:
    published: int = 0
    duplicates: int = 0  # dropped by JetStream: the same message id within its window


class PublishStopped(RuntimeError):
    """The broker did not take record ``at`` (0-based) of a list; ``done`` reports those
    before it, which were published. Publishing the list again is safe: what landed is
    dropped as a duplicate."""

    def __init__(self, at: int, done: PublishReport, error: BaseException) -> None:
        super().__init__(f"record {at + 1} not published: {type(error).__name__}: {error}")
        self.at, self.done, self.error = at, done, error


class PlatformEventStream:
    def __init__(self, url: str, stream: str = STREAM, subjects: str = SUBJECTS) -> None:
        self.url = url
        self.stream = stream
        self.subjects = subjects
        self._nc: Any = None
        self._js: Any = None

    async def __aenter__(self) -> PlatformEventStream:
        # Reconnect for ever: a broker outage of any length pauses the worker, never ends it.
        self._nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=-1,
                                      reconnect_time_wait=1)
        self._js = self._nc.jetstream()
        await self.ensure_stream()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._nc is not None and not self._nc.is_closed:
            try:
                await self._nc.drain()  # flushes the acknowledgements still buffered
            except (NatsError, TimeoutError):
                await self._nc.close()

    async def ensure_stream(self) -> None:
        """Create the stream and its dead letters unless they exist. Two clients starting
        together (a worker and a publisher) may both find a stream missing and both create
        it: the server then refuses the second create (its subjects overlap the stream just
        made), and the stream is there — so a refused create is checked again, and only a
        stream still missing raises."""
        dead, dead_subject = dead_letter_stream(self.stream)
        for name, subjects in ((self.stream, self.subjects), (dead, dead_subject)):
            try:
                await self._js.stream_info(name)
            except NotFoundError:
                try:
                    await self._js.add_stream(StreamConfig(name=name, subjects=[subjects],
                                                           duplicate_window=3600.0))
                except BadRequestError as refused:
                    try:
                        await self._js.stream_info(name)
                    except NotFoundError:
                        raise refused from None

    async def delete(self) -> None:
        """Delete the stream and its dead letters (demos, tests)."""
        for name in (self.stream, dead_letter_stream(self.stream)[0]):
            with contextlib.suppress(NotFoundError):
                await self._js.delete_stream(name)

    async def publish(self, record: dict[str, Any], patience: float = 30.0) -> bool:
        """Publish one record; False when JetStream dropped it as a duplicate.

        A publish the stream does not answer (the server busy or restarting, the stream
        just deleted by someone else) is tried again, the stream made again if it is
        missing, for up to ``patience`` seconds: the message id makes the retry safe — a
        first try that did land makes the second a duplicate, which is then reported as
        one. After that the error is raised: the caller still holds the record."""
        subject = subject_for(record, self.subjects.removesuffix(".>"))
        data = json.dumps(record, ensure_ascii=False).encode()
        deadline = asyncio.get_running_loop().time() + patience
        delay = 0.25
        while True:
            try:
                ack = await self._js.publish(subject, data, stream=self.stream,
                                             headers={"Nats-Msg-Id": message_id(record)})
                return not ack.duplicate
            except (NoStreamResponseError, TimeoutError) as e:
                if asyncio.get_running_loop().time() + delay > deadline:
                    raise
                log.warning("stream.publish_retry", stream=self.stream,
                            error=type(e).__name__, retry_in_seconds=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
                if isinstance(e, NoStreamResponseError):
                    with contextlib.suppress(NatsError, TimeoutError):
                        await self.ensure_stream()

    async def publish_all(self, records: list[dict[str, Any]]) -> PublishReport:
        """Publish each record in order; a record the broker does not take (after
        :meth:`publish`'s retries) stops it with a :class:`PublishStopped` that says how
        far it got."""
        new: list[bool] = []
        for r in records:
            try:
                new.append(await self.publish(r))
            except BROKER_UNAVAILABLE as e:
                done = PublishReport(published=sum(new), duplicates=len(new) - sum(new))
                raise PublishStopped(len(new), done, e) from e
        return PublishReport(published=sum(new), duplicates=len(new) - sum(new))

    async def dead_letters(self) -> list[tuple[dict[str, str], bytes]]:
        """Every dead letter kept for this stream: (headers, original data)."""
        name, subject = dead_letter_stream(self.stream)
        info = await self._js.stream_info(name)
        out = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            if info.state.messages == 0:
                break
            m = await self._js.get_msg(name, seq)
            out.append((dict(m.headers or {}), m.data or b""))
        return out

    async def _dead_letter(self, msg: Any, reason: str) -> None:
        _, subject = dead_letter_stream(self.stream)
        seq = msg.metadata.sequence.stream
        await self._js.publish(subject, msg.data, headers={
            DEAD_REASON: reason[:1000], DEAD_SUBJECT: msg.subject, DEAD_SEQ: str(seq),
            "Nats-Msg-Id": f"dead:{self.stream}:{seq}"})
        await msg.term()  # never redelivered

    async def consume(self, handler: Handler, durable: str, *, batch: int = 20,
                      idle_timeout: float = 1.0, stop: asyncio.Event | None = None,
                      until_idle: bool | None = None, max_messages: int | None = None,
                      ack_wait: float = 30.0, max_deliver: int = 10,
                      on_idle: Callable[[], Awaitable[int] | int] | None = None
                      ) -> ConsumeReport:
        """Pull and handle messages one at a time, acknowledging each after its handler
        returned (the handler commits first). Stops when ``stop`` is set — the message in
        hand is finished, the rest of the fetched batch handed back at once — or, with
        ``until_idle`` (the default without ``stop``), once nothing is pending: no message
        undelivered, none delivered and unacknowledged (a crashed worker's, which come back
        after ``ack_wait``), and ``on_idle`` (called whenever a fetch finds nothing) reports
        no work left.

        A handler error hands the message back (redelivered after a growing delay); after
        ``max_deliver`` attempts, or at once for a :class:`PoisonMessage`, it goes to the
        dead-letter subject with its reason. A lost connection pauses consumption while the
        client reconnects."""
        async def each(msgs: list[Any], report: ConsumeReport) -> None:
            for n, msg in enumerate(msgs):
                if stop and stop.is_set():
                    await self._hand_back(msgs[n:], report)
                    return
                await self._handle(msg, handler, report, max_deliver, stop)

        return await self._pull(each, durable, batch=batch, idle_timeout=idle_timeout,
                                stop=stop, until_idle=until_idle, max_messages=max_messages,
                                ack_wait=ack_wait, max_deliver=max_deliver, on_idle=on_idle)

    async def consume_batches(self, handler: BatchHandler, durable: str, *, batch: int = 20,
                              idle_timeout: float = 1.0, stop: asyncio.Event | None = None,
                              until_idle: bool | None = None,
                              max_messages: int | None = None, ack_wait: float = 30.0,
                              max_deliver: int = 10,
                              on_idle: Callable[[], Awaitable[int] | int] | None = None
                              ) -> ConsumeReport:
        """As :meth:`consume`, but the messages fetched together go to a
        :class:`BatchHandler` at once — one unit of work, one commit, for up to ``batch``
        events — and are acknowledged after it returned. The handler runs in a thread of
        its own, one batch at a time, so that a stop (SIGTERM) reaches it mid-batch: it
        finishes the event in hand and the rest is handed back."""
        with ThreadPoolExecutor(max_workers=1, thread_name_prefix="stream-batch") as pool:
            async def batches(msgs: list[Any], report: ConsumeReport) -> None:
                await self._handle_batch(msgs, handler, report, max_deliver, stop, pool)

            return await self._pull(batches, durable, batch=batch, idle_timeout=idle_timeout,
                                    stop=stop, until_idle=until_idle,
                                    max_messages=max_messages, ack_wait=ack_wait,
                                    max_deliver=max_deliver, on_idle=on_idle)

    async def _pull(self, handle: Callable[[list[Any], ConsumeReport], Awaitable[None]],
                    durable: str, *, batch: int, idle_timeout: float,
                    stop: asyncio.Event | None, until_idle: bool | None,
                    max_messages: int | None, ack_wait: float, max_deliver: int,
                    on_idle: Callable[[], Awaitable[int] | int] | None) -> ConsumeReport:
        """The fetch loop of :meth:`consume` and :meth:`consume_batches`."""
        if until_idle is None:
            until_idle = stop is None
        sub = await self._js.pull_subscribe(
            self.subjects, durable=durable, stream=self.stream,
            # No more in flight than one batch: after a crash the next worker gets nothing
            # new until the dead one's batch is redelivered, so events keep their order
            # (a score reads the accounts stored before it).
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_deliver=max_deliver,
                                  ack_wait=ack_wait, max_ack_pending=batch))
        report = ConsumeReport()
        outage = 0
        while not (stop and stop.is_set()):
            if max_messages is not None and report.handled >= max_messages:
                break
            try:
                msgs = await sub.fetch(batch, timeout=idle_timeout)
                outage = 0
            except TimeoutError:  # nats' own, or asyncio's after a long handler
                if await self._idle(sub, on_idle, until_idle):
                    break
                continue
            except NatsError:  # disconnected: the client reconnects; wait and try again
                if self._nc.is_closed:
                    raise
                outage += 1
                report.reconnects += outage == 1
                await asyncio.sleep(min(2.0 ** outage, 30.0) / 4)
                continue
            await handle(msgs, report)
        with contextlib.suppress(NatsError):
            await sub.unsubscribe()
        return report

    async def _hand_back(self, msgs: Sequence[Any], report: ConsumeReport) -> None:
        """Told to stop: these go back at once, to be delivered again in order."""
        for msg in msgs:
            await msg.nak()
        report.handed_back += len(msgs)

    async def _idle(self, sub: Any, on_idle: Callable[[], Awaitable[int] | int] | None,
                    until_idle: bool) -> bool:
        """True when the consumer may stop: nothing pending anywhere."""
        left = on_idle() if on_idle else 0
        if asyncio.iscoroutine(left):
            left = await left
        if not until_idle or left:
            return False
        try:
            info = await sub.consumer_info()
        except (NatsError, TimeoutError):
            return False
        return info.num_pending == 0 and info.num_ack_pending == 0

    @staticmethod
    def _decode(msg: Any) -> dict[str, Any]:
        try:
            record = json.loads(msg.data)
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise PoisonMessage(f"not JSON: {e}") from None
        if not isinstance(record, dict):
            raise PoisonMessage("not a JSON object")
        return record

    async def _handle(self, msg: Any, handler: Handler, report: ConsumeReport,
                      max_deliver: int, stop: asyncio.Event | None = None) -> None:
        try:
            record = self._decode(msg)
            if not await self._call_until_available(msg, handler, record, report, stop):
                await self._hand_back([msg], report)  # told to stop while waiting
                return
        except Exception as e:  # noqa: BLE001 — settled below: dead letter or redelivery
            await self._settle(msg, e, report, max_deliver)
        else:
            await self._settle(msg, None, report, max_deliver)

    async def _settle(self, msg: Any, error: BaseException | None, report: ConsumeReport,
                      max_deliver: int) -> None:
        """Acknowledge a handled message; set a poison message aside at once; hand back a
        failed one for redelivery after a growing delay, or set it aside after
        ``max_deliver`` attempts."""
        if error is None:
            report.handled += 1
            await msg.ack()
            self._count(msg, "handled")
        elif isinstance(error, PoisonMessage):
            report.dead += 1
            await self._dead_letter(msg, str(error))
            self._count(msg, "dead")
        else:
            report.failed += 1
            tries = msg.metadata.num_delivered
            # the error's type only: its message may quote the record
            log.warning("stream.event_failed", stream=self.stream, tries=tries,
                        stream_seq=msg.metadata.sequence.stream, error=type(error).__name__)
            if tries >= max_deliver:
                report.dead += 1
                await self._dead_letter(msg, f"failed {tries} times; last: "
                                             f"{type(error).__name__}: {error}")
                self._count(msg, "dead")
            else:
                await msg.nak(delay=min(2.0 ** tries, 60.0))
                self._count(msg, "failed")

    async def _handle_batch(self, msgs: list[Any], handler: BatchHandler,
                            report: ConsumeReport, max_deliver: int,
                            stop: asyncio.Event | None, pool: ThreadPoolExecutor) -> None:
        """Decode the batch (what is not JSON goes to the dead letters), hand the rest to
        the handler at once, then settle each message by its result — after the handler
        committed."""
        held: list[tuple[Any, dict[str, Any]]] = []
        for msg in msgs:
            try:
                held.append((msg, self._decode(msg)))
            except PoisonMessage as e:
                await self._settle(msg, e, report, max_deliver)
        if not held:
            return
        try:
            results = await self._batch_until_available(held, handler, report, stop, pool)
        except Exception:  # noqa: BLE001 — nothing committed: find the message that fails
            results = await self._one_by_one(held, handler, report, stop, pool)
        taken = list(results or [])  # None: told to stop while the store was away
        for (msg, _), result in zip(held, taken, strict=False):
            await self._settle(msg, result, report, max_deliver)
        await self._hand_back([m for m, _ in held[len(taken):]], report)

    async def _one_by_one(self, held: list[tuple[Any, dict[str, Any]]], handler: BatchHandler,
                          report: ConsumeReport, stop: asyncio.Event | None,
                          pool: ThreadPoolExecutor) -> list[BaseException | None]:
        """After a batch failed (nothing of it committed): each message on its own, so
        that the failure is pinned on the message that causes it and the others go on."""
        out: list[BaseException | None] = []
        for pair in held:
            if stop and stop.is_set():
                break
            try:
                one = await self._batch_until_available([pair], handler, report, stop, pool)
            except Exception as e:  # noqa: BLE001 — this message's failure
                one = [e]
            if not one:  # told to stop
                break
            out.append(one[0])
        return out

    async def _batch_until_available(self, held: list[tuple[Any, dict[str, Any]]],
                                     handler: BatchHandler, report: ConsumeReport,
                                     stop: asyncio.Event | None, pool: ThreadPoolExecutor
                                     ) -> Sequence[BaseException | None] | None:
        """Run the batch handler in ``pool``, waiting out :class:`Unavailable` as
        :meth:`_call_until_available` does; None when told to stop meanwhile."""
        loop = asyncio.get_running_loop()
        records = [r for _, r in held]

        def should_stop() -> bool:
            return stop is not None and stop.is_set()

        delay = 0.5
        while True:
            try:
                return await loop.run_in_executor(pool, handler, records, should_stop)
            except Unavailable as e:
                report.waits += 1
                log.warning("stream.store_unavailable", stream=self.stream,
                            stream_seq=held[0][0].metadata.sequence.stream, error=str(e),
                            retry_in_seconds=delay)
            for msg, _ in held:
                with contextlib.suppress(NatsError, TimeoutError):
                    await msg.in_progress()  # not redelivered to another worker meanwhile
            if not await self._wait(delay, stop):
                return None
            delay = min(delay * 2, 30.0)

    @staticmethod
    async def _wait(seconds: float, stop: asyncio.Event | None) -> bool:
        """Sleep; False when told to stop meanwhile."""
        if stop is None:
            await asyncio.sleep(seconds)
            return True
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=seconds)
        return not stop.is_set()

    async def _call_until_available(self, msg: Any, handler: Handler, record: dict[str, Any],
                                    report: ConsumeReport, stop: asyncio.Event | None
                                    ) -> bool:
        """Run the handler, waiting out :class:`Unavailable` (0.5 s, doubling to 30 s) while
        telling JetStream the message is in progress; False when told to stop meanwhile."""
        delay = 0.5
        while True:
            try:
                result = handler(record)
                if asyncio.iscoroutine(result):
                    await result
                return True
            except Unavailable as e:
                report.waits += 1
                log.warning("stream.store_unavailable", stream=self.stream,
                            stream_seq=msg.metadata.sequence.stream, error=str(e),
                            retry_in_seconds=delay)
            with contextlib.suppress(NatsError, TimeoutError):
                await msg.in_progress()  # not redelivered to another worker meanwhile
            if not await self._wait(delay, stop):
                return False
            delay = min(delay * 2, 30.0)

    def _count(self, msg: Any, result: str) -> None:
        """Metrics: the event's result, and the consumer's lag as JetStream states it in
        every message's metadata (messages left undelivered after this one)."""
        EVENTS_IN.labels(self.stream, result).inc()
        CONSUMER_LAG.labels(self.stream).set(msg.metadata.num_pending)
        if result == "dead":
            log.warning("stream.dead_letter", stream=self.stream,
                        stream_seq=msg.metadata.sequence.stream)
