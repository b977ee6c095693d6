"""The reference set held by shards in other processes: the detector scores through a merger
over them (``linkage.shards.ShardedLinker``) and holds no removed account itself; each change
it takes into the set — a removal, a withdrawal, a reinstatement, from an event or from a
sync with the store — goes to a :class:`ReferenceFeed`, which the shards follow.

The feed is also what the detector starts from: which accounts the shards hold (and the
fingerprint of the record each was held with) is what the feed says, so a restarted worker
publishes only what differs from the store (``MirrorDetector.refresh``), and a removal taken
in by a batch whose commit then failed is withdrawn again when the detector is rebuilt."""

from __future__ import annotations

from collections.abc import KeysView, Mapping
from typing import Protocol

from tarazu.linkage.linker import MirrorLinker
from tarazu.linkage.profile import AccountProfile
from tarazu.service.mirrors.common import MirrorConfig
from tarazu.service.mirrors.reference import MirrorDetector
from tarazu.service.mirrors.registry import LoadedModel


class FeedUnavailable(RuntimeError):
    """The feed did not take a change (or could not be read): nothing of the change reached
    the shards; the caller tries again later, as when the store is away."""


class ReferenceFeed(Protocol):
    """Where the changes of a reference set held by shards go, in order. A call returns once
    the change is stored where the shards take it from (so a batch is acknowledged only
    after its changes are), and a score asked of the shards afterwards reads it. Publishing
    a removal of an account the shards hold already replaces it (a batch handled again
    publishes its removals again); a withdrawal of an account they do not hold changes
    nothing. Raises :class:`FeedUnavailable` when the feed cannot be reached."""

    def held(self) -> Mapping[str, str]:
        """``platform:account_id`` -> fingerprint of every account the feed has the shards
        hold ("" when published without one)."""
        ...

    def remove(self, profile: AccountProfile, fingerprint: str) -> None: ...

    def withdraw(self, account_id: str) -> None: ...


class ShardedDetector(MirrorDetector):
    """A :class:`MirrorDetector` whose reference set is held by shards: ``linker`` scores
    through them (a ``ShardedLinker``), ``feed`` carries the set's changes to them. What it
    keeps of the set is its keys and fingerprints (to know what to publish), not the
    profiles."""

    def __init__(self, loaded: LoadedModel, linker: MirrorLinker, feed: ReferenceFeed,
                 config: MirrorConfig | None = None) -> None:
        super().__init__(loaded, config, linker=linker)
        self.feed = feed
        self._hashes.update(feed.held())

    def _held(self) -> KeysView[str]:
        return self._hashes.keys()

    def _hold(self, profile: AccountProfile, fingerprint: str) -> None:
        self.feed.remove(profile, fingerprint)
        self._hashes[profile.account_id] = fingerprint

    def _release(self, key: str) -> None:
        if key in self._hashes:
            self.feed.withdraw(key)
            del self._hashes[key]
