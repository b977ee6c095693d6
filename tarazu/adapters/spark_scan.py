"""The batch mirror scan as an Apache Spark job (the core stays Spark-free).

The driver holds the reference set (profiles of the removed accounts) and the model. Both are
broadcast once; each partition of active accounts builds its own :class:`MirrorLinker` from
them (``mapPartitions``), scores its accounts and returns the ranked results. The driver then
records them as events exactly as the single-machine scan does.

Difference from one machine: the reciprocal rank ("is this the best successor of that removed
account among all new accounts?") sees the accounts of one partition only."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any

from tarazu.domain.platform import Account, Post
from tarazu.linkage.linker import LinkerConfig, MirrorLinker
from tarazu.linkage.model import LinkageModel
from tarazu.linkage.profile import AccountProfile, build_profiles
from tarazu.linkage.result import MatchResult

Item = tuple[Account, Sequence[Post]]
#: Spark's Python daemon forks the workers; ours warms the name analyser first (its first use
#: takes seconds), so every worker forked from it starts warm.
DAEMON = "tarazu.adapters.spark_scan"


def spark_session(master: str = "local[2]", app_name: str = "tarazu-mirror-scan") -> Any:
    """A session that stays on this machine's loopback and serves no UI."""
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    from pyspark.sql import SparkSession

    return (SparkSession.builder.master(master).appName(app_name)
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.driver.bindAddress", "127.0.0.1")
            .config("spark.python.worker.reuse", "true")
            .config("spark.python.daemon.module", DAEMON)
            .config("spark.sql.shuffle.partitions", "4")
            .getOrCreate())


def _score_partition(model_json: str, config: LinkerConfig, reference: Sequence[AccountProfile],
                     top_k: int, explain_from: float, items: Iterator[Item]
                     ) -> Iterator[tuple[str, list[MatchResult]]]:
    linker = MirrorLinker(LinkageModel.from_json(model_json), config)
    linker.add_removed_profiles(reference)
    batch = list(items)
    if not batch:
        return
    profiles = build_profiles([a for a, _ in batch], {a.account_id: ps for a, ps in batch},
                              linker.platform)
    # who may continue whom is decided within this partition, as in a local batch
    yield from linker.score_batch(profiles, top_k, explain_from=explain_from).items()


def scan(spark: Any, model: LinkageModel, config: LinkerConfig,
         reference: Sequence[AccountProfile], items: Sequence[Item], top_k: int,
         partitions: int | None = None, explain_from: float = 0.0
         ) -> dict[str, list[MatchResult]]:
    """Score ``items`` (active accounts, ids as the linker knows them) against ``reference``;
    returns account id -> ranked results, those below ``explain_from`` unexplained."""
    sc = spark.sparkContext
    model_b = sc.broadcast(model.to_json())
    ref_b = sc.broadcast(list(reference))
    n = partitions or max(1, sc.defaultParallelism)
    rdd = sc.parallelize([(a, tuple(ps)) for a, ps in items], n)

    def run(part: Iterator[Item]) -> Iterator[tuple[str, list[MatchResult]]]:
        return _score_partition(model_b.value, config, ref_b.value, top_k, explain_from, part)

    try:
        return dict(rdd.mapPartitions(run).collect())
    finally:
        model_b.unpersist()
        ref_b.unpersist()


def with_ids(items: Sequence[Item], key: Any) -> list[Item]:
    """Items with account ids replaced by ``key(account)`` (e.g. ``platform:id``)."""
    return [(replace(a, account_id=key(a)), ps) for a, ps in items]


def _daemon() -> None:
    """Run Spark's Python daemon after one comparison of two display names (nothing may be
    written to stdout before the daemon does: Spark reads its port from there)."""
    from tarazu.linkage.handles import display_similarity

    display_similarity("Warm Up", "Warm Upp")
    from pyspark.daemon import manager

    manager()


if __name__ == "__main__":
    _daemon()
