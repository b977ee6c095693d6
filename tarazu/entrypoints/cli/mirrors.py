"""``tarazu mirrors``: link new accounts to removed ones from an interchange file, and fit the
linkage model to a file: without labels (self-fit, what a new platform starts from) or with a
labelled split on top (benchmarks; reviewer-label retraining lives elsewhere)."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

# The linker, the model and the fitting load numpy, scikit-learn and datasketch: each command
# imports what it runs, so that ``tarazu mirrors --help`` starts at once.
if TYPE_CHECKING:
    from tarazu.domain.platform import Account
    from tarazu.linkage import LinkageModel, MirrorLinker
    from tarazu.linkage.profile import AccountProfile
    from tarazu.linkage.selffit import SelfFitReport

#: ``LinkerConfig.max_full``, the service's cut on full comparisons (a test keeps them equal)
MAX_FULL = 60

app = typer.Typer(help="Mirror accounts: rank the removed accounts a new account may continue.",
                  no_args_is_help=True)
console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not console.is_terminal)


def _load(path: Path) -> tuple[list, list]:
    from tarazu.interchange import load_records

    t = time.perf_counter()
    accounts, posts, errors = load_records(path)
    for e in errors[:10]:
        console.print(f"[yellow]skipped[/yellow] {e}")
    if len(errors) > 10:
        console.print(f"[yellow]... {len(errors) - 10} more bad records skipped[/yellow]")
    console.print(f"read {len(accounts)} accounts, {len(posts)} posts "
                  f"in {time.perf_counter() - t:.1f} s")
    return accounts, posts


def _read_into(linker: MirrorLinker, path: Path, jobs: int
               ) -> tuple[list[Account], list[AccountProfile]]:
    """Read INPUT and take it into ``linker`` (the removed accounts indexed, the active ones
    counted) as one bulk build (``service.memory.bulk_build``: without the cyclic
    collector's passes over what it builds, then frozen); the accounts read and the active
    accounts' profiles."""
    from tarazu.service.memory import bulk_build

    with bulk_build():
        accounts, posts = _load(path)
        actives = linker.load(accounts, posts, jobs)
    return accounts, actives


def _platform(name: str) -> str | None:
    """A known platform profile's name (None for none given), or a clear error."""
    if not name:
        return None
    from tarazu.linkage.platforms import get_platform

    try:
        return get_platform(name).name
    except ValueError as e:
        raise typer.BadParameter(str(e), param_hint="--profile") from None


def jobs_option() -> Any:
    return typer.Option(None, "--jobs", min=1,
                        help="worker processes building profiles, comparing the self-fit's "
                             "pairs and scoring the batch (forked); the answer is the same "
                             "for any number (default: one per core)")


def related_option() -> Any:
    return typer.Option(
        True, "--related-class/--no-related-class",
        help="self-fit: also fit the related class, another account of the same operator, and "
             "flag only where it agrees: a probability is the lower of the two- and the "
             "three-class posterior, so that what all of an operator's accounts share does not "
             "flag the wrong one (see docs/linking-findings.md)")


def jobs_or_default(asked: int | None) -> int:
    """``--jobs`` as given, else one per core (``linkage.parallel.default_jobs``)."""
    from tarazu.linkage.parallel import default_jobs

    return asked or default_jobs()


def _self_fit(linker: MirrorLinker, actives: list[AccountProfile], input: Path, jobs: int = 1,
              related: bool = False) -> tuple[LinkageModel, SelfFitReport]:
    """Self-fit on the loaded input, with progress, and say what was fitted."""
    from tarazu.linkage.selffit import SelfFitSettings, self_fit

    with _progress() as prog:
        tasks: dict[str, object] = {}

        def tick(what: str, n: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = prog.add_task(f"self-fit: {what}", total=total)
            prog.update(tasks[what], completed=n, total=total)  # type: ignore[arg-type]

        model, report = self_fit(linker, actives,
                                 SelfFitSettings(jobs=jobs, related_class=related),
                                 meta={"fitted_on": input.name}, progress=tick)
    console.print(
        f"self-fit on {report.actives} new accounts, {report.pairs} candidate pairs and "
        f"{report.random_pairs} random pairs in {report.seconds:.1f} s: prior "
        f"{report.prior:.2e}, {_discounted(report)}, "
        + (f"{report.related_pairs:.0f} candidate pairs taken for another account of the same "
           f"operator, " if report.related_prior is not None else "")
        + "evidence scaled by "
        f"{report.evidence_scale:.2f} in the probabilities, "
        f"{report.expected_mirrors:.0f} mirrors expected, review threshold "
        f"{report.review_threshold:.3f} (expected precision {report.expected_precision:.2f}, "
        f"{report.expected_flag_rate:.1%} of non-mirrors flagged)"
        + ("" if report.converged else f"; EM did not converge in {report.iterations} steps"))
    return model, report


def _discounted(report: SelfFitReport) -> str:
    """Which signals the fit counts at less than their weight, the most discounted first."""
    scales = sorted(report.comparator_scales.items(), key=lambda kv: kv[1])
    if not scales:
        return "every signal counted in full"
    shown = ", ".join(f"{n} {v:.2f}" for n, v in scales[:4])
    more = f" and {len(scales) - 4} more" if len(scales) > 4 else ""
    return f"signals that restate others counted at a share ({shown}{more})"


@app.command("link")
def link_cmd(
    input: Path = typer.Argument(..., exists=True, dir_okay=False,
                                 help="interchange file (.jsonl or .jsonl.gz)"),
    out: Path = typer.Option(..., "--out", help="answer file (JSONL), one line per active"),
    top_k: int = typer.Option(10, "--top-k", min=1),
    model: str = typer.Option(
        "", "--model",
        help="packaged model (default, ira, wikisocks, expert) or JSON file; without it the "
             "model is fitted to INPUT itself, without labels"),
    save_model: Path = typer.Option(None, "--save-model",
                                    help="also write the self-fitted model here"),
    profile: str = typer.Option(
        "", "--profile",
        help="platform profile reading platform-specific markup: wikipedia (user-talk pages, "
             "tool edit markers); default: the model's, or none (platform-neutral)"),
    related: bool = related_option(),
    max_full: int = typer.Option(
        MAX_FULL, "--max-full", min=0,
        help="compare in full only the N candidates most indexes propose; 0: all of them "
             "(the default is the service's, so the benchmark measures what runs)"),
    jobs: int | None = jobs_option(),
) -> None:
    """Rank, for every active account, the removed accounts it may continue (best first, with
    calibrated probabilities), using nothing but INPUT; ``flagged`` says whether the best
    candidate goes to review."""
    from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
    from tarazu.linkage.selffit import self_fit_start

    config = LinkerConfig(top_k=top_k, max_full=max_full or None, platform=_platform(profile))
    jobs = jobs_or_default(jobs)
    linker = MirrorLinker(load_model(model) if model else self_fit_start(), config)
    accounts, actives = _read_into(linker, input, jobs)
    if not model:
        fitted, _ = _self_fit(linker, actives, input, jobs, related)
        if save_model:
            fitted.save(save_model)
        linker = linker.with_model(fitted)
    lm = linker.model
    with _progress() as prog:
        task = prog.add_task("linking", total=None)

        def tick(n: int, total: int) -> None:
            prog.update(task, completed=n, total=total)

        # the answer file holds ids and probabilities: no explanation is built
        results = linker.score_batch(actives, top_k=top_k, progress=tick, jobs=jobs,
                                     explain_from=math.inf)
    out.parent.mkdir(parents=True, exist_ok=True)
    flagged = 0
    with open(out, "w", encoding="utf-8") as f:
        for a in accounts:
            if a.is_removed:
                continue
            rs = results.get(a.account_id, [])
            cands = [{"removed_account_id": r.removed_id, "score": round(r.probability, 6)}
                     for r in rs]
            flag = bool(rs) and rs[0].probability >= lm.thresholds.review
            flagged += flag
            f.write(json.dumps({"account_id": a.account_id, "candidates": cands,
                                "flagged": flag}, ensure_ascii=False) + "\n")
    console.print(f"wrote {len(results)} answers to {out}; {flagged} flagged (best candidate at "
                  f"or above the review threshold {lm.thresholds.review:.3f})")


@app.command("fit")
def fit_cmd(
    input: Path = typer.Argument(..., exists=True, dir_okay=False),
    out: Path = typer.Option(..., "--out", help="model JSON to write"),
    truth: Path = typer.Option(None, "--truth", exists=True,
                               help="truth.jsonl (benchmarks); without it: self-fit, no labels"),
    ids: str = typer.Option("", "--ids", help="split.json:dev — only these labels are used"),
    calibration: str = typer.Option(
        "logistic", "--calibration",
        help="with --truth: logistic (total + leads over rivals) | isotonic | platt"),
    min_precision: float = typer.Option(0.9, "--min-precision",
                                        help="review threshold: precision to reach"),
    max_flag_rate: float = typer.Option(0.05, "--max-flag-rate",
                                        help="review threshold: share of non-mirrors flagged"),
    confidence: float = typer.Option(
        0.5, "--confidence", min=0.5, max=0.999,
        help="with --truth: both constraints must hold for the one-sided Wilson bound at "
             "this confidence (0.5: the point estimate on the split)"),
    name: str = typer.Option("", "--name", help="what the model was fitted on (for the file)"),
    related: bool = related_option(),
    profile: str = typer.Option(
        "", "--profile",
        help="platform profile reading platform-specific markup: wikipedia (user-talk pages, "
             "tool edit markers); default: the model's, or none (platform-neutral)"),
    jobs: int | None = jobs_option(),
) -> None:
    """Fit the model to INPUT. Without ``--truth``: m/u, prior, calibration and the review
    threshold from the data alone (u from random pairs, m by EM; the threshold where the
    model's own posteriors expect ``--min-precision`` and ``--max-flag-rate``). With
    ``--truth`` and ``--ids``: the self-fit first, then m/u, calibration and the threshold
    move with the labels of the ids in ``--ids`` (the rest of the truth file is ignored)."""
    from tarazu.linkage import LinkerConfig, MirrorLinker
    from tarazu.linkage.selffit import self_fit_start, with_second_pass
    from tarazu.linkage.training import fit_model

    if calibration not in ("logistic", "isotonic", "platt"):
        raise typer.BadParameter("calibration must be logistic, isotonic or platt")
    labels: dict[str, str | None] = {}
    split_name = ""
    if truth is not None:
        if not ids:
            raise typer.BadParameter("--truth needs --ids SPLIT:PART (the labels to learn from)")
        split_path, _, part = ids.partition(":")
        keep = set(json.loads(Path(split_path).read_text(encoding="utf-8"))[part or "dev"])
        split_name = f"{Path(split_path).name}:{part or 'dev'}"
        for line in truth.read_text(encoding="utf-8").splitlines():
            if line.strip():
                r = json.loads(line)
                if r["account_id"] in keep:
                    labels[r["account_id"]] = r.get("mirror_of")
    jobs = jobs_or_default(jobs)
    linker = MirrorLinker(self_fit_start(), LinkerConfig(platform=_platform(profile)))
    _, actives = _read_into(linker, input, jobs)
    settings_meta = {"fitted_on": name or input.name}
    model, _ = _self_fit(linker, actives, input, jobs, related)
    model = model.with_(meta={**model.meta, **settings_meta})
    if truth is None:
        model.save(out)
        console.print(f"wrote {out} (self-fit, no labels)")
        return
    linker = linker.with_model(with_second_pass(model))
    train = [p for p in actives if p.account_id in labels]
    console.print(f"fitting on {len(train)} labelled accounts "
                  f"({sum(1 for v in labels.values() if v)} mirrors), from the self-fit")
    fitted, report = fit_model(
        linker, train, labels, calibration=calibration,
        min_precision=min_precision, max_flag_rate=max_flag_rate, all_actives=actives,
        confidence=confidence,
        meta={**model.meta, **settings_meta, "labelled": True, "split": split_name,
              "labels": len(train)},
    )
    fitted.save(out)
    console.print(f"wrote {out}: {report.pairs} pairs, {report.matches} matches, "
                  f"dev ECE {report.dev_reliability.ece:.4f}, "
                  f"review threshold {report.review_threshold:.4f}")
    for b in report.dev_reliability.bins:
        console.print(f"  p in [{b.lo:.1f},{b.hi:.1f}): n={b.count:6d} "
                      f"predicted {b.mean_predicted:.3f} observed {b.observed_rate:.3f}")


@app.command("explain")
def explain_cmd(
    input: Path = typer.Argument(..., exists=True, dir_okay=False),
    account_id: str = typer.Argument(...),
    top_k: int = typer.Option(3, "--top-k", min=1),
    model: str = typer.Option("", "--model", help="as for link; without it: self-fit"),
    profile: str = typer.Option(
        "", "--profile",
        help="platform profile reading platform-specific markup: wikipedia (user-talk pages, "
             "tool edit markers); default: the model's, or none (platform-neutral)"),
    jobs: int | None = jobs_option(),
) -> None:
    """Print the waterfall, in sentences, for one active account's best candidates."""
    from tarazu.linkage import LinkerConfig, MirrorLinker, load_model
    from tarazu.linkage.selffit import self_fit_start

    linker = MirrorLinker(load_model(model) if model else self_fit_start(),
                          LinkerConfig(platform=_platform(profile)))
    jobs = jobs_or_default(jobs)
    _, actives = _read_into(linker, input, jobs)
    if not model:
        linker = linker.with_model(_self_fit(linker, actives, input, jobs)[0])
    results = linker.score_batch(actives, top_k=top_k, jobs=jobs)
    for r in results.get(account_id, []):
        console.print(f"[bold]{r.removed_id}[/bold]")
        for line in r.explain():
            console.print("  " + line)


if __name__ == "__main__":
    app()
