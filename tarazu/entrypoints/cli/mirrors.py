"""``tarazu mirrors``: link new accounts to removed ones from an interchange file, and fit the
linkage model from a labelled split (benchmarks; reviewer-label retraining lives elsewhere)."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tarazu.adapters.interchange import load_records
from tarazu.linkage import LinkerConfig, MirrorLinker, expert_model, load_model
from tarazu.linkage.training import fit_model

app = typer.Typer(help="Mirror accounts: rank the removed accounts a new account may continue.",
                  no_args_is_help=True)
console = Console(stderr=True)


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TimeElapsedColumn(), console=console, disable=not console.is_terminal)


def _load(path: Path) -> tuple[list, list]:
    t = time.perf_counter()
    accounts, posts, errors = load_records(path)
    for e in errors[:10]:
        console.print(f"[yellow]skipped[/yellow] {e}")
    if len(errors) > 10:
        console.print(f"[yellow]... {len(errors) - 10} more bad records skipped[/yellow]")
    console.print(f"read {len(accounts)} accounts, {len(posts)} posts "
                  f"in {time.perf_counter() - t:.1f} s")
    return accounts, posts


@app.command("link")
def link_cmd(
    input: Path = typer.Argument(..., exists=True, dir_okay=False,
                                 help="interchange file (.jsonl or .jsonl.gz)"),
    out: Path = typer.Option(..., "--out", help="answer file (JSONL), one line per active"),
    top_k: int = typer.Option(10, "--top-k", min=1),
    model: str = typer.Option("default", "--model",
                              help="packaged model (default, ira, wikisocks, expert) or JSON file"),
    max_full: int = typer.Option(
        LinkerConfig.max_full or 0, "--max-full", min=0,
        help="compare in full only the N candidates most indexes propose; 0: all of them "
             "(the default is the service's, so the benchmark measures what runs)"),
) -> None:
    """Rank, for every active account, the removed accounts it may continue (best first, with
    calibrated probabilities), using nothing but INPUT."""
    lm = load_model(model)
    accounts, posts = _load(input)
    linker = MirrorLinker(lm, LinkerConfig(top_k=top_k, max_full=max_full or None))
    with _progress() as prog:
        task = prog.add_task("linking", total=None)

        def tick(n: int, total: int) -> None:
            prog.update(task, completed=n, total=total)

        results = linker.link_all(accounts, posts, top_k=top_k, progress=tick)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out, "w", encoding="utf-8") as f:
        for a in accounts:
            if a.is_removed:
                continue
            cands = [{"removed_account_id": r.removed_id, "score": round(r.probability, 6)}
                     for r in results.get(a.account_id, [])]
            f.write(json.dumps({"account_id": a.account_id, "candidates": cands},
                               ensure_ascii=False) + "\n")
    flagged = sum(1 for rs in results.values() if rs and rs[0].probability >= lm.thresholds.review)
    console.print(f"wrote {len(results)} answers to {out}; {flagged} at or above the review "
                  f"threshold {lm.thresholds.review:.3f}")


@app.command("fit")
def fit_cmd(
    input: Path = typer.Argument(..., exists=True, dir_okay=False),
    truth: Path = typer.Option(..., "--truth", exists=True, help="truth.jsonl (benchmarks)"),
    ids: str = typer.Option(..., "--ids", help="split.json:dev — only these labels are used"),
    out: Path = typer.Option(..., "--out", help="model JSON to write"),
    method: str = typer.Option("labelled", "--method", help="labelled | em"),
    calibration: str = typer.Option(
        "logistic", "--calibration",
        help="logistic (total + leads over rivals) | isotonic | platt"),
    min_precision: float = typer.Option(0.9, "--min-precision",
                                        help="review threshold: precision to reach on the split"),
    max_flag_rate: float = typer.Option(0.05, "--max-flag-rate",
                                        help="review threshold: share of non-mirrors flagged"),
    confidence: float = typer.Option(
        0.5, "--confidence", min=0.5, max=0.999,
        help="review threshold: both constraints must hold for the one-sided Wilson bound at "
             "this confidence (0.5: the point estimate on the split)"),
    name: str = typer.Option("", "--name", help="what the model was fitted on (for the file)"),
) -> None:
    """Fit m/u, calibration and the review threshold on the labelled accounts of one split.
    Only the labels of the ids in ``--ids`` are read; the rest of the truth file is ignored."""
    if method not in ("labelled", "em"):
        raise typer.BadParameter("method must be labelled or em")
    if calibration not in ("logistic", "isotonic", "platt"):
        raise typer.BadParameter("calibration must be logistic, isotonic or platt")
    split_path, _, part = ids.partition(":")
    keep = set(json.loads(Path(split_path).read_text(encoding="utf-8"))[part or "dev"])
    labels: dict[str, str | None] = {}
    for line in truth.read_text(encoding="utf-8").splitlines():
        if line.strip():
            r = json.loads(line)
            if r["account_id"] in keep:
                labels[r["account_id"]] = r.get("mirror_of")
    accounts, posts = _load(input)
    linker = MirrorLinker(expert_model())
    actives = linker.load(accounts, posts)
    train = [p for p in actives if p.account_id in labels]
    console.print(f"fitting on {len(train)} labelled accounts "
                  f"({sum(1 for v in labels.values() if v)} mirrors)")
    model, report = fit_model(
        linker, train, labels, method=method, calibration=calibration,
        min_precision=min_precision, max_flag_rate=max_flag_rate, all_actives=actives,
        confidence=confidence,
        meta={"fitted_on": name or input.name, "split": f"{Path(split_path).name}:{part}"},
    )
    model.save(out)
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
    model: str = typer.Option("default", "--model"),
) -> None:
    """Print the waterfall, in sentences, for one active account's best candidates."""
    accounts, posts = _load(input)
    linker = MirrorLinker(load_model(model))
    results = linker.link_all(accounts, posts, top_k=top_k)
    for r in results.get(account_id, []):
        console.print(f"[bold]{r.removed_id}[/bold]")
        for line in r.explain():
            console.print("  " + line)


if __name__ == "__main__":
    app()
