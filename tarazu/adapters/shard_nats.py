"""Shards of the mirror index over NATS request-reply.

A shard worker subscribes to ``tarazu.mirrors.shard.<name>.<call>`` (``counts``,
``propose``, ``needs``, ``compare``; a queue group per shard, so replicas of one shard share
its requests) and answers with :class:`tarazu.linkage.shard_protocol.ShardHandler`. The
merger's side, :class:`NatsShards`, sends each call with a deadline: no answer in time (or no
shard listening, or a shard that failed) raises ``ShardUnavailable``, which makes the answer
incomplete (``MatchResult.complete``) rather than wrong or late.

The merger is synchronous code; NATS is asyncio. :class:`NatsShards` keeps one connection on
an event loop in a thread of its own and waits on each request's future from the caller's
thread, so that several shards are asked at once (``ShardedLinker(parallel=True)``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import threading
from collections.abc import Callable, Sequence
from typing import Any

import nats
import structlog
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.shard_feed import FeedEvent, apply
from tarazu.linkage.shard_protocol import RemoteShard, Send, ShardHandler
from tarazu.linkage.shards import ShardLinker, ShardUnavailable, shard_of
from tarazu.linkage.snapshot import decode_profiles, encode_profiles

SUBJECT = "tarazu.mirrors.shard"
#: The stream and subjects of the shards' removals and withdrawals (:class:`ShardFeed`).
FEED_STREAM, FEED = "TARAZU_SHARD_FEED", "tarazu.mirrors.feed"
#: Header of a feed event: the account removed or withdrawn.
ACCOUNT = "Tarazu-Account"
#: Header of a reply that is an error, not an answer (the shard failed on the request).
ERROR = "Tarazu-Shard-Error"

log = structlog.get_logger("tarazu.shards")


def subject(name: str, call: str, prefix: str = SUBJECT) -> str:
    """``prefix``: of the subjects of one set of shards (tests and benches keep theirs apart
    from any other on the same server)."""
    return f"{prefix}.{name}.{call}"


class ShardFeed:
    """The removals and withdrawals of the removed set on a JetStream stream, one subject per
    shard (``<prefix>.<shard name>``, the shard :func:`shard_of` names): a removal carries the
    profile (``snapshot.encode_profiles``), a withdrawal only the account id; an event's
    position is its sequence number in the stream, increasing over all shards
    (``linkage.shard_feed``)."""

    def __init__(self, js: Any, names: Sequence[str], stream: str = FEED_STREAM,
                 prefix: str = FEED) -> None:
        """``js``: a JetStream context (None: one given later, :meth:`on`)."""
        self.js, self.names, self.stream, self.prefix = js, list(names), stream, prefix

    def on(self, js: Any) -> ShardFeed:
        """The same feed through another connection's JetStream context."""
        return ShardFeed(js, self.names, self.stream, self.prefix)

    def subject(self, name: str) -> str:
        return f"{self.prefix}.{name}"

    async def ensure(self) -> None:
        try:
            await self.js.stream_info(self.stream)
        except NotFoundError:
            await self.js.add_stream(StreamConfig(name=self.stream, subjects=[f"{self.prefix}.*"]))

    async def delete(self) -> None:
        with contextlib.suppress(NotFoundError):
            await self.js.delete_stream(self.stream)

    async def _publish(self, account_id: str, data: bytes) -> int:
        ack = await self.js.publish(self.subject(shard_of(account_id, self.names)), data,
                                    stream=self.stream, headers={ACCOUNT: account_id})
        return int(ack.seq)

    async def remove(self, profile: AccountProfile) -> int:
        """Publish a removal; returns its position."""
        return await self._publish(profile.account_id, encode_profiles([profile]))

    async def withdraw(self, account_id: str) -> int:
        """Publish a withdrawal; returns its position."""
        return await self._publish(account_id, b"")

    @staticmethod
    def event(msg: Any) -> FeedEvent:
        profile = decode_profiles(msg.data)[0] if msg.data else None
        return FeedEvent(int(msg.metadata.sequence.stream), msg.headers[ACCOUNT], profile)


async def follow_feed(feed: ShardFeed, name: str, shard: ShardLinker,
                      applied: Callable[[], None] | None = None) -> Any:
    """Take shard ``name``'s events after its position from ``feed`` into ``shard`` (in this
    loop, between the calls it answers), calling ``applied`` after each; returns once it has
    taken every event published before (the subscription, which goes on)."""
    js, subject = feed.js, feed.subject(name)

    async def on_event(msg: Any) -> None:
        if apply(shard, ShardFeed.event(msg)) and applied is not None:
            applied()

    sub = await js.subscribe(subject, stream=feed.stream, cb=on_event, ordered_consumer=True,
                             config=ConsumerConfig(deliver_policy=DeliverPolicy.BY_START_SEQUENCE,
                                                   opt_start_seq=shard.position + 1))
    try:
        last = int((await js.get_last_msg(feed.stream, subject)).seq)
    except NotFoundError:
        last = 0
    while shard.position < last:
        await asyncio.sleep(0.01)
    return sub


async def serve_shard(handler: ShardHandler, url: str, name: str, stop: asyncio.Event,
                      ready: Callable[[], None] | None = None,
                      feed: ShardFeed | None = None,
                      applied: Callable[[], None] | None = None,
                      prefix: str = SUBJECT) -> int:
    """Answer shard ``name``'s calls until ``stop`` is set; returns how many were answered.
    The calls are answered one at a time, on this loop: a shard's work is CPU-bound.
    ``feed``: take the shard's removals and withdrawals from it (:func:`follow_feed`, which
    ``applied`` follows), answering only once every event published before is taken.
    ``prefix``: of the subjects answered (:func:`subject`)."""
    nc = await nats.connect(url, name=f"tarazu-shard-{name}")
    answered = 0
    if feed is not None:
        await follow_feed(feed.on(nc.jetstream()), name, handler.linker, applied)

    async def on_request(msg) -> None:  # type: ignore[no-untyped-def]
        nonlocal answered
        call = msg.subject.rsplit(".", 1)[-1]
        try:
            reply = handler.handle(call, msg.data)
        except Exception as e:  # the merger hears of it at once, not at its deadline
            log.warning("shard_call_failed", shard=name, call=call, error=repr(e))
            await nc.publish(msg.reply, b"", headers={ERROR: f"{type(e).__name__}: {e}"[:500]})
            return
        answered += 1
        await msg.respond(reply)

    await nc.subscribe(subject(name, "*", prefix), queue=f"shard-{name}", cb=on_request)
    await nc.flush()
    if ready is not None:
        ready()
    try:
        await stop.wait()
    finally:
        await nc.drain()
    return answered


class NatsShards:
    """The merger's connection to the shards ``names``: :meth:`ports` gives one
    :class:`RemoteShard` per shard, each call waiting at most ``timeout`` seconds."""

    def __init__(self, url: str, names: Sequence[str], timeout: float = 2.0,
                 prefix: str = SUBJECT) -> None:
        self.names = list(names)
        self.prefix = prefix
        self.timeout = timeout
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="nats-shards")
        self._thread.start()
        self._nc = self._run(nats.connect(url, name="tarazu-shard-merger"), timeout + 5)

    def _run(self, coro, wait: float):  # type: ignore[no-untyped-def]
        return asyncio.run_coroutine_threadsafe(coro, self._loop).result(wait)

    def send_to(self, name: str) -> Send:
        def send(call: str, data: bytes) -> bytes:
            try:
                msg = self._run(self._nc.request(subject(name, call, self.prefix), data,
                                                 timeout=self.timeout), self.timeout + 1)
            except (NatsError, TimeoutError, concurrent.futures.TimeoutError, OSError) as e:
                raise ShardUnavailable(f"shard {name}: {type(e).__name__}") from e
            if msg.headers and ERROR in msg.headers:
                raise ShardUnavailable(f"shard {name}: {msg.headers[ERROR]}")
            return msg.data
        return send

    def ports(self) -> list[RemoteShard]:
        return [RemoteShard(self.send_to(n)) for n in self.names]

    def close(self) -> None:
        try:
            self._run(self._nc.close(), self.timeout + 5)
        finally:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(5)

    def __enter__(self) -> NatsShards:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
