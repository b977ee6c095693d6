"""The stream worker scoring through shards (``tarazu stream worker --shards 2``), through the
real NATS server (127.0.0.1:4222): two shard worker processes (``tarazu stream shard``) fed
only by what the worker publishes to their feed, and the worker consuming a small stream of
platform events — removals, a reinstatement, sign-ups, posts — records the very flags and
decisions the worker holding the reference set itself records from the same events. With a
shard stopped, the answers are incomplete and no account is acted on automatically."""

from __future__ import annotations

import asyncio
import os
from datetime import timedelta

import nats

from bench.shard_speed import NATS_URL, start_workers, stop_workers
from tarazu.adapters.shard_nats import ShardFeed
from tarazu.bootstrap import bootstrap
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.entrypoints.cli.stream import ShardSet, build_detector, publish_records, run_worker
from tarazu.linkage.shards import shard_names, shard_of
from tests.conftest import _fresh_sqlite, make_settings
from tests.integration.mirrors import data
from tests.integration.mirrors.test_stream import _delete

PID = os.getpid()
EVENTS, EVENT_SUBJECTS = f"TEST_SHARDED_WORKER_{PID}", f"test_sharded_worker_{PID}.>"
FEED_STREAM, FEED_PREFIX = f"TARAZU_SHARD_FEED_W{PID}", f"tarazu.testw{PID}.feed"
CALLS = f"tarazu.testw{PID}.shard"  # apart from any other shards on the same server
NAMES = shard_names(2)


def _envelope(record: dict) -> dict:
    if record["type"] == "post":
        return {"type": "post.created", "event_id": f"post:{record['post_id']}",
                "record": record}
    kind = "account.removed" if record["status"] == "removed" else "account.updated"
    return {"type": kind, "event_id": f"{kind}:{record['account_id']}:{record.get('bio')}",
            "record": record}


def _events() -> list[dict]:
    """Removals, then sign-ups and posts; one removed account reinstated among them."""
    out = data.removed()
    reinstated = next(r for r in out if r.get("account_id") == "o3")
    return [_envelope(r) for r in [
        *out,
        *data.mirror("m1"),
        {**reinstated, "status": "active", "bio": "Back again."},
        *data.journalist("j1"),
        data.account("g5", "@gardener5_", data.T0 + timedelta(hours=2),
                     display_name="Garden Fan 5", bio="Seeds and soil."),
        data.account("g3", "@gardener3_", data.T0 + timedelta(hours=3),
                     display_name="Garden Fan 3", bio="Seeds and soil."),
        *data.mirror("m2"),
    ]]


def _log(app) -> dict[str, list[tuple[str, dict]]]:
    """Every account's flags and decisions (their payloads), by account."""
    out = {}
    with app.uow() as uow:
        for a in uow.platform.iter_accounts():
            events = uow.events.for_subject(SubjectRef.account(a.platform, a.account_id))
            out[a.account_id] = [(e.kind.value, dict(e.payload)) for e in events
                                 if e.kind in (EventKind.MIRROR_FLAG, EventKind.DECISION)]
    return out


def _feed(delete: bool = False) -> None:
    async def run() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            feed = ShardFeed(nc.jetstream(), NAMES, FEED_STREAM, FEED_PREFIX)
            await (feed.delete() if delete else feed.ensure())
        finally:
            await nc.close()
    asyncio.run(run())


def _consume(app, detector, durable: str, rebuild=None):
    return asyncio.run(run_worker(app, detector, url=NATS_URL, stream=EVENTS,
                                  subjects=EVENT_SUBJECTS, durable=durable, until_idle=True,
                                  idle_timeout=0.2, rebuild=rebuild))


def test_the_worker_through_shards_flags_as_the_worker_holding_the_set(
        sqlite_app, migrated_sqlite, tmp_path, clock):
    plain_app = sqlite_app
    home = tmp_path / "sharded"
    home.mkdir()
    _fresh_sqlite(migrated_sqlite, home)
    sharded_app = bootstrap(make_settings(home, None), clock=clock)
    events = _events()
    _feed(delete=True)
    _feed()
    procs, shard_set = [], None
    try:
        procs = start_workers(None, 2, more=lambda k: [
            "--feed-stream", FEED_STREAM, "--feed-prefix", FEED_PREFIX, "--subject", CALLS])
        asyncio.run(publish_records(NATS_URL, events, EVENTS, EVENT_SUBJECTS))
        plain = build_detector(plain_app)
        plain_report = _consume(plain_app, plain, "plain")

        shard_set = ShardSet(NATS_URL, 2, CALLS, FEED_STREAM, FEED_PREFIX, timeout=10.0)
        sharded = build_detector(sharded_app, shards=shard_set)
        assert sharded.size == 0 and not sharded.linker.removed
        report = _consume(sharded_app, sharded, "sharded",
                          rebuild=lambda: build_detector(sharded_app, shards=shard_set))
        assert report.handled == plain_report.handled == len(events)
        assert report.failed == report.dead == 0

        want, got = _log(plain_app), _log(sharded_app)
        assert got == want
        assert [p["removed_account"] for k, p in want["m1"] if k == "mirror_flag"] == ["x:r1"]
        assert any(k == "decision" for k, _ in want["m1"])  # acted on automatically
        assert not any(p["removed_account"] == "x:o3" for k, p in want["g3"]
                       if k == "mirror_flag")  # reinstated: no longer in the set
        assert set(sharded._held()) == set(plain._held()) and "x:o3" not in sharded
        assert not sharded.linker.removed  # the worker holds no profile itself
        assert sharded.linker.incomplete == set()

        # a restarted worker starts from the feed: the set as the shards hold it, nothing
        # published again
        again = build_detector(sharded_app, shards=shard_set)
        assert set(again._held()) == set(plain._held())

        # one shard stopped: the answer for a new mirror of r1 misses it, and nothing is
        # acted on automatically; the flag waits for a reviewer
        down = 1 - NAMES.index(shard_of("x:r1", NAMES))
        stop_workers([procs[down]])
        asyncio.run(publish_records(NATS_URL, [_envelope(r) for r in data.mirror("m3")],
                                    EVENTS, EVENT_SUBJECTS))
        shard_set.conn.timeout = 0.5
        _consume(sharded_app, again, "sharded")
        m3 = _log(sharded_app)["m3"]
        flags = [p for k, p in m3 if k == "mirror_flag"]
        assert flags and flags[0]["removed_account"] == "x:r1"
        assert flags[0]["probability"] >= flags[0]["thresholds"]["auto_action"]
        assert not any(k == "decision" for k, _ in m3)
        assert any("did not answer" in r for r in flags[0]["policy_reasons"])
    finally:
        if shard_set is not None:
            shard_set.close()
        stop_workers([p for p in procs if p.poll() is None])
        asyncio.run(_delete(EVENTS, EVENT_SUBJECTS))
        _feed(delete=True)
        sharded_app.engine.dispose()
