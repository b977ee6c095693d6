"""``tarazu mirrors scan``, ``self-fit`` and ``train``: mirror detection over the store.

They join the ``mirrors`` app of :mod:`tarazu.entrypoints.cli.mirrors` (file-based linking
and benchmark fitting) as the operations that read and write the database: re-scoring every
active account after a removal wave (here, or as a Spark job), and retraining the model from
reviewers' decisions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import typer

from tarazu.domain.platform import Account, Post
from tarazu.entrypoints.cli.common import (
    cli_actor,
    console,
    fail,
    get_app,
    print_json,
    progress_bar,
)
from tarazu.entrypoints.cli.mirrors import app, jobs_option, jobs_or_default

# The detector loads the linker (numpy, scikit-learn, datasketch): each command imports what
# it runs, so that ``tarazu mirrors --help`` starts at once.
if TYPE_CHECKING:
    from tarazu.linkage.result import MatchResult
    from tarazu.service import mirrors


def spark_scorer(master: str, partitions: int | None, detector: mirrors.MirrorDetector):  # type: ignore[no-untyped-def]
    """A scorer that runs each batch as a Spark job (broadcast reference, mapPartitions)."""
    from tarazu.adapters import spark_scan
    from tarazu.service import mirrors

    spark = spark_scan.spark_session(master)

    def score(items: Sequence[tuple[Account, Sequence[Post]]], explain_from: float
              ) -> Mapping[str, Sequence[MatchResult]]:
        keyed = spark_scan.with_ids(items, lambda a: mirrors.account_key(a.platform,
                                                                         a.account_id))
        return spark_scan.scan(spark, detector.model, detector.linker.config,
                               list(detector.linker.removed.values()), keyed,
                               detector.config.top_k, partitions, explain_from)

    return spark, score


@app.command("scan")
def scan_cmd(
    engine: str = typer.Option("local", "--engine", help="local | spark"),
    master: str = typer.Option("local[2]", "--master", help="Spark master (with --engine spark)"),
    partitions: int = typer.Option(0, "--partitions", help="Spark partitions (0: one per core)"),
    batch: int = typer.Option(5000, "--batch", min=1, help="accounts per scoring batch"),
    auto_action: str = typer.Option("suspend", "--auto-action",
                                    help="suspend | remove (waits for a second reviewer) | none"),
    jobs: int | None = jobs_option(),
) -> None:
    """Re-score every active account against the current reference set (after a removal
    wave, or with a new model); flags and automated decisions are recorded as events, and
    unchanged results write nothing."""
    from tarazu.entrypoints.cli.mirror_start import start_detector
    from tarazu.service import mirrors

    if engine not in ("local", "spark"):
        fail("--engine must be local or spark")
    if auto_action not in ("suspend", "remove", "none"):
        fail("--auto-action must be suspend, remove or none")
    container = get_app()
    detector = mirrors.MirrorDetector(mirrors.model_in_use(container.uow, container.settings.home),
                                      mirrors.MirrorConfig(auto_action=auto_action))
    start = start_detector(container, detector, show_progress=True)
    console.print(f"model {detector.loaded.model_id}; {detector.size} removed accounts "
                  f"(started from {start.source}"
                  f"{': ' + start.reason if start.reason else ''})")
    spark, scorer = None, None
    if engine == "spark":
        spark, scorer = spark_scorer(master, partitions or None, detector)
    try:
        with progress_bar(f"scan ({engine})", None) as bar:
            report = mirrors.scan(container.uow, container.clock, detector, scorer=scorer,
                                  engine=engine, batch=batch, jobs=jobs_or_default(jobs),
                                  progress=lambda n, t: bar.update(0, completed=n, total=t))
    finally:
        if spark is not None:
            spark.stop()
    print_json(report.to_dict())


@app.command("self-fit")
def self_fit_cmd(
    max_actives: int = typer.Option(20_000, "--max-actives", min=1,
                                    help="the newest active accounts read (mirrors are new)"),
    jobs: int | None = jobs_option(),
    by: str | None = typer.Option(None, help="who is acting (default cli:<user>)"),
) -> None:
    """Fit the model to this platform's own store, without labels (u from random pairs, m by
    EM, rarity of shared values, a threshold from the model's expected precision), and put it
    in use as the next version in $TARAZU_HOME/models — recorded in the audit chain. The way
    to start: reviewers' decisions then move it (``tarazu mirrors train``)."""
    from tarazu.service import mirrors

    container = get_app()
    try:
        report = mirrors.self_fit_on_store(container.uow, container.clock,
                                           container.settings.home, by=cli_actor(by),
                                           max_actives=max_actives,
                                           jobs=jobs_or_default(jobs))
    except mirrors.NothingToFit as e:
        fail(str(e))
        return
    f = report.fit
    console.print(f"wrote {report.path} ({report.version}): fitted on {report.removed} removed "
                  f"and {report.actives} active accounts, no labels; review threshold "
                  f"{f.review_threshold:.3f} (expected precision {f.expected_precision:.2f}, "
                  f"{f.expected_flag_rate:.1%} of non-mirrors flagged)")
    print_json({"path": str(report.path), "version": report.version, **f.to_dict()})


@app.command("train")
def train_cmd(
    min_labels: int = typer.Option(4, "--min-labels", min=2,
                                   help="fewest reviewer labels to fit on"),
    confidence: float = typer.Option(
        0.9, "--confidence", min=0.5, max=0.999,
        help="the review threshold must meet precision 0.90 and at most 5 % of non-mirrors "
             "flagged for the one-sided Wilson bound at this confidence; if the labels cannot "
             "show it, the current model's threshold is kept"),
    by: str | None = typer.Option(None, help="who is acting (default cli:<user>)"),
) -> None:
    """Fit the model from reviewers' decisions on flagged accounts (EVA-1 enforcement:
    confirmed mirror; no action: not one) and write the next version to
    $TARAZU_HOME/models; the stream worker and the scan load the newest. Putting it in use is
    recorded in the audit chain (who, the model and its fingerprint, the one it replaced)."""
    from tarazu.service import mirrors

    container = get_app()
    try:
        report = mirrors.train(container.uow, container.clock, container.settings.home,
                               by=cli_actor(by), min_labels=min_labels, confidence=confidence)
    except mirrors.NotEnoughLabels as e:
        fail(str(e))
        return
    rel = report.dev_reliability or report.fit_reliability
    where = "held-out" if report.dev_reliability else "in-sample (too few labels to hold out)"
    console.print(f"wrote {report.path}: {report.labels} labels ({report.mirrors} mirrors), "
                  f"review threshold {report.review_threshold:.3f}"
                  f"{'' if report.threshold_supported else ' (kept: too few labels to move it)'}"
                  f"; {where} ECE {rel.ece:.4f}, "
                  f"Brier {rel.brier:.4f}")
    print_json(report.to_dict())


@app.command("snapshot")
def snapshot_cmd(
    rebuild: bool = typer.Option(False, "--rebuild",
                                 help="build the reference set from the store, ignoring the "
                                      "current snapshot"),
) -> None:
    """Save the reference set (removed accounts' profiles and index signatures, no pickle)
    with the event-log position it reflects, so that the stream worker and the scan start
    from it and replay only what came after. Run it after a large removal wave or on a
    schedule; a snapshot of another model or format is ignored (and the set built anew)."""
    from tarazu.entrypoints.cli.mirror_start import start_detector
    from tarazu.service import mirrors
    from tarazu.service.mirrors.snapshot import (
        rebuild_reference_set,
        save_reference_snapshot,
        snapshot_path,
    )

    container = get_app()
    detector = mirrors.MirrorDetector(mirrors.model_in_use(container.uow, container.settings.home))
    path = snapshot_path(container.settings.home)
    if rebuild:
        with progress_bar("reference set", None) as bar:
            rebuild_reference_set(container.uow, detector,
                                  lambda n, t: bar.update(0, completed=n, total=t),
                                  clock=container.clock)
    else:
        start_detector(container, detector, show_progress=True)
    header = save_reference_snapshot(container.uow, detector, path, container.clock)
    console.print(f"wrote {path}: {header.count} removed accounts at log position "
                  f"{header.position} (model {detector.loaded.model_id})")
