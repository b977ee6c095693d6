"""Feeding a shard, and its snapshot: a shard takes the removals and withdrawals of its own
accounts from a feed in which every event has a position, increasing over all shards (a
stream's sequence number); it saves its part as the single index's snapshot
(:mod:`tarazu.linkage.snapshot`: columns, never a pickle) with the position it reflects,
and a restarted shard loads it and takes the events after that position again.

The position also orders a shard's removals among all shards' (``ShardLinker.order``: the
text index breaks ties by order of removal, as one index does by order of insertion), so
the snapshot keeps each account's as a column of its own."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tarazu.linkage.profile import AccountProfile
from tarazu.linkage.shards import ShardLinker
from tarazu.linkage.snapshot import (
    SnapshotHeader,
    SnapshotUnusable,
    load_snapshot,
    read_header,
    save_snapshot,
)

ORDER = "removal_position"  # the snapshot's column of each account's removal position


@dataclass(frozen=True)
class FeedEvent:
    """A removal (with the removed account's profile) or a withdrawal (``profile`` None) of
    an account the shard holds, at ``position`` in the feed."""

    position: int
    account_id: str
    profile: AccountProfile | None


def apply(shard: ShardLinker, event: FeedEvent) -> bool:
    """Apply ``event`` to ``shard`` unless its position is not after the shard's (taken
    already: a restarted shard is given again what its snapshot may hold); whether applied.
    A removal of an account held already replaces it, as one linker does."""
    if event.position <= shard.position:
        return False
    if event.profile is None:
        shard.withdraw(event.account_id)
    else:
        if event.account_id in shard.removed:
            shard.withdraw(event.account_id)
        shard.hold(event.profile, event.position)
    shard.position = event.position
    return True


def save_shard(path: Path, shard: ShardLinker, meta: Mapping[str, Any] | None = None
               ) -> SnapshotHeader:
    """The shard's accounts, their removal positions and the position it reflects, written
    as a snapshot (atomically)."""
    order = [str(shard.order[i]) for i in shard.removed]
    return save_snapshot(path, shard, shard.position, extra={ORDER: order}, meta=meta)


def load_shard(path: Path, shard: ShardLinker) -> SnapshotHeader:
    """Load a snapshot written by :func:`save_shard` into an empty shard; raises
    ``SnapshotUnusable`` (the shard unchanged) when it cannot stand for it."""
    try:
        extras = read_header(path).get("extra", [])
    except Exception:  # noqa: BLE001 — missing or unreadable: load_snapshot says which
        extras = [ORDER]
    if ORDER not in extras:
        raise SnapshotUnusable(f"{path.name} is not a shard's snapshot")
    header, extra = load_snapshot(path, shard)
    shard.order = dict(zip(shard.removed, map(int, extra[ORDER]), strict=True))
    shard.position = header.position
    return header
