"""Back-off for password guessing: failed logins drain a bucket per user name and one per
client address (stored, so they hold across processes); while either is empty no password is
even checked, and the moment one empties is an ACCESS_CHANGE event. Every attempt takes its
token before its password is checked (and a right password gives it back), so parallel
guesses get no more checks than sequential ones.

Keys are keyed hashes (of the name and the address), never the values in the clear; the name
is keyed whether or not such a user exists, so the lockout says nothing about who exists."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from tarazu.domain.events import ModerationEvent, SubjectRef, SubjectType
from tarazu.domain.payloads import AccessChange
from tarazu.reports.ratelimit import Bucket, BucketPolicy, give_back, take
from tarazu.service.clock import Clock
from tarazu.service.ports import UowFactory
from tarazu.service.reports import pseudonym
from tarazu.service.users import find_login, record_access_change, start_session

#: Checks a password against a stored hash (None: no such user, still checked, so that the
#: time taken does not tell whether the name is a user). The adapter that hashes provides it.
PasswordCheck = Callable[[str | None, str], bool]

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


@dataclass(frozen=True)
class Attempt:
    """One login attempt's claim on the buckets."""

    wait: int  # > 0: refused before any password is checked; seconds until a try may come
    emptied: tuple[tuple[str, int], ...] = ()  # (scope, its wait): last token taken here
    wait_if_wrong: int = 0  # the wait that this attempt leaves when its password is wrong


def begin(uow_factory: UowFactory, clock: Clock, keys: LoginKeys) -> Attempt:
    """Take a token from both buckets before any password is checked, in one transaction
    that holds both rows (always in the same order): parallel guesses queue on the rows, so
    no more passwords are checked than there are tokens. Checking first and counting the
    failure after the (slow, deliberately) password check let every parallel guess through.
    When either bucket is empty nothing is taken."""
    now = clock.now()
    with uow_factory() as uow:
        taken = [(scope, key, policy,
                  take(uow.reports.bucket(key, Bucket(policy.capacity, now)), now, policy))
                 for scope, key, policy in keys.policies()]
        refused = max(d.retry_after for *_, d in taken)
        if refused:
            return Attempt(refused)  # leaving without commit takes nothing
        for _, key, _, d in taken:
            uow.reports.save_bucket(key, d.bucket)
        uow.commit()
    after = [(scope, take(d.bucket, now, policy)) for scope, _, policy, d in taken]
    return Attempt(0, tuple((scope, a.retry_after) for scope, a in after if not a.allowed),
                   max(a.retry_after for _, a in after))


def succeeded(uow_factory: UowFactory, clock: Clock, keys: LoginKeys) -> None:
    """A right password: the token :func:`begin` took is given back (only failures drain)."""
    now = clock.now()
    with uow_factory() as uow:
        for _, key, policy in keys.policies():
            stored = uow.reports.bucket(key, Bucket(policy.capacity, now))
            uow.reports.save_bucket(key, give_back(stored, now, policy))
        uow.commit()


def failed(uow_factory: UowFactory, clock: Clock, keys: LoginKeys, attempt: Attempt,
           known_user: str | None) -> int:
    """A wrong password (or no such user): the token stays spent. Each bucket whose last
    token this attempt took writes one event (who, if the name is a user); returns the wait
    the failure leaves (0: none)."""
    if not attempt.emptied:
        return attempt.wait_if_wrong
    now = clock.now()
    emptied = dict(attempt.emptied)
    with uow_factory() as uow:
        for scope, key, _ in keys.policies():
            if scope not in emptied:
                continue
            if scope == "user" and known_user is not None:
                record_access_change(uow, "system:login", known_user, now, "login_locked",
                                     seconds=emptied[scope])
            else:
                uow.events.append(ModerationEvent.of(
                    SubjectRef(SubjectType.SYSTEM, key), "system:login", now,
                    AccessChange(change="login_locked", scope=scope,
                                 seconds=emptied[scope])))
        uow.commit()
    return attempt.wait_if_wrong


@dataclass(frozen=True)
class LoginResult:
    """What a login came to: a session, or a refusal (with a wait when locked out)."""

    session: tuple[str, str] | None = None  # (session id, CSRF token): logged in
    wait: int = 0  # > 0: refused for now; seconds until a try may come


def log_in(uow_factory: UowFactory, clock: Clock, keys: LoginKeys, username: str,
           password: str, check: PasswordCheck, ttl: timedelta) -> LoginResult:
    """The login as one use case: the back-off's token first (:func:`begin`), then the
    password (checked even for a name that is no user), then the failure's lockout or the
    success's refund and a new session; each step commits its own writes."""
    attempt = begin(uow_factory, clock, keys)
    if attempt.wait:
        return LoginResult(wait=attempt.wait)
    found = find_login(uow_factory, username)
    ok = check(found[1] if found else None, password)
    if not (ok and found and found[0].active):
        return LoginResult(wait=failed(uow_factory, clock, keys, attempt,
                                       found[0].username if found else None))
    succeeded(uow_factory, clock, keys)
    return LoginResult(session=start_session(uow_factory, found[0].id, clock.now(), ttl))
