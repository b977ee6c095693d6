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
import time
from collections.abc import Callable, Sequence
from typing import Any

import nats
import structlog
from nats.errors import Error as NatsError
from nats.js.api import ConsumerConfig, DeliverPolicy, StreamConfig
from nats.js.errors import NotFoundError

from tarazu.adapters.shard_subjects import FEED, FEED_STREAM, SUBJECT
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.shard_feed import FeedEvent, apply
from tarazu.linkage.shard_protocol import RemoteShard, Send, ShardHandler
from tarazu.linkage.shards import ShardLinker, ShardUnavailable, shard_of
from tarazu.linkage.snapshot import decode_profiles, encode_profiles
from tarazu.service.mirrors.sharded import FeedUnavailable

#: Header of a feed event: the account removed or withdrawn.
ACCOUNT = "Tarazu-Account"
#: Header of a feed removal: the fingerprint of the record the profile was built from (the
#: stream worker's, to know at its restart which records changed since).
FINGERPRINT = "Tarazu-Fingerprint"
#: Header of a call: the position in the feed of the merger's last event for this shard,
#: which the shard takes before it answers (a score reads every change published before it).
POSITION = "Tarazu-Feed-Position"
#: Header of a reply that is an error, not an answer (the shard failed on the request).
ERROR = "Tarazu-Shard-Error"
#: How long a shard waits to take the events a call was told of before it declines the call.
CATCH_UP = 2.0

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

    async def _publish(self, account_id: str, data: bytes,
                       fingerprint: str | None = None) -> int:
        headers = {ACCOUNT: account_id}
        if fingerprint:
            headers[FINGERPRINT] = fingerprint
        ack = await self.js.publish(self.subject(shard_of(account_id, self.names)), data,
                                    stream=self.stream, headers=headers)
        return int(ack.seq)

    async def remove(self, profile: AccountProfile, fingerprint: str | None = None) -> int:
        """Publish a removal (``fingerprint``: of the record it was built from); returns its
        position."""
        return await self._publish(profile.account_id, encode_profiles([profile]), fingerprint)

    async def withdraw(self, account_id: str) -> int:
        """Publish a withdrawal; returns its position."""
        return await self._publish(account_id, b"")

    async def state(self) -> tuple[dict[str, str], dict[str, int]]:
        """What the feed has the shards hold: account id -> fingerprint of each account
        whose last event is a removal; and each shard's name -> the position of its last
        event. Reads every event's headers (not the profiles), once."""
        held: dict[str, str] = {}
        last: dict[str, int] = {}
        end = int((await self.js.stream_info(self.stream)).state.last_seq)
        if end == 0:
            return held, last
        sub = await self.js.subscribe(f"{self.prefix}.*", stream=self.stream,
                                      ordered_consumer=True,
                                      config=ConsumerConfig(headers_only=True))
        try:
            seq = 0
            while seq < end:
                msg = await sub.next_msg(timeout=10)
                seq = int(msg.metadata.sequence.stream)
                h = msg.headers or {}
                last[msg.subject.rsplit(".", 1)[-1]] = seq
                if int(h.get("Nats-Msg-Size", len(msg.data))):  # a removal
                    held[h[ACCOUNT]] = h.get(FINGERPRINT, "")
                else:
                    held.pop(h[ACCOUNT], None)
        finally:
            await sub.unsubscribe()
        return held, last

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
                      prefix: str = SUBJECT, catch_up: float = CATCH_UP) -> int:
    """Answer shard ``name``'s calls until ``stop`` is set; returns how many were answered.
    The calls are answered one at a time, on this loop: a shard's work is CPU-bound.
    ``feed``: take the shard's removals and withdrawals from it (:func:`follow_feed`, which
    ``applied`` follows), answering only once every event published before is taken.
    ``prefix``: of the subjects answered (:func:`subject`). A call that names a position in
    the feed (``POSITION``) is answered once the shard has taken it, or declined (an error
    reply: the answer is incomplete) if it has not within ``catch_up`` seconds."""
    nc = await nats.connect(url, name=f"tarazu-shard-{name}")
    answered = 0
    if feed is not None:
        await follow_feed(feed.on(nc.jetstream()), name, handler.linker, applied)

    async def on_request(msg) -> None:  # type: ignore[no-untyped-def]
        nonlocal answered
        call = msg.subject.rsplit(".", 1)[-1]
        wanted = int((msg.headers or {}).get(POSITION, "0"))
        deadline = time.monotonic() + catch_up
        while handler.linker.position < wanted and time.monotonic() < deadline:
            await asyncio.sleep(0.002)  # the feed's events are taken on this loop meanwhile
        try:
            if handler.linker.position < wanted:
                raise ShardUnavailable(f"at feed position {handler.linker.position}, "
                                       f"asked after {wanted}")
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
    :class:`RemoteShard` per shard, each call waiting at most ``timeout`` seconds;
    :meth:`feed` publishes the removed set's changes to them, and each call then names the
    position of the last change its shard must have taken (``published``)."""

    def __init__(self, url: str, names: Sequence[str], timeout: float = 2.0,
                 prefix: str = SUBJECT) -> None:
        self.names = list(names)
        self.prefix = prefix
        self.timeout = timeout
        #: shard name -> position in the feed of the last event published (or found) for it
        self.published: dict[str, int] = {}
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
                at = self.published.get(name)
                headers = {POSITION: str(at)} if at else None
                msg = self._run(self._nc.request(subject(name, call, self.prefix), data,
                                                 timeout=self.timeout, headers=headers),
                                self.timeout + 1)
            except (NatsError, TimeoutError, concurrent.futures.TimeoutError, OSError) as e:
                raise ShardUnavailable(f"shard {name}: {type(e).__name__}") from e
            if msg.headers and ERROR in msg.headers:
                raise ShardUnavailable(f"shard {name}: {msg.headers[ERROR]}")
            return msg.data
        return send

    def ports(self) -> list[RemoteShard]:
        return [RemoteShard(self.send_to(n)) for n in self.names]

    def feed(self, stream: str = FEED_STREAM, prefix: str = FEED) -> NatsReferenceFeed:
        """The shards' feed (created if missing), published through this connection."""
        feed = ShardFeed(self._nc.jetstream(), self.names, stream, prefix)
        self._run(feed.ensure(), self.timeout + 5)
        return NatsReferenceFeed(self, feed)

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


class NatsReferenceFeed:
    """The stream worker's reference set held by shards (the service's ``ReferenceFeed``):
    each change published to the feed and acknowledged by JetStream before the call
    returns; the shards' calls that follow wait until their shard has taken it."""

    def __init__(self, shards: NatsShards, feed: ShardFeed) -> None:
        self.shards, self.feed = shards, feed

    def _run(self, coro, wait: float | None = None):  # type: ignore[no-untyped-def]
        try:
            return self.shards._run(coro, wait or self.shards.timeout + 5)
        except (NatsError, TimeoutError, concurrent.futures.TimeoutError, OSError) as e:
            raise FeedUnavailable(f"shard feed {self.feed.stream}: {type(e).__name__}") from e

    def _published(self, account_id: str, position: int) -> None:
        self.shards.published[shard_of(account_id, self.feed.names)] = position

    def held(self) -> dict[str, str]:
        held, last = self._run(self.feed.state(), 3600)  # each read waits 10 s at most
        self.shards.published.update(last)
        return held

    def remove(self, profile: AccountProfile, fingerprint: str) -> None:
        self._published(profile.account_id, self._run(self.feed.remove(profile, fingerprint)))

    def withdraw(self, account_id: str) -> None:
        self._published(account_id, self._run(self.feed.withdraw(account_id)))
