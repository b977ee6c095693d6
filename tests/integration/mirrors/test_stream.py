"""Streaming mirror detection through the real NATS JetStream server: a removal and a new
account published as platform events; the worker flags the mirror within seconds."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
import uuid

import nats
from nats.js.errors import NotFoundError
from typer.testing import CliRunner

from tarazu.adapters.broker import PlatformEventStream
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.entrypoints.cli import app as cli
from tarazu.entrypoints.cli.stream import publish_records, run_worker
from tests.integration.mirrors import data
from tests.integration.mirrors.conftest import detector, store

NATS_URL = os.environ.get("TARAZU_NATS_URL", "nats://127.0.0.1:4222")


def _names() -> tuple[str, str]:
    name = f"TEST_MIRRORS_{uuid.uuid4().hex[:8].upper()}"
    return name, f"{name.lower()}.>"


def _envelope(kind: str, record: dict) -> dict:
    rid = record.get("post_id") or record["account_id"]
    return {"type": kind, "event_id": f"{kind}:{rid}", "record": record}


def _flags(app, ref):
    with app.uow() as uow:
        return [e for e in uow.events.for_subject(ref) if e.kind is EventKind.MIRROR_FLAG]


async def _delete(stream: str, subjects: str) -> None:
    async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
        await s.delete()


def test_worker_flags_a_mirror_seconds_after_its_sign_up(sqlite_app):
    app = sqlite_app
    det = detector(app)  # empty store: the removal arrives on the stream
    stream, subjects = _names()
    removal = [_envelope("account.removed" if r["type"] == "account" else "post.created", r)
               for r in data.removed()[:31]]  # r1 and its posts
    mirror = [_envelope("account.created" if r["type"] == "account" else "post.created", r)
              for r in data.mirror()]
    journalist = [_envelope("account.created" if r["type"] == "account" else "post.created",
                            r) for r in data.journalist()]
    seen = {}

    async def scenario():
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(
            app, det, url=NATS_URL, stream=stream, subjects=subjects, durable="w1",
            stop=stop, idle_timeout=0.2))
        try:
            await publish_records(NATS_URL, removal, stream, subjects)
            t0 = time.monotonic()
            await publish_records(NATS_URL, mirror[:1], stream, subjects)  # the sign-up alone
            while not _flags(app, SubjectRef.account("x", "m1")):
                assert time.monotonic() - t0 < 10, "no flag within 10 s"
                await asyncio.sleep(0.1)
            seen["latency"] = time.monotonic() - t0
            await publish_records(NATS_URL, mirror[1:] + journalist, stream, subjects)
            t1 = time.monotonic()
            while not any(e.kind is EventKind.MIRROR_FLAG or e.kind is EventKind.NOTE
                          for e in _all(app, "j1")) and time.monotonic() - t1 < 3:
                await asyncio.sleep(0.1)
        finally:
            stop.set()
            report = await asyncio.wait_for(worker, timeout=10)
            await _delete(stream, subjects)
        return report

    report = asyncio.run(scenario())
    assert seen["latency"] < 5
    assert report.failed == 0 and report.handled == len(removal) + len(mirror) + 6
    assert "x:r1" in det
    flag = _flags(app, SubjectRef.account("x", "m1"))[0].payload
    assert flag["removed_account"] == "x:r1"
    with app.uow() as uow:
        assert uow.platform.get_account("x", "m1") is not None
    # the journalist covering the group: nothing at the auto-action threshold, no decision
    j = _all(app, "j1")
    assert not [e for e in j if e.kind is EventKind.DECISION]
    assert all(e.payload["probability"] < e.payload["thresholds"]["auto_action"]
               for e in j if e.kind is EventKind.MIRROR_FLAG)


def _all(app, account_id):
    with app.uow() as uow:
        return uow.events.for_subject(SubjectRef.account("x", account_id))


def test_publish_command_puts_records_on_the_stream(tmp_path, monkeypatch):
    stream, subjects = _names()
    f = tmp_path / "records.jsonl"
    f.write_text("\n".join(json.dumps(r) for r in data.mirror()) + "\n", encoding="utf-8")
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TARAZU_NATS_URL", NATS_URL)
    r = CliRunner().invoke(cli, ["stream", "publish", str(f), "--stream", stream,
                                 "--subjects", subjects])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["published"] == 6
    r = CliRunner().invoke(cli, ["stream", "publish", str(f), "--stream", stream,
                                 "--subjects", subjects])  # again: deduplicated
    assert r.exit_code == 0, r.output
    assert {k: v for k, v in json.loads(r.stdout).items() if k != "stream"} == \
        {"published": 0, "duplicates": 6}

    async def count():
        async with PlatformEventStream(NATS_URL, stream=stream, subjects=subjects) as s:
            info = await s._js.stream_info(stream)
            await s.delete()
        return info.state.messages

    assert asyncio.run(count()) == 6


def test_publish_names_a_bad_line(tmp_path, monkeypatch):
    f = tmp_path / "bad.jsonl"
    f.write_text('{"type": "account", "account_id": "a"}\n[1, 2]\n', encoding="utf-8")
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path / "home"))
    r = CliRunner().invoke(cli, ["stream", "publish", str(f)])
    assert r.exit_code == 1 and "line 2" in r.output and "'type'" in r.output


def test_worker_scores_accounts_stored_by_an_import_or_the_http_endpoint(reference):
    """An account that first arrives through `tarazu ingest` (or POST /api/platform/events)
    is marked for scoring in the same transaction; the worker scores it when the stream is
    quiet, once."""
    app = reference
    det = detector(app)
    store(app, data.mirror())  # what ingest does: upserts
    stream, subjects = _names()

    async def run():
        try:
            return await run_worker(app, det, url=NATS_URL, stream=stream, subjects=subjects,
                                    durable="w", until_idle=True, idle_timeout=0.2)
        finally:
            await _delete(stream, subjects)

    asyncio.run(run())
    flags = _flags(app, SubjectRef.account("x", "m1"))
    assert [f.payload["removed_account"] for f in flags] == ["x:r1"]
    with app.uow() as uow:
        assert uow.platform.scoring_backlog() == 0
    asyncio.run(run())  # nothing left to do: nothing written twice
    assert len(_flags(app, SubjectRef.account("x", "m1"))) == 1


def _cli_publish(tmp_path, monkeypatch, stream: str, subjects: str, records: int):
    f = tmp_path / "records.jsonl"
    f.write_text("".join(json.dumps(r) + "\n" for r in data.mirror()[:records]),
                 encoding="utf-8")
    monkeypatch.setenv("TARAZU_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("TARAZU_NATS_URL", NATS_URL)
    return CliRunner().invoke(cli, ["stream", "publish", str(f), "--stream", stream,
                                    "--subjects", subjects])


def test_publish_says_which_record_the_broker_did_not_take_and_what_landed(tmp_path,
                                                                          monkeypatch):
    """A stream that takes one message and refuses more: the command stops at the second
    record with a message naming it and how many were published, not a traceback."""
    from nats.js.api import DiscardPolicy, StreamConfig

    stream, subjects = _names()

    async def make(config):  # the stream as given; None: it and its dead letters deleted
        nc = await nats.connect(NATS_URL)
        js = nc.jetstream()
        try:
            if config is not None:
                return await js.add_stream(config)
            for name in (stream, f"{stream}_DEAD"):
                with contextlib.suppress(NotFoundError):
                    await js.delete_stream(name)
        finally:
            await nc.close()

    asyncio.run(make(StreamConfig(name=stream, subjects=[subjects], max_msgs=1,
                                  discard=DiscardPolicy.NEW)))
    try:
        r = _cli_publish(tmp_path, monkeypatch, stream, subjects, 3)
    finally:
        asyncio.run(make(None))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert "record 2 not published" in r.output and "the 1 records before it" in r.output


def test_publish_to_subjects_another_stream_holds_is_a_clear_refusal(tmp_path, monkeypatch):
    stream, subjects = _names()
    other, _ = _names()

    async def hold(delete: bool):
        async with PlatformEventStream(NATS_URL, stream=other, subjects=subjects) as s:
            if delete:
                await s.delete()

    asyncio.run(hold(False))
    try:
        r = _cli_publish(tmp_path, monkeypatch, stream, subjects, 1)
    finally:
        asyncio.run(hold(True))
    assert r.exit_code == 1 and "Traceback" not in r.output
    assert f"refused stream {stream!r}" in r.output
