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


class _Node:
    def __init__(self) -> None:
        self.me = self  # a cycle: only the cyclic collector frees it


def test_a_bulk_build_runs_without_the_collector_and_freezes_what_it_keeps():
    import weakref

    from tarazu.service.memory import bulk_build

    gc.unfreeze()
    try:
        assert gc.isenabled()
        with bulk_build():
            assert not gc.isenabled()  # no passes over what is being built
            kept = [_Node() for _ in range(1000)]
            dropped = _Node()
            gone = weakref.ref(dropped)
            del dropped
            # more allocations than set off a pass, and none ran
            assert gc.get_count()[0] > gc.get_threshold()[0] and gone() is not None
        assert gc.isenabled()  # left as found
        assert gone() is None  # the cycles the build left are freed, not frozen
        assert gc.get_freeze_count() >= len(kept)  # the survivors are out of later passes
        gc.disable()
        try:
            with bulk_build():
                pass
            assert not gc.isenabled()  # a disabled collector stays disabled
        finally:
            gc.enable()
        try:
            with bulk_build():
                raise ValueError("bad input")
        except ValueError:
            pass
        assert gc.isenabled()  # restored after an error too
    finally:
        gc.unfreeze()


def test_a_bulk_build_without_its_pass_freezes_and_collects_only_after_a_failure():
    import weakref

    from tarazu.service.memory import bulk_build

    gc.unfreeze()
    try:
        with bulk_build(collect=False):
            kept = [_Node() for _ in range(100)]
            dropped = _Node()
            left = weakref.ref(dropped)
            del dropped
        assert left() is not None  # no pass: the cycle is frozen with the rest
        assert gc.get_freeze_count() >= len(kept)
        gc.unfreeze()
        try:
            with bulk_build(collect=False):
                dropped = _Node()
                gone = weakref.ref(dropped)
                del dropped
                raise ValueError("bad snapshot")
        except ValueError:
            pass
        assert gone() is None  # a failed stage's garbage is collected all the same
    finally:
        gc.unfreeze()
        gc.collect()
