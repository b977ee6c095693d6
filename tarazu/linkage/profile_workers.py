"""Profiles built by worker processes while the caller reads the next batch.

Building the reference set from the store is three steps per batch of accounts: read them
(the caller's connection, one process), build their profiles (pure computation, about half
of the time), index them (the caller's index, one process). Workers forked once build the
profiles of batch *k* while the caller reads batch *k + 1* and indexes batch *k - 1*. The
caller may hand a batch's posts over undecoded (a callable giving them): the worker decodes
them, so that the caller, the build's bottleneck, only reads.

A worker hands its profiles back as the snapshot's columns (:func:`encode_profiles`: numbers
and strings, no pickle), and the caller decodes them as a start from a snapshot does: the
values many accounts share (a status, a hashtag, a language) come back as one object each,
as :func:`build_profiles` makes them in one process. Pickled profiles would bring every
such string back as a copy of its own, held by each profile for as long as it is held.

The workers never touch what they inherit from the caller (its store connection among it)
and leave by ``os._exit``, as ``multiprocessing``'s forked workers do, so nothing of it is
closed or flushed from their side. Where ``fork`` is not available, or one job is asked for,
the profiles are built in this process: the same profiles."""

from __future__ import annotations

import multiprocessing as mp
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from typing import TypeVar

from tarazu.domain.platform import Account, Post
from tarazu.linkage.parallel import can_fork
from tarazu.linkage.platforms import PlatformProfile
from tarazu.linkage.profile import AccountProfile, build_profiles
from tarazu.linkage.snapshot import decode_profiles, encode_profiles

B = TypeVar("B")

#: Posts by account id, or what gives them when called (posts read but not decoded yet:
#: decoded by the process that builds the profiles)
Posts = Mapping[str, Sequence[Post]] | Callable[[], Mapping[str, Sequence[Post]]]
#: One batch: its accounts, and their posts.
Batch = tuple[Sequence[Account], Posts]


def _built(accounts: Sequence[Account], posts: Posts, platform: PlatformProfile
           ) -> list[AccountProfile]:
    return build_profiles(accounts, posts() if callable(posts) else posts, platform)


def _encoded(accounts: Sequence[Account], posts: Posts, platform: PlatformProfile) -> bytes:
    return encode_profiles(_built(accounts, posts, platform))


class ProfileWorkers:
    """``jobs`` worker processes building profiles, used as a context manager."""

    def __init__(self, platform: PlatformProfile, jobs: int) -> None:
        self.platform = platform
        self.jobs = jobs if can_fork() else 1
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> ProfileWorkers:
        if self.jobs > 1:
            self._pool = ProcessPoolExecutor(max_workers=self.jobs,
                                             mp_context=mp.get_context("fork"))
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(cancel_futures=True)
            self._pool = None

    def build(self, batches: Iterable[tuple[B, Batch]]
              ) -> Iterator[tuple[B, list[AccountProfile]]]:
        """Each batch's tag and its accounts' profiles (in their order), batch after batch
        in the order given. ``batches`` is read one ahead of what the workers are busy with
        (reading it is the caller's own work, done meanwhile); at most ``jobs + 1`` batches
        are out at once, so that reading never runs far ahead of building."""
        if self._pool is None:
            for tag, (accounts, posts) in batches:
                yield tag, _built(accounts, posts, self.platform)
            return
        out: deque[tuple[B, Future[bytes]]] = deque()
        for tag, (accounts, posts) in batches:
            out.append((tag, self._pool.submit(_encoded, accounts, posts, self.platform)))
            if len(out) > self.jobs:
                yield self._done(out)
        while out:
            yield self._done(out)

    @staticmethod
    def _done(out: deque[tuple[B, Future[bytes]]]) -> tuple[B, list[AccountProfile]]:
        tag, future = out.popleft()
        return tag, decode_profiles(future.result())
