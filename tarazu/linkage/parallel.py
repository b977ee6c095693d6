"""Work over many accounts on every core of one machine.

Building profiles and comparing the self-fit's sample of pairs are the same work repeated for
each account, and the linker they read (its indexes, its corpus counts) is large. Worker
processes are therefore started by ``fork``: they inherit the linker as it is, copy-on-write,
and only the range of accounts each is to do and its results cross between processes. The
answer is the one a single process gives: ranges are contiguous and joined in order.

Where ``fork`` is not available (or one job is asked for) the work runs in this process."""

from __future__ import annotations

import multiprocessing as mp
import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from typing import Any, TypeVar

S = TypeVar("S")
R = TypeVar("R")

#: What the forked workers inherit: the function and the state it reads. Set only for the
#: duration of one :func:`fork_map` call (fork copies it into each worker at start).
_INHERITED: tuple[Callable[[Any, tuple[int, int]], Any], Any] | None = None


def ranges(n: int, parts: int) -> list[tuple[int, int]]:
    """``[start, stop)`` ranges cutting ``range(n)`` into at most ``parts`` contiguous pieces of
    near-equal size (none empty)."""
    parts = max(1, min(parts, n))
    step, extra = divmod(n, parts)
    out, start = [], 0
    for i in range(parts):
        stop = start + step + (1 if i < extra else 0)
        out.append((start, stop))
        start = stop
    return [r for r in out if r[0] < r[1]]


def default_jobs() -> int:
    """One worker per core this process may run on: the workers are forked and read the
    linker copy-on-write, so none starts with a copy of the index — but reading an object
    writes its reference count, so a worker copies the pages it reads as it goes
    (docs/scale.md)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in mp.get_all_start_methods()


class Workers:
    """Worker processes that inherit ``shared`` by fork (nothing of it is pickled) and run
    ``fn(shared, piece)`` for the pieces given to :meth:`map`. Started once and reused, so
    that what a worker prepares on first use (compiled kernels, caches) is prepared once.
    With ``jobs`` of 1, or where this platform cannot fork, the work runs in this process."""

    def __init__(self, fn: Callable[[S, tuple[int, int]], R], shared: S, jobs: int) -> None:
        self.fn, self.shared, self.jobs = fn, shared, jobs
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> Workers:
        global _INHERITED
        if self.jobs > 1 and can_fork():
            _INHERITED = (self.fn, self.shared)
            self._pool = ProcessPoolExecutor(max_workers=self.jobs,
                                             mp_context=mp.get_context("fork"))
        return self

    def map(self, pieces: Sequence[tuple[int, int]]) -> list[Any]:
        return list(self.imap(pieces))

    def imap(self, pieces: Sequence[tuple[int, int]]) -> Iterator[Any]:
        """The results of ``pieces`` in order, each as soon as it and those before it are
        done: the caller works on the first while the workers go on with the rest."""
        if self._pool is None or len(pieces) <= 1:
            return (self.fn(self.shared, p) for p in pieces)
        return self._pool.map(_run, pieces)

    def __exit__(self, *exc: object) -> None:
        global _INHERITED
        if self._pool is not None:
            self._pool.shutdown()
            self._pool = None
        _INHERITED = None


def fork_map(fn: Callable[[S, tuple[int, int]], R], shared: S,
             pieces: Sequence[tuple[int, int]], jobs: int) -> list[R]:
    """``[fn(shared, piece) for piece in pieces]`` in up to ``jobs`` forked workers
    (:class:`Workers`), in order."""
    return list(fork_imap(fn, shared, pieces, jobs))


def fork_imap(fn: Callable[[S, tuple[int, int]], R], shared: S,
              pieces: Sequence[tuple[int, int]], jobs: int) -> Iterator[R]:
    """:func:`fork_map` one result at a time (:meth:`Workers.imap`). The workers are forked
    when the first result is asked for, so they see ``shared`` as it is then, whatever the
    caller changes while it reads the results."""
    with Workers(fn, shared, min(jobs, len(pieces))) as workers:
        yield from workers.imap(pieces)


def _run(piece: tuple[int, int]) -> Any:
    assert _INHERITED is not None, "the workers' state was not inherited"
    fn, shared = _INHERITED
    return fn(shared, piece)
