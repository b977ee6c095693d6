"""The stream worker scoring through shards (``tarazu stream worker --shards 2``), through the
real NATS server (127.0.0.1:4222): two shard worker processes (``tarazu stream shard``) fed
only by what the worker publishes to their feed, and the worker consuming a small stream of
platform events — removals, a reinstatement, sign-ups, posts — records the very flags and
decisions the worker holding the reference set itself records from the same events. With a
shard stopped, the answers are incomplete and no account is acted on automatically."""

from __future__ import annotations

import asyncio
import json
import os
from datetime import timedelta

import nats
import pytest
from typer.testing import CliRunner

from bench.shard_speed import NATS_URL, start_workers, stop_workers
from tarazu.adapters.broker import Unavailable
from tarazu.adapters.shard_nats import ShardFeed
from tarazu.bootstrap import bootstrap
from tarazu.domain.events import EventKind, SubjectRef
from tarazu.entrypoints.cli import app as cli
from tarazu.entrypoints.cli.stream import (
    ShardSet,
    WorkerHandler,
    build_detector,
    publish_records,
    run_worker,
)
from tarazu.interchange import parse_object
from tarazu.linkage import load_model
from tarazu.linkage.shards import ShardedLinker, ShardLinker, shard_names, shard_of
from tarazu.service.mirrors.reference import reference_accounts
from tarazu.service.mirrors.registry import LoadedModel
from tarazu.service.mirrors.sharded import FeedUnavailable, ShardedDetector
from tarazu.service.mirrors.snapshot import sync_reference_set
from tests.conftest import _fresh_sqlite, make_settings
from tests.integration.mirrors import data
from tests.integration.mirrors.test_stream import _delete
from tests.unit.service.test_sharded_detector import ListFeed

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


def _beta() -> tuple[list[dict], list[dict]]:
    """Another removed account (b1, its own picture, links and phrasing) and its mirror."""
    link, avatar = "https://t.me/beta_channel_02", "0f" * 8 + "3" * 48
    style = {"links": [link], "context": "channel:beta", "hashtags": ["betanews"]}
    removed = [data.account("b1", "@beta_press_official", data.T0 - timedelta(days=200),
                            "removed", display_name="Beta Press", links=[link],
                            bio="Official outlet of the Beta press office.", avatar_pdq=avatar),
               *data.posts("b1", 20, data.T0 - timedelta(days=15), "Beta press release",
                           **style)]
    mirror = [data.account("n1", "@beta_press_0fficial2", data.T0 + timedelta(hours=4),
                           display_name="Beta Press", links=[link], avatar_pdq=avatar,
                           bio="Official outlet of the Beta press office!"),
              *data.posts("n1", 5, data.T0 + timedelta(hours=5), "Beta press release",
                          **style)]
    return [_envelope(r) for r in removed], [_envelope(r) for r in mirror]


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


def _worker(monkeypatch, home, durable: str, *more: str) -> dict:
    """``tarazu stream worker --exit-when-idle`` over the events, on the store in ``home``."""
    monkeypatch.setenv("TARAZU_HOME", str(home))
    monkeypatch.setenv("TARAZU_NATS_URL", NATS_URL)
    r = CliRunner().invoke(cli, ["stream", "worker", "--exit-when-idle", "--stream", EVENTS,
                                 "--subjects", EVENT_SUBJECTS, "--durable", durable,
                                 "--rescore-posts-after", "0", *more])
    assert r.exit_code == 0, r.output
    return json.loads(r.stdout[r.stdout.index("{"):])


def _consume(app, detector, durable: str, rebuild=None):
    return asyncio.run(run_worker(app, detector, url=NATS_URL, stream=EVENTS,
                                  subjects=EVENT_SUBJECTS, durable=durable, until_idle=True,
                                  idle_timeout=0.2, rebuild=rebuild))


def test_the_worker_through_shards_flags_as_the_worker_holding_the_set(
        sqlite_app, migrated_sqlite, tmp_path, clock, monkeypatch):
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
        plain_report = _worker(monkeypatch, tmp_path, "plain")
        report = _worker(monkeypatch, home, "sharded", "--shards", "2", "--shard-subject",
                         CALLS, "--feed-stream", FEED_STREAM, "--feed-prefix", FEED_PREFIX,
                         "--shard-timeout", "10")
        assert report["handled"] == plain_report["handled"] == len(events)
        assert report["failed"] == report["dead"] == 0

        want, got = _log(plain_app), _log(sharded_app)
        assert got == want
        assert [p["removed_account"] for k, p in want["m1"] if k == "mirror_flag"] == ["x:r1"]
        assert any(k == "decision" for k, _ in want["m1"])  # acted on automatically
        assert not any(p["removed_account"] == "x:o3" for k, p in want["g3"]
                       if k == "mirror_flag")  # reinstated: no longer in the set
        # a restarted worker starts from the feed: the set as the shards hold it (and as the
        # worker holding it has it), nothing published again
        shard_set = ShardSet(NATS_URL, 2, CALLS, FEED_STREAM, FEED_PREFIX, timeout=10.0)
        published = dict(shard_set.conn.published)
        again = build_detector(sharded_app, shards=shard_set)
        with plain_app.uow() as uow:
            assert set(again._held()) == set(reference_accounts(uow))
        assert "x:o3" not in again and "x:r1" in again
        assert not again.linker.removed  # the worker holds no profile itself
        assert sum(int(p.ready[1]) for p in procs) == 0  # the shards started empty
        assert published == {} and set(shard_set.conn.published) == set(NAMES)
        before = dict(shard_set.conn.published)
        sync = sync_reference_set(sharded_app.uow, again)  # nothing differs from the store
        assert (sync.added, sync.withdrawn) == (0, 0) and shard_set.conn.published == before

        # a call naming a feed position its shard has not taken is declined, not answered
        # from an older set: the answer is incomplete
        m1 = [parse_object(r) for r in data.mirror("m1")]
        assert again.score(m1[0], m1[1:])[0].complete
        shard_set.conn.published[shard_of("x:r1", NAMES)] += 1
        assert not any(r.complete for r in again.score(m1[0], m1[1:]))
        shard_set.conn.published.update(before)

        # one shard stopped: the answer for a mirror of an account the other shard holds
        # misses it, and nothing is acted on automatically; the flag waits for a reviewer
        removal, sign_up = _beta()
        down = 1 - NAMES.index(shard_of("x:b1", NAMES))
        stop_workers([procs[down]])
        asyncio.run(publish_records(NATS_URL, removal, EVENTS, EVENT_SUBJECTS))
        asyncio.run(publish_records(NATS_URL, sign_up, EVENTS, EVENT_SUBJECTS))
        shard_set.conn.timeout = 0.5
        _consume(sharded_app, again, "sharded",
                 rebuild=lambda: build_detector(sharded_app, shards=shard_set))
        assert "x:n1" in again.linker.incomplete
        n1 = _log(sharded_app)["n1"]
        flags = [p for k, p in n1 if k == "mirror_flag"]
        assert flags and flags[0]["removed_account"] == "x:b1"
        assert flags[0]["probability"] >= flags[0]["thresholds"]["auto_action"]
        assert not any(k == "decision" for k, _ in n1)
        assert any("did not answer" in r for r in flags[0]["policy_reasons"])
    finally:
        if shard_set is not None:
            shard_set.close()
        stop_workers([p for p in procs if p.poll() is None])
        asyncio.run(_delete(EVENTS, EVENT_SUBJECTS))
        _feed(delete=True)
        sharded_app.engine.dispose()


class FlakyFeed(ListFeed):
    """The feed, unreachable until ``up`` is set."""

    up = False

    def remove(self, profile, fingerprint: str) -> None:
        if not self.up:
            raise FeedUnavailable("shard feed: TimeoutError")
        super().remove(profile, fingerprint)


def test_a_feed_that_does_not_take_a_change_holds_the_batch_back_as_a_store_away(sqlite_app):
    """Not the events' fault: the batch is not committed, not counted as failed (it would end
    in the dead letters), and is handled once the feed is back."""
    app = sqlite_app
    loaded = LoadedModel(load_model("default"), "default")
    shards = [ShardLinker(loaded.model) for _ in NAMES]
    feed = FlakyFeed(shards)
    det = ShardedDetector(loaded, ShardedLinker(loaded.model, shards), feed)
    handler = WorkerHandler(app, det, rebuild=lambda: ShardedDetector(
        loaded, ShardedLinker(loaded.model, shards), feed))
    batch = [_envelope(r) for r in data.removed()[:3]]  # r1 and two of its posts
    with pytest.raises(Unavailable, match="shard feed"):
        handler(batch, lambda: False)
    with app.uow() as uow:
        assert uow.platform.get_account("x", "r1") is None  # nothing committed
    assert feed.events == [] and "x:r1" not in handler.detector
    feed.up = True
    assert handler(batch, lambda: False) == [None] * 3
    assert "x:r1" in handler.detector
    assert "x:r1" in shards[NAMES.index(shard_of("x:r1", NAMES))].removed
