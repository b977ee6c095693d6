"""Warming a linker's process before its first real score."""

from __future__ import annotations

from datetime import UTC, datetime

from tarazu.domain.platform import Account, Post
from tarazu.linkage.linker import LinkerConfig, MirrorLinker
from tarazu.linkage.model import LinkageModel


def warm_up(model: LinkageModel, config: LinkerConfig) -> None:
    """Load what a first score would, so that it does not delay the first real event (nor,
    in a shard worker that starts empty, its first call): the picture index's compiled
    kernels, all of them (``compile_kernels``: an index extends its tables only thousands of
    adds in), then two invented accounts compared on a throw-away linker, which loads the
    name analyser and the n-gram hasher. Seconds each when cold."""
    from tarazu.signals.mih import compile_kernels  # numba's import: seconds, when first used

    compile_kernels()
    t = datetime(2020, 1, 1, tzinfo=UTC)
    picture = "f0e1d2c3b4a5968778695a4b3c2d1e0f" * 2
    lk = MirrorLinker(model, config)
    lk.add_removed(Account("w1", "@warm_up_a", t, "removed", display_name="Warm Up",
                           removed_at=t, avatar_pdq=picture),
                   [Post("w1p", "w1", t, text="warming up")])
    lk.score(Account("w2", "@warm_up_b", t, "active", display_name="Warm Upp",
                     avatar_pdq=picture))


def warm_before_fork(linker: MirrorLinker) -> None:
    """Warm this process before it forks workers that compare with ``linker``: what it has
    loaded they inherit, where a cold process's workers would each load the name analyser
    and the kernels again, all at once (seconds each, more than a small input's whole work)."""
    warm_up(linker.model, linker.config)
