"""Shard workers fed by a JetStream stream (127.0.0.1:4222), each saving its part as a
snapshot with the position it reflects: a worker killed (SIGKILL) and restarted from its
snapshot takes the removals and withdrawals made since, those published while it ran and
those published while it was down, and the merged answers are one linker's, byte for byte."""

from __future__ import annotations

import asyncio
import os
import signal
import time

import nats
import numpy as np

from bench.shard_speed import NATS_URL, start_workers, stop_workers
from bench.synthetic_accounts import Generator
from tarazu.adapters.shard_nats import NatsShards, ShardFeed
from tarazu.linkage import MirrorLinker, load_model
from tarazu.linkage.profile import build_profiles
from tarazu.linkage.shards import ShardedLinker, shard_names, shard_of
from tarazu.linkage.snapshot import read_header

NAMES = shard_names(2)
STREAM, PREFIX = f"TARAZU_SHARD_FEED_TEST_{os.getpid()}", f"tarazu.test{os.getpid()}.feed"
CALLS = f"tarazu.test{os.getpid()}.shard"  # apart from any other shards on the same server


def _publish(events: list[tuple[str, object]]) -> list[int]:
    """Publish ("remove", profile) and ("withdraw", account id) events; their positions."""
    async def run() -> list[int]:
        nc = await nats.connect(NATS_URL)
        try:
            feed = ShardFeed(nc.jetstream(), NAMES, STREAM, PREFIX)
            await feed.ensure()
            return [await (feed.remove(x) if kind == "remove" else feed.withdraw(x))
                    for kind, x in events]
        finally:
            await nc.close()
    return asyncio.run(run())


def _delete_stream() -> None:
    async def run() -> None:
        nc = await nats.connect(NATS_URL)
        try:
            await ShardFeed(nc.jetstream(), NAMES, STREAM, PREFIX).delete()
        finally:
            await nc.close()
    asyncio.run(run())


def test_a_shard_worker_restarted_from_its_snapshot_misses_no_removal_or_withdrawal(tmp_path):
    gen = Generator(31)
    removed = list(gen.removed_set(420))
    stream = gen.new_accounts(30, removed, mirror_share=0.8)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    one = MirrorLinker(load_model("default"))

    def feed(events):  # to the workers through the stream, and to the one linker
        for kind, x in events:
            one.add_removed_profile(x) if kind == "remove" else one.withdraw(x)
        return _publish(events)

    snap = [tmp_path / f"shard-{k}.npz" for k in range(2)]

    def more(k):  # shard 0 saves after every event (its snapshot says how far it is),
        every = "1" if k == 0 else "100000"  # shard 1 once caught up, then not again
        return ["--feed-stream", STREAM, "--feed-prefix", PREFIX, "--snapshot", str(snap[k]),
                "--snapshot-every", every, "--subject", CALLS]

    _delete_stream()
    procs = []
    try:
        first = feed([("remove", p) for p in profiles[:250]])
        procs = start_workers(None, 2, more=more)
        at = [read_header(s)["position"] for s in snap]
        assert at == [max(pos for pos, p in zip(first, profiles[:250], strict=True)
                          if shard_of(p.account_id, NAMES) == n) for n in NAMES]
        # while the workers run: removals (one of them again), withdrawals; then shard 1 is
        # killed, and more are made while it is down
        feed([("remove", p) for p in profiles[250:330]] + [("remove", profiles[3])]
             + [("withdraw", p.account_id) for p in profiles[:250:9]])
        os.kill(procs[1].pid, signal.SIGKILL)
        procs[1].wait(10)
        last = [("remove", p) for p in profiles[330:]] + [("withdraw", p.account_id)
                                                           for p in profiles[250::7]]
        positions = feed(last)
        mine = [pos for pos, (_, x) in zip(positions, last, strict=True)
                if shard_of(getattr(x, "account_id", x), NAMES) == "0"]
        deadline = time.monotonic() + 60
        while read_header(snap[0])["position"] < max(mine):  # shard 0 took them all
            assert time.monotonic() < deadline, "shard 0 did not take the events"
            time.sleep(0.1)
        assert read_header(snap[1])["position"] == at[1]  # the snapshot is from before
        procs[1:] = start_workers(None, 2, more=more, shards=[1])
        assert procs[1].ready[3] == str(at[1])  # restarted from its snapshot
        assert int(procs[1].ready[5]) > at[1]  # and took what was made since
        held = sum(shard_of(i, NAMES) == "1" for i in one.removed)
        assert int(procs[1].ready[1]) == held
        want = [[repr(r) for r in one.score(a, ps)] for a, ps in stream]
        with NatsShards(NATS_URL, NAMES, timeout=10.0, prefix=CALLS) as shards:
            merger = ShardedLinker(load_model("default"), shards.ports(), parallel=True)
            got = [[repr(r) for r in merger.score(a, ps)] for a, ps in stream]
        assert not merger.incomplete
        assert sum(map(len, want)) > 50
        assert got == want
        with np.load(snap[1], allow_pickle=False) as z:  # a snapshot, not a pickle
            assert "extra.removal_position.bytes" in z.files
    finally:
        stop_workers(procs)
        _delete_stream()


def test_a_shard_outside_the_set_is_refused_with_the_option_named() -> None:
    from typer.testing import CliRunner

    from tarazu.entrypoints.cli import app as cli

    r = CliRunner().invoke(cli, ["stream", "shard", "--shard", "2", "--of", "2"])
    assert r.exit_code == 2
    assert "--shard" in r.output and "numbered 0 to 1" in r.output
