"""After a bulk build the freed heap goes back to the system and the survivors are frozen."""

import gc

from tarazu.service.memory import settle_after_bulk_build


def _rss_kb() -> int:
    with open("/proc/self/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


def test_freed_temporaries_leave_the_resident_size_and_survivors_are_frozen():
    gc.unfreeze()
    try:
        # the C allocator's heap, interleaved: every tenth block is kept (what the build
        # keeps), the rest are temporaries whose pages stay in the heap once freed
        blocks = [bytearray(4000) for _ in range(30_000)]  # ~120 MB
        keep = blocks[::10]
        del blocks
        before = _rss_kb()
        assert settle_after_bulk_build() is True  # glibc, as on every supported machine
        assert gc.get_freeze_count() > 0
        assert before - _rss_kb() > 20_000  # at least 20 MB handed back
        assert len(keep) == 3000
    finally:
        gc.unfreeze()
