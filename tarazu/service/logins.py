"""Back-off for password guessing: failed logins drain a bucket per user name and one per
client address (stored, so they hold across processes); while either is empty no password is
even checked, and the moment one empties is an ACCESS_CHANGE event.

Keys are keyed hashes (of the name and the address), never the values in the clear; the name
is keyed whether or not such a user exists, so the lockout says nothing about who exists."""

from __future__ import annotations

from dataclasses import dataclass

from tarazu.domain.events import ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.payloads import AccessChange
from tarazu.reports.ratelimit import BucketPolicy, take
from tarazu.service.clock import Clock
from tarazu.service.ports import UowFactory
from tarazu.service.reports import pseudonym
from tarazu.service.users import record_access_change

#: Five tries per user name, then one a minute.
PER_USER = BucketPolicy(capacity=5, per_second=1 / 60)
#: Twenty tries per address (across names), then one every half minute.
PER_ADDRESS = BucketPolicy(capacity=20, per_second=1 / 30)


@dataclass(frozen=True)
class LoginKeys:
    user: str
    address: str

    @classmethod
    def of(cls, secret: bytes, username: str, address: str) -> LoginKeys:
        return cls("login:user:" + pseudonym(secret, "user:" + username.casefold())[:40],
                   "login:ip:" + pseudonym(secret, "ip:" + address)[:40])

    def policies(self) -> list[tuple[str, str, BucketPolicy]]:
        return [("user", self.user, PER_USER), ("address", self.address, PER_ADDRESS)]


def wait_seconds(uow_factory: UowFactory, clock: Clock, keys: LoginKeys) -> int:
    """Seconds until a password may be tried under these keys (0: now)."""
    now = clock.now()
    with uow_factory() as uow:
        return max(take(uow.reports.bucket(key), now, policy).retry_after
                   for _, key, policy in keys.policies())


def record_failure(uow_factory: UowFactory, clock: Clock, keys: LoginKeys,
                   known_user: str | None) -> int:
    """Count a failed login against both buckets; returns the wait it leaves (0: none).
    Each bucket that this failure empties writes one event (who, if the name is a user)."""
    now = clock.now()
    wait = 0
    with uow_factory() as uow:
        for scope, key, policy in keys.policies():
            stored = uow.reports.bucket(key)
            d = take(stored, now, policy)
            uow.reports.save_bucket(key, d.bucket, existed=stored is not None)
            after = take(d.bucket, now, policy)
            if after.allowed:
                continue
            wait = max(wait, after.retry_after)
            if not d.allowed:
                continue  # locked already: the lockout was recorded when it began
            if scope == "user" and known_user is not None:
                record_access_change(uow, "system:login", known_user, now, "login_locked",
                                     seconds=after.retry_after)
            else:
                uow.events.append(ModerationEvent.of(
                    SubjectRef(SubjectType.SYSTEM, key), "system:login", now,
                    AccessChange(change="login_locked", scope=scope,
                                 seconds=after.retry_after)))
        uow.commit()
    return wait
