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
import threading
from collections.abc import Callable, Sequence

import nats
import structlog
from nats.errors import Error as NatsError

from tarazu.linkage.shard_protocol import RemoteShard, Send, ShardHandler
from tarazu.linkage.shards import ShardUnavailable

SUBJECT = "tarazu.mirrors.shard"
#: Header of a reply that is an error, not an answer (the shard failed on the request).
ERROR = "Tarazu-Shard-Error"

log = structlog.get_logger("tarazu.shards")


def subject(name: str, call: str) -> str:
    return f"{SUBJECT}.{name}.{call}"


async def serve_shard(handler: ShardHandler, url: str, name: str, stop: asyncio.Event,
                      ready: Callable[[], None] | None = None) -> int:
    """Answer shard ``name``'s calls until ``stop`` is set; returns how many were answered.
    The calls are answered one at a time, on this loop: a shard's work is CPU-bound."""
    nc = await nats.connect(url, name=f"tarazu-shard-{name}")
    answered = 0

    async def on_request(msg) -> None:  # type: ignore[no-untyped-def]
        nonlocal answered
        call = msg.subject.rsplit(".", 1)[-1]
        try:
            reply = handler.handle(call, msg.data)
        except Exception as e:  # the merger hears of it at once, not at its deadline
            log.warning("shard_call_failed", shard=name, call=call, error=repr(e))
            await msg.respond(b"", headers={ERROR: f"{type(e).__name__}: {e}"[:500]})
            return
        answered += 1
        await msg.respond(reply)

    await nc.subscribe(subject(name, "*"), queue=f"shard-{name}", cb=on_request)
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

    def __init__(self, url: str, names: Sequence[str], timeout: float = 2.0) -> None:
        self.names = list(names)
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
                msg = self._run(self._nc.request(subject(name, call), data,
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
