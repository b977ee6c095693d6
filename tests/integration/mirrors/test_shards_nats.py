"""Two shard worker processes answering over a real NATS server (127.0.0.1:4222): the merged
answers are one linker's, byte for byte; a shard that stops answering (paused, so that only
the deadline tells) makes the answers incomplete and never automatic; once it answers again,
so are the answers."""

from __future__ import annotations

import os
import signal
import time

import pytest

from bench.shard_speed import NATS_URL, start_workers, stop_workers
from bench.synthetic_accounts import Generator, linker_holding
from tarazu.adapters.shard_nats import NatsShards
from tarazu.linkage import LinkPolicy, decide, load_model
from tarazu.linkage.policy import AUTO_ACTION
from tarazu.linkage.profile import build_profiles
from tarazu.linkage.shards import ShardedLinker, ShardUnavailable, shard_names
from tarazu.linkage.snapshot import encode_profiles

#: the subjects of these shards, apart from any other shards' on the same server
PREFIX = f"tarazu.test{os.getpid()}.shard"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    gen = Generator(21)
    removed = list(gen.removed_set(500))
    stream = gen.new_accounts(30, removed, mirror_share=0.8)
    profiles = build_profiles([a for a, _ in removed], {a.account_id: ps for a, ps in removed})
    path = tmp_path_factory.mktemp("shards") / "profiles.npz"
    path.write_bytes(encode_profiles(profiles))
    one = linker_holding(removed)
    for a, _ in removed[::7]:  # the workers withdraw the same accounts
        one.withdraw(a.account_id)
    procs = start_workers(path, 2, withdraw_every=7, url=NATS_URL,
                          more=lambda k: ["--subject", PREFIX])
    yield one, stream, procs
    stop_workers(procs)


def test_two_shard_workers_over_nats_give_the_one_linker_answer(world):
    one, stream, _ = world
    want = [[repr(r) for r in one.score(a, ps)] for a, ps in stream]
    with NatsShards(NATS_URL, shard_names(2), timeout=10.0, prefix=PREFIX) as shards:
        merger = ShardedLinker(load_model("default"), shards.ports(), parallel=True)
        got = [[repr(r) for r in merger.score(a, ps)] for a, ps in stream]
    assert not merger.incomplete
    assert sum(map(len, want)) > 100
    assert got == want


def test_a_shard_past_its_deadline_makes_answers_incomplete_and_never_automatic(world):
    _, stream, procs = world
    policy = LinkPolicy(review_threshold=0.0, auto_threshold=0.0, min_independent_strong=0)
    with NatsShards(NATS_URL, shard_names(2), timeout=10.0, prefix=PREFIX) as shards:
        merger = ShardedLinker(load_model("default"), shards.ports(), parallel=True)
        full = [merger.score(a, ps) for a, ps in stream[:10]]
        assert any(decide(r, policy).action == AUTO_ACTION for rs in full for r in rs)
        shards.timeout = 0.5
        os.kill(procs[1].pid, signal.SIGSTOP)
        try:
            t = time.perf_counter()
            part = [merger.score(a, ps) for a, ps in stream[:10]]
            took = time.perf_counter() - t
        finally:
            os.kill(procs[1].pid, signal.SIGCONT)
        got = [r for rs in part for r in rs]
        assert got and not any(r.complete for r in got)
        assert merger.incomplete == {a.account_id for a, _ in stream[:10]}
        assert not any(decide(r, policy).action == AUTO_ACTION for r in got)
        assert took < 10 * 3 * 0.5 + 10  # each call waited its deadline, no longer
        shards.timeout = 10.0
        time.sleep(0.5)  # the resumed worker answers the requests it missed (to nobody)
        again = [merger.score(a, ps) for a, ps in stream[:10]]
    assert not merger.incomplete and all(r.complete for rs in again for r in rs)


def test_a_shard_that_fails_on_a_call_says_so_at_once(world):
    """The error travels back as a reply with the error header: the merger hears of it at
    once, not at its deadline."""
    with NatsShards(NATS_URL, shard_names(2), timeout=10.0, prefix=PREFIX) as shards:
        t = time.perf_counter()
        with pytest.raises(ShardUnavailable, match="unknown shard call"):
            shards.send_to("0")("nonsense", b"{}")
        assert time.perf_counter() - t < 5
