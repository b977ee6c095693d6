"""Platform events through a real NATS JetStream server (127.0.0.1:4222)."""

import asyncio
import json
import os
import uuid

from tarazu.adapters.broker import PlatformEventStream

NATS_URL = os.environ.get("TARAZU_NATS_URL", "nats://127.0.0.1:4222")


def _stream() -> PlatformEventStream:
    name = f"TEST_{uuid.uuid4().hex[:8].upper()}"
    return PlatformEventStream(NATS_URL, stream=name, subjects=f"{name.lower()}.>")


def _record(i: int) -> dict:
    return {"type": "account", "platform": "x", "account_id": f"a{i}", "handle": f"@h{i}",
            "created_at": "2025-07-25T10:00:00Z", "status": "active"}


async def _cleanup(s: PlatformEventStream) -> None:
    await s._js.delete_stream(s.stream)


def test_publish_is_idempotent_and_consumer_sees_each_once():
    async def run():
        s = _stream()
        async with s:
            seen = []
            seqs = [await s._js.publish(f"{s.stream.lower()}.x", json.dumps(_record(i)).encode(),
                                        headers={"Nats-Msg-Id": f"m{i}"})
                    for i in (1, 2, 2, 3)]
            assert seqs[1].seq == seqs[2].seq  # the retried publish was dropped
            report = await s.consume(lambda r: seen.append(r["account_id"]), durable="t1")
            await _cleanup(s)
        return report, seen

    report, seen = asyncio.run(run())
    assert seen == ["a1", "a2", "a3"] and report.handled == 3


def test_failed_handler_gets_the_message_again():
    async def run():
        s = _stream()
        async with s:
            await s._js.publish(f"{s.stream.lower()}.x", b'{"type":"account","account_id":"z"}',
                                headers={"Nats-Msg-Id": "z"})
            attempts = []

            def flaky(record):
                attempts.append(record["account_id"])
                if len(attempts) == 1:
                    raise RuntimeError("database away")

            stop = asyncio.Event()

            async def stopper():
                while len(attempts) < 2:
                    await asyncio.sleep(0.1)
                stop.set()

            task = asyncio.create_task(stopper())
            report = await asyncio.wait_for(
                s.consume(flaky, durable="t2", idle_timeout=0.5, stop=stop), timeout=20)
            await task
            await _cleanup(s)
        return report, attempts

    report, attempts = asyncio.run(run())
    assert attempts == ["z", "z"] and report.failed == 1 and report.handled == 1


def test_subject_and_message_id_are_stable():
    from tarazu.adapters.broker import message_id, subject_for

    r = _record(1)
    assert subject_for(r) == "platform.events.x.account"
    assert message_id(r) == message_id(dict(r))
    assert message_id(r) != message_id({**r, "status": "removed"})
