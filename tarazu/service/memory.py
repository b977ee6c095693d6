"""Give the memory a bulk build freed back to the operating system.

Building the reference set of a few hundred thousand removed accounts allocates and frees
gigabytes of temporaries (posts, word lists, documents); the C allocator keeps the freed
pages in its heap, so the process looks — to the kernel, to a container's memory limit —
larger than what it holds. glibc's ``malloc_trim`` returns them (what it saves: BENCHMARKS.md)."""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
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
    gc.collect()
    gc.freeze()
    libc = _libc()
    if libc is None:
        return False
    libc.malloc_trim(0)
    return True
