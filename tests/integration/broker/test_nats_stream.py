"""Platform events through a real NATS JetStream server (127.0.0.1:4222)."""

import asyncio
import json
import os
import uuid

import nats
from nats.js.api import StreamConfig

from tarazu.adapters.broker import PlatformEventStream

NATS_URL = os.environ.get("TARAZU_NATS_URL", "nats://127.0.0.1:4222")


def _stream() -> PlatformEventStream:
    name = f"TEST_{uuid.uuid4().hex[:8].upper()}"
    return PlatformEventStream(NATS_URL, stream=name, subjects=f"{name.lower()}.>")


def _record(i: int) -> dict:
    return {"type": "account", "platform": "x", "account_id": f"a{i}", "handle": f"@h{i}",
            "created_at": "2025-07-25T10:00:00Z", "status": "active"}


async def _cleanup(s: PlatformEventStream) -> None:
    await s.delete()  # the stream and its dead letters


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


async def _publish(s: PlatformEventStream, ids: list[int]) -> None:
    for i in ids:
        await s._js.publish(f"{s.stream.lower()}.x", json.dumps(_record(i)).encode(),
                            headers={"Nats-Msg-Id": f"m{i}"})


def test_a_batch_goes_to_its_handler_at_once_and_is_acknowledged_after_it():
    async def run():
        s = _stream()
        async with s:
            await _publish(s, [1, 2, 3, 4, 5])
            calls: list[list[str]] = []

            def handler(records, should_stop):
                calls.append([r["account_id"] for r in records])
                return [None] * len(records)

            report = await s.consume_batches(handler, durable="b1", batch=3)
            info = await s._js.consumer_info(s.stream, "b1")
            await _cleanup(s)
        return report, calls, info

    report, calls, info = asyncio.run(run())
    assert calls == [["a1", "a2", "a3"], ["a4", "a5"]]
    assert report.handled == 5 and (info.num_pending, info.num_ack_pending) == (0, 0)


def test_a_failing_batch_is_tried_one_by_one_and_only_the_bad_message_comes_again():
    """The handler raises for any batch holding a3 on its first delivery (nothing committed):
    each message is then tried alone, so a1, a2 and a4 are handled and a3, handed back, is
    handled when it comes again."""
    async def run():
        s = _stream()
        async with s:
            await _publish(s, [1, 2, 3, 4])
            committed: list[str] = []
            failed_once: list[str] = []

            def handler(records, should_stop):
                ids = [r["account_id"] for r in records]
                if "a3" in ids and not failed_once:
                    if len(ids) == 1:
                        failed_once.append("a3")
                    raise RuntimeError("a fault in a3")
                committed.extend(ids)
                return [None] * len(records)

            stop = asyncio.Event()

            async def stopper():
                while "a3" not in committed:
                    await asyncio.sleep(0.1)
                stop.set()

            task = asyncio.create_task(stopper())
            report = await asyncio.wait_for(
                s.consume_batches(handler, durable="b2", idle_timeout=0.5, stop=stop),
                timeout=30)
            await task
            await _cleanup(s)
        return report, committed

    report, committed = asyncio.run(run())
    assert committed == ["a1", "a2", "a4", "a3"]
    assert report.failed == 1 and report.handled == 4 and report.dead == 0


def test_records_a_batch_handler_did_not_take_up_are_handed_back_at_once():
    """Told to stop mid-batch, the handler returns the results of the records it took up;
    the rest go back and the next consumer gets them at once, in order."""
    async def run():
        s = _stream()
        async with s:
            await _publish(s, [1, 2, 3, 4])
            stop = asyncio.Event()

            def first_two(records, should_stop):
                stop.set()  # as SIGTERM would, while the batch is in hand
                return [None, None]

            first = await s.consume_batches(first_two, durable="b3", stop=stop)
            seen: list[str] = []

            def rest(records, should_stop):
                seen.extend(r["account_id"] for r in records)
                return [None] * len(records)

            second = await asyncio.wait_for(
                s.consume_batches(rest, durable="b3", idle_timeout=0.5), timeout=4)
            await _cleanup(s)
        return first, second, seen

    first, second, seen = asyncio.run(run())
    assert (first.handled, first.handed_back) == (2, 2)
    assert seen == ["a3", "a4"] and second.handled == 2


def test_a_poison_result_goes_to_the_dead_letters_and_its_batch_is_acknowledged():
    from tarazu.adapters.broker import DEAD_REASON, PoisonMessage

    async def run():
        s = _stream()
        async with s:
            await _publish(s, [1, 2, 3])
            await s._js.publish(f"{s.stream.lower()}.x", b"not json",
                                headers={"Nats-Msg-Id": "raw"})

            def handler(records, should_stop):
                return [PoisonMessage("a2: field 'record'") if r["account_id"] == "a2"
                        else None for r in records]

            report = await s.consume_batches(handler, durable="b4")
            dead = await s.dead_letters()
            info = await s._js.consumer_info(s.stream, "b4")
            for name in (s.stream, f"{s.stream}_DEAD"):
                await s._js.delete_stream(name)
        return report, dead, info

    report, dead, info = asyncio.run(run())
    assert report.handled == 2 and report.dead == 2
    assert sorted(h[DEAD_REASON][:8] for h, _ in dead) == ["a2: fiel", "not JSON"]
    assert (info.num_pending, info.num_ack_pending) == (0, 0)


def test_a_stream_another_client_creates_meanwhile_is_used_not_refused():
    """A worker and a publisher starting together both find the stream missing; the one
    that creates it second is refused by the server. Here another real client creates the
    stream (with another configuration, so that the server refuses ours whatever its
    version does with an identical one) between this client's check and its create: the
    client goes on with the stream that is there instead of failing."""

    async def run():
        s = _stream()
        other = PlatformEventStream(NATS_URL, stream=s.stream, subjects=s.subjects)
        async with other:  # connects; makes the stream, then removes it again
            await other._js.delete_stream(s.stream)
            checked = other._js.stream_info

            async def check_then_someone_creates(name, *a, **kw):
                try:
                    return await checked(name, *a, **kw)
                except Exception:
                    if name == s.stream:
                        await other._js.add_stream(StreamConfig(
                            name=s.stream, subjects=[s.subjects], duplicate_window=60.0))
                    raise

            nc = await nats.connect(NATS_URL)
            s._nc, s._js = nc, nc.jetstream()
            s._js.stream_info = check_then_someone_creates  # the interleaving, not the server
            await s.ensure_stream()
            info = await other._js.stream_info(s.stream)
            await nc.close()
            await other._js.delete_stream(s.stream)
            with_dead = await other._js.stream_info(f"{s.stream}_DEAD")
            await other._js.delete_stream(with_dead.config.name)
        return info

    info = asyncio.run(run())
    assert info.config.duplicate_window == 60.0  # the other client's stream, kept


def test_a_publish_the_stream_does_not_answer_is_tried_again_not_lost():
    """Another client deletes the stream under a publisher (two demos on one broker did so):
    the server has no stream to answer the publish. The publisher makes the stream again and
    the record lands, once; a publisher with no patience left raises instead of losing it
    silently."""

    async def run():
        s = _stream()
        async with s:
            await s._js.delete_stream(s.stream)
            landed = await s.publish(_record(1))
            again = await s.publish(_record(1))  # the same message id: JetStream drops it
            info = await s._js.stream_info(s.stream)
            await s._js.delete_stream(s.stream)
            try:
                await s.publish(_record(2), patience=0.0)
                raised = None
            except Exception as e:  # noqa: BLE001 - which error is what this asserts
                raised = e
            await s.delete()
        return landed, again, info.state.messages, raised

    landed, again, messages, raised = asyncio.run(run())
    assert (landed, again, messages) == (True, False, 1)
    assert type(raised).__name__ == "NoStreamResponseError"
