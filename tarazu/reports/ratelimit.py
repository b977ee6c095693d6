"""Token-bucket arithmetic for rate limits. The bucket's state (tokens, time) is stored by an
adapter; this module only says what a request costs and when the next one may come."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class BucketPolicy:
    capacity: float = 5.0  # a burst of this many
    per_second: float = 1 / 60  # refilled at this rate (one a minute)


@dataclass(frozen=True)
class Bucket:
    tokens: float
    updated_at: datetime


@dataclass(frozen=True)
class Decision:
    allowed: bool
    bucket: Bucket  # the state to store
    retry_after: int  # whole seconds until one token is back (0 when allowed)


def take(bucket: Bucket | None, now: datetime, policy: BucketPolicy, cost: float = 1.0
         ) -> Decision:
    """Refill for the time since the last call (never beyond capacity, never backwards), then
    take ``cost`` tokens if there are that many."""
    if bucket is None:
        bucket = Bucket(policy.capacity, now)
    elapsed = max(0.0, (now - bucket.updated_at).total_seconds())
    tokens = min(policy.capacity, bucket.tokens + elapsed * policy.per_second)
    if tokens >= cost:
        return Decision(True, Bucket(tokens - cost, now), 0)
    wait = math.ceil((cost - tokens) / policy.per_second) if policy.per_second > 0 else 86400
    return Decision(False, Bucket(tokens, now), max(1, wait))


def give_back(bucket: Bucket, now: datetime, policy: BucketPolicy, cost: float = 1.0
              ) -> Bucket:
    """Return tokens taken for something that turned out not to count (never beyond
    capacity): a limit that must hold under parallel requests takes first and gives back
    after, because checking first and taking after lets every parallel request through."""
    refilled = take(bucket, now, policy, cost=0.0).bucket
    return Bucket(min(policy.capacity, refilled.tokens + cost), now)
