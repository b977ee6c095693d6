"""A detector whose reference set is held by shards (``ShardedDetector``): every change it takes
in goes to the feed, in order, and the shards that follow the feed answer as the detector
holding the set itself; a removal published again (a batch handled twice) changes no answer;
a withdrawal of an account not held publishes nothing; a new detector over the same feed
starts with the set the feed describes; a shard that does not answer makes the answer
incomplete, which the policy never acts on automatically."""

from __future__ import annotations

from collections.abc import Sequence

from bench.synthetic_accounts import Generator
from tarazu.linkage import load_model
from tarazu.linkage.policy import AUTO_ACTION
from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.shard_counts import Counts, Keys
from tarazu.linkage.shard_feed import FeedEvent, apply
from tarazu.linkage.shards import ShardedLinker, ShardLinker, ShardUnavailable, shard_of
from tarazu.service.mirrors.common import MirrorConfig, account_key
from tarazu.service.mirrors.flags import judge
from tarazu.service.mirrors.reference import MirrorDetector
from tarazu.service.mirrors.registry import LoadedModel
from tarazu.service.mirrors.sharded import ShardedDetector

NAMES = ["0", "1"]
MODEL = LoadedModel(load_model("default"), "test")


class ListFeed:
    """The feed as a list of events, taken at once by the shards that follow it (the real
    one is a JetStream stream: tests/integration/mirrors/test_sharded_worker.py)."""

    def __init__(self, shards: Sequence[ShardLinker]) -> None:
        self.shards = shards
        self.events: list[tuple[FeedEvent, str]] = []

    def _publish(self, account_id: str, profile: AccountProfile | None, fp: str) -> None:
        event = FeedEvent(len(self.events) + 1, account_id, profile)
        self.events.append((event, fp))
        apply(self.shards[NAMES.index(shard_of(account_id, NAMES))], event)

    def held(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for e, fp in self.events:
            if e.profile is None:
                out.pop(e.account_id, None)
            else:
                out[e.account_id] = fp
        return out

    def remove(self, profile: AccountProfile, fingerprint: str) -> None:
        self._publish(profile.account_id, profile, fingerprint)

    def withdraw(self, account_id: str) -> None:
        self._publish(account_id, None, "")


class Silent:
    """A shard that does not answer."""

    def counts(self, keys: Keys) -> Counts:
        raise ShardUnavailable("silent")

    propose = needs = compare_part = counts  # type: ignore[assignment]


def _sharded(feed: ListFeed, shards: Sequence[object]) -> ShardedDetector:
    return ShardedDetector(MODEL, ShardedLinker(MODEL.model, shards), feed)  # type: ignore[arg-type]


def _answers(detector: MirrorDetector, stream) -> list[list[str]]:
    return [[repr(r) for r in detector.score(a, ps)] for a, ps in stream]


def test_a_sharded_detector_publishes_each_change_and_answers_as_one_holding_the_set():
    gen = Generator(5)
    removed = list(gen.removed_set(160))
    stream = gen.new_accounts(25, removed, mirror_share=0.8)
    one = MirrorDetector(MODEL)
    shards = [ShardLinker(MODEL.model) for _ in NAMES]
    feed = ListFeed(shards)
    sharded = _sharded(feed, shards)
    keys = [account_key(a.platform, a.account_id) for a, _ in removed]
    for d in (one, sharded):
        for a, ps in removed:
            d.add_removed(a, ps)
        for a, ps in removed[:4]:  # a batch handled again: its removals published again
            d.add_removed(a, ps)
        assert d.withdraw(keys[10]) and not d.withdraw(keys[10])
        assert not d.withdraw("x:never-removed")
    assert [e.account_id for e, _ in feed.events] == [*keys, *keys[:4], keys[10]]
    assert sharded.size == one.size == len(removed) - 1 and keys[10] not in sharded
    assert sum(len(s.removed) for s in shards) == one.size
    want = _answers(one, stream)
    assert sum(map(len, want)) > 20
    assert _answers(sharded, stream) == want
    again = _sharded(feed, shards)  # a restarted worker: the set is what the feed says
    assert again.size == one.size and keys[0] in again and keys[10] not in again
    assert again._hashes == sharded._hashes != {}
    assert len(feed.events) == len(removed) + 5  # and starting published nothing


def test_an_answer_missing_a_shard_is_never_acted_on_automatically():
    gen = Generator(8)
    removed = list(gen.removed_set(60))
    a, ps = gen.mirror_of(*removed[0])
    shards = [ShardLinker(MODEL.model) for _ in NAMES]
    feed = ListFeed(shards)
    sharded = _sharded(feed, shards)
    for r, rps in removed:
        sharded.add_removed(r, rps)
    original = account_key(removed[0][0].platform, removed[0][0].account_id)
    full = sharded.score(a, ps)
    assert full[0].removed_id == original and full[0].complete
    ports: list[object] = list(shards)
    ports[1 - NAMES.index(shard_of(original, NAMES))] = Silent()  # the other shard
    partial = _sharded(feed, ports).score(a, ps)
    assert partial[0].removed_id == original and not partial[0].complete
    config = MirrorConfig()
    assert judge(full[0], MODEL.model, config, protected=False).action == AUTO_ACTION
    verdict = judge(partial[0], MODEL.model, config, protected=False)
    assert verdict.action != AUTO_ACTION
    assert any("did not answer" in reason for reason in verdict.reasons)
