"""A bulk build's memory: kept out of the cyclic collector's way, and what it freed given
back to the operating system.

Building the reference set of a few hundred thousand removed accounts allocates and frees
gigabytes of temporaries (posts, word lists, documents); the C allocator keeps the freed
pages in its heap, so the process looks — to the kernel, to a container's memory limit —
larger than what it holds. glibc's ``malloc_trim`` returns them (what it saves: BENCHMARKS.md).

What such a build keeps (records, profiles, indexes) lives as long as the process, and the
cyclic collector's full passes walk every object it tracks: set off by counts of
allocations, they recur while millions are made, and again in forked workers, which then
write to the pages they share with the parent."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _libc() -> Any | None:
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name) if name else None
    except OSError:
        return None
    return libc if libc is not None and hasattr(libc, "malloc_trim") else None


def settle_after_bulk_build() -> bool:
    """Collect, freeze the survivors (they live as long as the process: the cyclic collector
    need not walk them again; full collections were the p99 of scoring) and hand freed heap
    pages back to the system. Returns whether the allocator could trim (glibc only)."""
    _freeze_survivors()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True


@contextmanager
def bulk_build(collect: bool = True) -> Iterator[None]:
    """Run a stage that builds what the process keeps to its end (an input read, the
    profiles and indexes built from it) without the cyclic collector, then collect once (the
    cycles the stage left, if any) and freeze the survivors: later collections, in this
    process and in the workers it forks, do not walk them again. The collector is left as
    it was found.

    ``collect=False`` freezes without that pass, for a stage whose cycles do not grow with
    what it builds: a start from a snapshot, whose only cycles are numpy's parsing of each
    array's header, a few thousand small objects whatever the number of accounts (a test
    holds it so). The pass would walk every object the start made — seconds at 1M removed
    accounts — to free none of them; those few cycles stay, frozen, for the process's life.
    A stage that fails is collected all the same: what it left half-built is garbage."""
    enabled = gc.isenabled()
    gc.disable()
    failed = True
    try:
        yield
        failed = False
    finally:
        if collect or failed:
            _freeze_survivors()
        else:
            gc.freeze()
        if enabled:
            gc.enable()


def _freeze_survivors() -> None:
    """Free the cycles a build left and move what survives out of later collections."""
    gc.collect()
    gc.freeze()
