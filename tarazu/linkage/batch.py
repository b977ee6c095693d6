"""A batch of new accounts scored on every core: the same answer as one process, faster.

A batch is scored in two passes (``MirrorLinker.score_batch``): the first pass of every
account records it as a possible successor of the removed accounts it resembles, and only
then does the second pass of each read those records (reciprocal rank, leads over rivals,
the exclusive calibration). Both passes are the same work repeated per account over an index
that is only read, so forked workers — which inherit the linker copy-on-write, nothing of it
pickled — each take a contiguous range of the batch:

1. each worker runs the first passes of its range, keeping them, and sends back only the
   successor records they made;
2. this process joins the records in range order (a removed account's successors are then in
   the order one process records them, so sums over them are the same to the last bit) and
   hands every worker the records of all ranges;
3. each worker finishes its range (second pass, calibration, explanation) and sends back its
   results, which are joined in range order.

This process takes the first range itself, as a worker would, rather than wait.

The linker of this process ends with the successor records of the whole batch. A batch in
one process (one job, too small a batch, or no ``fork`` on this platform) runs the same two
loops, its records joined the same way."""

from __future__ import annotations

import multiprocessing as mp
import traceback
from collections import defaultdict
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from typing import TYPE_CHECKING, Any

from tarazu.linkage.parallel import can_fork, ranges

if TYPE_CHECKING:
    from tarazu.linkage.linker import MirrorLinker
    from tarazu.linkage.profile import AccountProfile
    from tarazu.linkage.result import MatchResult

#: removed id -> {new account id: first-pass total}, as ``MirrorLinker`` records them
Successors = dict[str, dict[str, float]]
#: a worker reports progress every this many accounts
_TICK = 25
#: accounts per worker below which a batch is scored in one process: forking and sending the
#: results back cost more than a small batch's work
MIN_FORKED = 200


class BatchWorkerFailed(RuntimeError):
    """A worker scoring part of a batch failed; its traceback is the message."""


def merge_successors(into: dict[str, dict[str, float]], records: Sequence[Successors]) -> None:
    """Add each range's successor records to ``into``, range after range: an account
    recorded before keeps its place, as it does when one process records it again."""
    for part in records:
        for removed_id, totals in part.items():
            into[removed_id].update(totals)


def score_batch(
    linker: MirrorLinker, profiles: Sequence[AccountProfile], top_k: int | None,
    progress: Callable[[int, int], None] | None, jobs: int, explain_from: float,
) -> dict[str, list[MatchResult]]:
    """:meth:`MirrorLinker.score_batch`: in this process, or on ``jobs`` processes when the
    batch has at least :data:`MIN_FORKED` accounts a process and this platform can fork."""
    tick = _progress(progress, len(profiles))
    if jobs > 1 and can_fork() and len(profiles) >= MIN_FORKED * jobs:
        return _forked(linker, profiles, top_k, jobs, tick, explain_from)
    firsts, records = _first_passes(linker, profiles, top_k, tick)
    merge_successors(linker._successors, [records])
    return _finish_all(linker, profiles, firsts, top_k, explain_from, tick)


def _progress(progress: Callable[[int, int], None] | None, n: int) -> Callable[[int], None]:
    """Counts accounts done (each twice: first pass, then finish) and reports them."""
    done = 0

    def tick(k: int) -> None:
        nonlocal done
        done += k
        if progress:
            progress(done, 2 * n)

    return tick


def _forked(
    linker: MirrorLinker, profiles: Sequence[AccountProfile], top_k: int | None, jobs: int,
    tick: Callable[[int], None], explain_from: float,
) -> dict[str, list[MatchResult]]:
    """The batch on ``jobs`` processes: this one takes the first range (its results need no
    copy), forked workers the others."""
    from tarazu.linkage.warm import warm_before_fork  # it imports the linker, which imports this

    warm_before_fork(linker)
    ctx = mp.get_context("fork")
    (lo, hi), *others = ranges(len(profiles), jobs)
    conns: list[Connection] = []
    procs = []
    for a, b in others:
        mine, theirs = ctx.Pipe()
        proc = ctx.Process(target=_worker, daemon=True,
                           args=(linker, profiles, a, b, top_k, explain_from, theirs))
        proc.start()
        theirs.close()
        conns.append(mine)
        procs.append(proc)
    try:
        firsts, own = _first_passes(linker, profiles[lo:hi], top_k, tick)
        records = [own, *_collect(conns, "recorded", tick)]
        merge_successors(linker._successors, records)
        for c in conns:
            c.send(records)
        out = _finish_all(linker, profiles[lo:hi], firsts, top_k, explain_from, tick)
        results = _collect(conns, "scored", tick)
    finally:
        for c in conns:
            c.close()
        for proc in procs:
            proc.join(timeout=5)
            if proc.is_alive():
                proc.kill()
                proc.join()
    for part in results:
        out.update(part)
    return out


def _collect(conns: list[Connection], what: str, tick: Callable[[int], None]) -> list[Any]:
    """Every worker's ``what`` message, in range order, passing their progress on."""
    got: dict[int, Any] = {}
    index = {id(c): i for i, c in enumerate(conns)}
    waiting = list(conns)
    while waiting:
        for c in wait(waiting):
            i = index[id(c)]  # type: ignore[arg-type]
            try:
                kind, value = c.recv()  # type: ignore[union-attr]
            except EOFError:
                raise BatchWorkerFailed(f"batch worker {i} ended without its results") from None
            if kind == "tick":
                tick(value)
            elif kind == "error":
                raise BatchWorkerFailed(f"batch worker {i} failed:\n{value}")
            else:
                assert kind == what, (kind, what)
                got[i] = value
                waiting.remove(c)  # type: ignore[arg-type]
    return [got[i] for i in range(len(conns))]


def _first_passes(linker: MirrorLinker, profiles: Sequence[AccountProfile], top_k: int | None,
                  tick: Callable[[int], None]) -> tuple[list[Any], Successors]:
    """The first passes of ``profiles`` and the successor records they made (apart from
    those held before, which the linker holds again after)."""
    held = linker._successors
    linker._successors = defaultdict(dict)
    try:
        keep = linker._keep(top_k)
        firsts = []
        for p in profiles:
            firsts.append(linker.first_pass(p, keep=keep))
            tick(1)
        return firsts, dict(linker._successors)
    finally:
        linker._successors = held


def _finish_all(linker: MirrorLinker, profiles: Sequence[AccountProfile], firsts: list[Any],
                top_k: int | None, explain_from: float, tick: Callable[[int], None]
                ) -> dict[str, list[MatchResult]]:
    """The results of ``profiles`` from their first passes, every range's records held."""
    out: dict[str, list[MatchResult]] = {}
    for p, first in zip(profiles, firsts, strict=True):
        out[p.account_id] = linker._finish(first, top_k, explain_from)
        tick(1)
    return out


class _Ticks:
    """A worker's progress, sent every :data:`_TICK` accounts (and the rest by ``flush``)."""

    def __init__(self, conn: Connection) -> None:
        self.conn, self.n = conn, 0

    def __call__(self, n: int) -> None:
        self.n += n
        if self.n >= _TICK:
            self.flush()

    def flush(self) -> None:
        if self.n:
            self.conn.send(("tick", self.n))
            self.n = 0


def _worker(linker: MirrorLinker, profiles: Sequence[AccountProfile], lo: int, hi: int,
            top_k: int | None, explain_from: float, conn: Connection) -> None:
    """One range: first passes, their successor records sent back; every range's records
    received and joined; second passes, results sent back."""
    ticks = _Ticks(conn)
    try:
        firsts, mine = _first_passes(linker, profiles[lo:hi], top_k, ticks)
        ticks.flush()
        conn.send(("recorded", mine))
        merge_successors(linker._successors, conn.recv())
        out = _finish_all(linker, profiles[lo:hi], firsts, top_k, explain_from, ticks)
        ticks.flush()
        conn.send(("scored", out))
    except BaseException:  # noqa: BLE001 - the parent raises it, with this traceback
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()
