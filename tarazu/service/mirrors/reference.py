"""The reference set in memory: every removed account, minus those withdrawn, indexed by the
linker; built once per process and then changed one account at a time."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, KeysView, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, replace

from tarazu.domain.platform import Account, AccountStatus, Post
from tarazu.linkage.linker import LinkerConfig, MirrorLinker
from tarazu.linkage.model import LinkageModel
from tarazu.linkage.parallel import default_jobs
from tarazu.linkage.profile import AccountProfile, build_profile, build_profiles
from tarazu.linkage.profile_workers import ProfileWorkers
from tarazu.linkage.result import MatchResult
from tarazu.linkage.warm import warm_up
from tarazu.service.access_log import log_access
from tarazu.service.clock import Clock
from tarazu.service.memory import bulk_build, settle_after_bulk_build
from tarazu.service.mirror_reference import withdrawn_references
from tarazu.service.mirrors.common import (
    ACTOR,
    AUTHORITY,
    POSTS_PER_ACCOUNT,
    REFERENCE_SUBJECT,
    MirrorConfig,
    account_key,
    subject_of,
)
from tarazu.service.mirrors.registry import LoadedModel
from tarazu.service.ports import PostRows, StoreUnitOfWork

#: Accounts added at once from which a refresh is a bulk build (``service.memory``): run
#: without the cyclic collector, then frozen and its freed heap handed back
_BULK = 1000

#: Removed accounts read from the store (with their posts) and indexed together
READ_BATCH = 500


def _keyed(a: Account) -> Account:
    """Linker ids are ``platform:account_id`` so that one index serves every platform."""
    return replace(a, account_id=account_key(a.platform, a.account_id))


@dataclass
class RefreshReport:
    added: int = 0
    withdrawn: int = 0


class MirrorDetector:
    """One per process: the linker over the reference set, and the model it scores with."""

    def __init__(self, loaded: LoadedModel, config: MirrorConfig | None = None,
                 linker_config: LinkerConfig | None = None,
                 linker: MirrorLinker | None = None) -> None:
        """``linker``: one to score with other than a linker of its own over ``loaded``'s
        model (a merger over shards: :class:`tarazu.service.mirrors.sharded.ShardedDetector`)."""
        self.loaded = loaded
        self.config = config or MirrorConfig()
        self.linker = linker or MirrorLinker(loaded.model, linker_config or LinkerConfig(
            top_k=self.config.top_k))
        self._lock = threading.RLock()
        self._hashes: dict[str, str] = {}  # key -> record fingerprint (to spot changes)
        #: Counts the calls that changed what the next score reads (the reference set, the
        #: recorded successors): a caller whose store transaction failed after such a
        #: change knows the detector no longer matches the store.
        self.changes = 0

    @property
    def model(self) -> LinkageModel:
        return self.loaded.model

    @property
    def size(self) -> int:
        return len(self._held())

    def __contains__(self, key: str) -> bool:
        return key in self._held()

    def _held(self) -> KeysView[str]:
        """The keys of the accounts in the reference set."""
        return self.linker.removed.keys()

    # -- changes -----------------------------------------------------------------------------
    def _hold(self, profile: AccountProfile, fingerprint: str) -> None:
        """Take ``profile`` into the set (replacing the account's earlier profile, if any)."""
        self.linker.add_removed_profile(profile)
        self._hashes[profile.account_id] = fingerprint

    def _release(self, key: str) -> None:
        """Take ``key`` out of the set (nothing if it is not in it)."""
        self.linker.withdraw(key)
        self._hashes.pop(key, None)

    def add_removed(self, account: Account, posts: Sequence[Post] = ()) -> None:
        with self._lock:
            self.changes += 1
            self._hold(build_profile(_keyed(account), posts, self.linker.platform),
                       _fp(account))

    def add_profiles(self, profiles: Iterable[AccountProfile]) -> None:
        with self._lock:
            self.changes += 1
            profiles = list(profiles)
            self.linker.add_removed_profiles(profiles)
            for p in profiles:  # no record to fingerprint: the next refresh reads it
                self._hashes[p.account_id] = ""

    def withdraw(self, key: str) -> bool:
        with self._lock:
            present = key in self
            self.changes += present
            self._release(key)
            return present

    def refresh(self, uow: StoreUnitOfWork, progress: Callable[[int, int], None] | None = None,
                clock: Clock | None = None) -> RefreshReport:
        """Bring the set in line with the store: add removed accounts not yet held (or whose
        record changed), drop those reinstated or withdrawn. The first call builds it."""
        wanted = reference_accounts(uow)
        with self._lock:
            report = RefreshReport(withdrawn=self._drop_all_but(wanted.keys()))
            todo = [a for k, a in wanted.items() if k not in self._hashes
                    or self._hashes[k] != _fp(a)]
            bulk = len(todo) >= _BULK
            with (bulk_build() if bulk else nullcontext(),
                  self.linker.bulk() if bulk else nullcontext()):
                report.added = self._add_from_store(uow, todo, progress, clock)
        if bulk:
            settle_after_bulk_build()
        return report

    def sync(self, uow: StoreUnitOfWork, clock: Clock | None = None) -> RefreshReport:
        """The cheap, frequent form of :meth:`refresh` for a long-running worker: compare the
        keys of the removed accounts (one two-column query, nothing decrypted) with the keys
        held, and read in full only the accounts that are new to the set. Removals decided
        by another process (a reviewer in the web UI, an HTTP event, an import) thus reach
        the worker within one sync, not at its next restart. Changed records of accounts
        already held wait for :meth:`refresh`."""
        wanted = {account_key(p, a) for p, a in uow.platform.removed_keys()} - withdrawn_keys(uow)
        with self._lock:
            report = RefreshReport(withdrawn=self._drop_all_but(wanted))
            todo = []
            for key in sorted(wanted - self._held()):
                ref = subject_of(key)
                acc = uow.platform.get_account(ref.platform, ref.native_id,
                                               with_identifiers=True)
                if acc is not None:
                    todo.append(acc)
            report.added = self._add_from_store(uow, todo, None, clock)
        return report

    def _drop_all_but(self, wanted: Iterable[str]) -> int:
        keep = set(wanted)
        return sum(self.withdraw(k) for k in [k for k in self._held() if k not in keep])

    def _add_from_store(self, uow: StoreUnitOfWork, todo: Sequence[Account],
                        progress: Callable[[int, int], None] | None,
                        clock: Clock | None) -> int:
        """Index ``todo`` with their posts, in batches; log the read of their identifiers.
        A large build has its profiles built by worker processes while this one reads the
        next batch (:class:`ProfileWorkers`): the same profiles."""
        batches = ((part, _read_batch(uow, part)) for part in (
            todo[at : at + READ_BATCH] for at in range(0, len(todo), READ_BATCH)))
        done = 0
        with ProfileWorkers(self.linker.platform, self._build_jobs(len(todo))) as workers:
            for part, profiles in workers.build(batches):
                self._hold_built(part, profiles)
                done += len(part)
                if progress:
                    progress(done, len(todo))
        if todo:
            log_access(uow, ACTOR, REFERENCE_SUBJECT, ["identifiers"],
                       f"mirror detection: {len(todo)} removed account(s) indexed as the "
                       "reference set", AUTHORITY, clock.now() if clock else None)
        return len(todo)

    def profiles(self, items: Sequence[tuple[Account, Sequence[Post]]]
                 ) -> list[AccountProfile]:
        """Profiles of accounts with their posts, read with the platform profile of the
        linker's model (one place, so every path reads the same markup)."""
        keyed = [_keyed(a) for a, _ in items]
        return build_profiles(keyed, {k.account_id: ps for k, (_, ps) in
                                      zip(keyed, items, strict=True)}, self.linker.platform)

    def _build_jobs(self, accounts: int) -> int:
        """Worker processes building the profiles of ``accounts`` read from the store: the
        configured number, or one per core for a build of several batches."""
        if self.config.build_jobs is not None:
            return self.config.build_jobs
        return default_jobs() if accounts >= 2 * READ_BATCH else 1

    def add_batch(self, batch: Sequence[tuple[Account, Sequence[Post]]]) -> None:
        """Hold removed accounts with their posts, the indexes taking them together (a
        build adds hundreds of thousands: together, the text index and the rarity counts
        take each piece in one operation, not one account at a time)."""
        self._hold_built([a for a, _ in batch], self.profiles(batch))

    def _hold_built(self, accounts: Sequence[Account],
                    profiles: Sequence[AccountProfile]) -> None:
        self.changes += 1
        self.linker.add_removed_profiles(profiles)
        for a, p in zip(accounts, profiles, strict=True):
            self._hashes[p.account_id] = _fp(a)

    def warm_up(self) -> None:
        """Load what the first comparison needs before the first real event
        (:func:`tarazu.linkage.warm.warm_up`)."""
        warm_up(self.model, self.linker.config)

    # -- scoring -----------------------------------------------------------------------------
    def score(self, account: Account, posts: Sequence[Post] = (), explain_from: float = 0.0
              ) -> list[MatchResult]:
        """The best matches; those below ``explain_from`` without their explanation."""
        with self._lock:
            self.changes += 1  # the first pass records the account as a possible successor
            return self.linker.score(_keyed(account), posts, top_k=self.config.top_k,
                                     explain_from=explain_from)

    def record_successors(self, items: Sequence[tuple[Account, Sequence[Post]]]) -> None:
        """The linker's first pass without a score: these active accounts count as possible
        successors of the removed accounts they resemble (see :func:`recall_successors`)."""
        profiles = self.profiles(items)
        with self._lock:
            self.changes += 1
            self.linker.record(profiles)

    def score_many(self, items: Sequence[tuple[Account, Sequence[Post]]],
                   progress: Callable[[int, int], None] | None = None, jobs: int = 1,
                   explain_from: float = 0.0) -> dict[str, list[MatchResult]]:
        """Batch: record every account's first pass (who may continue whom), then rank, as
        the linker's batch mode does, so reciprocal ranks see the whole batch. ``jobs``
        forked workers share it: for a command-line process only (a fork copies no thread,
        so a server's threads would be missing in the workers). Results below
        ``explain_from`` come without their explanation."""
        profiles = self.profiles(items)
        with self._lock:
            self.changes += 1
            return self.linker.score_batch(profiles, self.config.top_k, progress, jobs,
                                           explain_from)


def _fp(a: Account) -> str:
    """What makes a reference account stale: its record (posts are re-read on change)."""
    return f"{a.handle}|{a.display_name}|{a.bio}|{a.links}|{a.avatar_pdq}|{a.removed_at}"


def withdrawn_keys(uow: StoreUnitOfWork) -> set[str]:
    """Accounts withdrawn from the reference set (the appeals service records a NOTE
    ``{"reference": "withdrawn"}`` and a row; the row is the fast read)."""
    return set(withdrawn_references(uow))


def with_posts(uow: StoreUnitOfWork, accounts: Sequence[Account]
               ) -> list[tuple[Account, list[Post]]]:
    """Each account with its first posts (as a score reads them), read :data:`READ_BATCH`
    accounts to a statement."""
    out: list[tuple[Account, list[Post]]] = []
    for at in range(0, len(accounts), READ_BATCH):
        part = accounts[at : at + READ_BATCH]
        posts = uow.platform.posts_of_many([(a.platform, a.account_id) for a in part],
                                           POSTS_PER_ACCOUNT)
        out.extend((a, posts[(a.platform, a.account_id)]) for a in part)
    return out


@dataclass(frozen=True)
class KeyedPosts:
    """A read batch's posts, decoded when called (by the process that builds the profiles)
    and keyed as the linker keys the accounts."""

    rows: PostRows

    def __call__(self) -> dict[str, list[Post]]:
        return {account_key(pl, a): ps for (pl, a), ps in self.rows.decode().items()}


def _read_batch(uow: StoreUnitOfWork, accounts: Sequence[Account]
                ) -> tuple[list[Account], KeyedPosts]:
    """A read batch as the profile workers take it: the accounts keyed as the linker holds
    them, and their first posts read in one statement, not yet decoded."""
    rows = uow.platform.posts_of_many_rows([(a.platform, a.account_id) for a in accounts],
                                           POSTS_PER_ACCOUNT)
    return [_keyed(a) for a in accounts], KeyedPosts(rows)


def reference_accounts(uow: StoreUnitOfWork) -> dict[str, Account]:
    """The reference set as the store has it: removed accounts, minus withdrawn ones."""
    withdrawn = withdrawn_keys(uow)
    out = {}
    for a in uow.platform.iter_accounts(status=AccountStatus.REMOVED, with_identifiers=True):
        key = account_key(a.platform, a.account_id)
        if key not in withdrawn:
            out[key] = a
    return out
