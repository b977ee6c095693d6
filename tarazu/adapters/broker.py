"""Platform event streams on NATS JetStream.

Platforms publish interchange records (``account`` / ``post``, plus lifecycle events such as
``account.removed``) to the stream ``PLATFORM_EVENTS`` under ``platform.events.<platform>.<kind>``.
Publishing sets ``Nats-Msg-Id`` so JetStream drops a retried publish (idempotent producer); a
durable pull consumer acknowledges a message only after its handler committed, so every event is
handled at least once and handlers are idempotent (ingest upserts, events carry keys)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import nats
from nats.js.api import AckPolicy, ConsumerConfig, StreamConfig
from nats.js.errors import NotFoundError

STREAM = "PLATFORM_EVENTS"
SUBJECTS = "platform.events.>"

Handler = Callable[[dict[str, Any]], Awaitable[None] | None]


def subject_for(record: dict[str, Any], prefix: str = "platform.events") -> str:
    platform = str(record.get("platform") or (record.get("record") or {}).get("platform")
                   or "default").replace(".", "_")
    kind = str(record.get("event") or record.get("type") or "record").replace(".", "_")
    return f"{prefix}.{platform}.{kind}"


def message_id(record: dict[str, Any]) -> str:
    """A stable id: the same record published twice is one message."""
    key = record.get("event_id") or record.get("post_id") or record.get("account_id")
    return f"{record.get('platform', 'default')}:{record.get('type')}:{key}:" \
           f"{record.get('event', '')}:{record.get('status', '')}"


@dataclass
class ConsumeReport:
    handled: int = 0
    failed: int = 0


class PlatformEventStream:
    def __init__(self, url: str, stream: str = STREAM, subjects: str = SUBJECTS) -> None:
        self.url = url
        self.stream = stream
        self.subjects = subjects
        self._nc: Any = None
        self._js: Any = None

    async def __aenter__(self) -> PlatformEventStream:
        self._nc = await nats.connect(self.url, connect_timeout=5, max_reconnect_attempts=3)
        self._js = self._nc.jetstream()
        await self.ensure_stream()
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._nc is not None:
            await self._nc.drain()

    async def ensure_stream(self) -> None:
        try:
            await self._js.stream_info(self.stream)
        except NotFoundError:
            await self._js.add_stream(StreamConfig(name=self.stream, subjects=[self.subjects],
                                                   duplicate_window=3600.0))

    async def publish(self, record: dict[str, Any]) -> int:
        ack = await self._js.publish(
            subject_for(record, self.subjects.removesuffix(".>")),
            json.dumps(record, ensure_ascii=False).encode(),
            stream=self.stream, headers={"Nats-Msg-Id": message_id(record)})
        return int(ack.seq)

    async def consume(self, handler: Handler, durable: str, *, batch: int = 100,
                      idle_timeout: float = 1.0, stop: asyncio.Event | None = None,
                      max_messages: int | None = None) -> ConsumeReport:
        """Pull and handle messages until ``stop`` is set, or — without ``stop`` — until the
        stream has nothing more for ``idle_timeout`` seconds. A handler error leaves the
        message un-acknowledged (negative ack) so it is redelivered."""
        sub = await self._js.pull_subscribe(
            self.subjects, durable=durable, stream=self.stream,
            config=ConsumerConfig(ack_policy=AckPolicy.EXPLICIT, max_deliver=10,
                                  ack_wait=30.0))
        report = ConsumeReport()
        while not (stop and stop.is_set()):
            if max_messages is not None and report.handled >= max_messages:
                break
            try:
                msgs = await sub.fetch(batch, timeout=idle_timeout)
            except TimeoutError:  # nats' own, or asyncio's after a long handler
                if stop is None:
                    break
                continue
            for msg in msgs:
                try:
                    result = handler(json.loads(msg.data))
                    if asyncio.iscoroutine(result):
                        await result
                except Exception:  # noqa: BLE001 — any handler failure means: redeliver
                    report.failed += 1
                    await msg.nak(delay=1.0)
                else:
                    report.handled += 1
                    await msg.ack()
        await sub.unsubscribe()
        return report
