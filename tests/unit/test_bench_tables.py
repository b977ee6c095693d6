"""The benches print BENCHMARKS.md's layout (a row per figure, the goal beside it) and their
``--write`` replaces their own table and run notes only, keeping the prose written by hand.
Checked with made-up figures on a small markdown string, not on the real file."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from bench import linker_speed, scenario_family, snapshot_start, stream_load
from bench.benchmarks_file import write_table
from tarazu.demo.scenario import Knobs

HAND = "\nData: written by hand.\n\n- A bullet written by hand.\n\n## Next\n\nUntouched.\n"


def section(heading: str) -> tuple[str, str]:
    """A small file: its part above the table, and the table, old notes and hand-written
    rest."""
    above = f"# B\n\n| area | run |\n|---|---|\n| x | y |\n\n{heading}\n\nGoals by hand.\n\n"
    return above, "| figure | goal | old |\n|---|---|---|\n| p | — | 1 |\n\n2026-01-01, old.\n\n" \
        "    python bench/old.py\n" + HAND


def written(tmp_path: Path, heading: str, table: str, notes: str) -> tuple[str, str]:
    above, rest = section(heading)
    path = tmp_path / "BENCHMARKS.md"
    path.write_text(above + rest, encoding="utf-8")
    write_table(heading, table, notes, path)
    return above, path.read_text(encoding="utf-8")


def said(notes: str) -> str:
    """The notes with their wrapping undone."""
    return " ".join(notes.split())


def draw(n: int, seed: int, recall: float, precision: float, protected: int) -> dict[str, Any]:
    row: dict[str, Any] = {"draw": n, "seed": seed, "signup_only": 0.25, "careful": 0.5,
                           "operators": 6 + n, "hard_negatives": 200, "accounts": 500,
                           "mirrors": 70}
    row.update({c: 0.5 for c in scenario_family.SUMMARISED})
    row.update({"recall@1": recall, "flag": "flagged", "precision@flag": precision,
                "protected@auto": protected, "seconds": 10.0 + n})
    return {k: row[k] for k in ("draw", "seed", "signup_only", "careful", "operators",
                                "hard_negatives", "accounts", "mirrors", "recall@1",
                                "recall@10", "r@1 plain", "r@1 careful", "r@1 sign-up only",
                                "r@1 operator", "r@1 within reach", "misses in group",
                                "misses to own operator",
                                "flag", "precision@flag", "recall@flag", "non-mirrors flagged",
                                "hard negatives flagged", "protected@auto", "seconds")}


ROWS = [draw(1, 11, 0.9, 0.95, 0), draw(2, 22, 1.0, 0.85, 0), draw(3, 33, 0.94, 0.91, 1)]


def test_scenario_family_prints_a_row_per_figure_and_a_column_per_draw() -> None:
    lines = scenario_family.markdown(ROWS).splitlines()
    assert lines[:3] == ["| figure | goal | mean ± sd (worst draw) | draw 1 | draw 2 | draw 3 |",
                         "|---|---|---|---|---|---|", "| seed |  |  | 11 | 22 | 33 |"]
    assert [x.split(" | ")[0][2:] for x in lines[2:]] == [
        c for c in ROWS[0] if c not in ("draw", "flag")]
    by_figure = {x.split(" | ")[0][2:]: x for x in lines[2:]}
    assert by_figure["recall@1"] == ("| recall@1 | ≥ 0.95 on every draw: **missed** (met on one "
                                     "of three) | 0.947 ± 0.050 (worst 0.9) | 0.900 | 1.000 | "
                                     "0.940 |")
    assert by_figure["precision@flag"].startswith(
        "| precision@flag | ≥ 0.9 on every draw: **missed** (draw 2) | 0.903 ± 0.050 (worst 0.85)")
    assert by_figure["protected@auto"] == ("| protected@auto | 0 on every draw: **missed** "
                                           "(draw 3) | 0.333 ± 0.577 (worst 1) | 0 | 0 | 1 |")
    assert by_figure["seconds"] == ("| seconds |  | 12.000 ± 1.000 (worst 13) | 11.000 | "
                                    "12.000 | 13.000 |")


def test_scenario_family_goal_met_on_every_draw_or_on_none() -> None:
    good = [draw(1, 1, 0.96, 0.95, 0), draw(2, 2, 1.0, 0.99, 0)]
    assert scenario_family.verdict(good, "recall@1") == "≥ 0.95 on every draw: met"
    bad = [draw(1, 1, 0.9, 0.95, 0), draw(2, 2, 0.8, 0.99, 0)]
    assert scenario_family.verdict(bad, "recall@1") == ("≥ 0.95 on every draw: **missed** "
                                                        "(met on no draw)")


def test_scenario_family_write_keeps_the_hand_written_rest(tmp_path: Path) -> None:
    table = scenario_family.markdown(ROWS)
    notes = scenario_family.notes(ROWS, 1, [2.0, 3.0])
    above, out = written(tmp_path, "### Scenario family: three draws", table, notes)
    assert out == above + table + "\n" + notes + "\n" + HAND
    assert "family seed 1" in said(notes) and "load average 2.0–3.0" in said(notes)
    assert "`flagged`" in said(notes)


STREAM = stream_load.Result(
    rate=200, seconds=30, removed=1000, published=6000, achieved_rate=199.8, flagged=358,
    mirrors=370, mirrors_flagged=347, p50_s=77.16, p95_s=129.98, p99_s=134.77, max_s=138.31,
    max_lag=5139, catch_up_s=139.6, handled=6000, worker_rate=35.4, worker_start_s=20.2,
    preload_s=30.0, load_min=3.4, load_max=4.1, marked_at_end=12,
    worker_cpu_ms_per_event=1.6, mirror_p50_s=0.07, mirror_p95_s=1.9, mirror_p99_s=5.5,
    at_signup=300, at_signup_p50_s=0.05, at_signup_p95_s=0.4, at_signup_p99_s=0.9)


def test_stream_load_prints_the_table_with_the_goals_beside_the_figures() -> None:
    assert stream_load.table(STREAM, "--rate 200 --seconds 30 --removed 1000") == """\
| figure | goal (issue 18) | `--rate 200 --seconds 30 --removed 1000` |
| --- | --- | --- |
| load average during the run | — | 3.4–4.1 |
| events published (achieved rate) | 500/s for 10 minutes, 100k removed: not run | 6,000 (199.8/s) |
| sign-ups flagged | — | 358 (347 of 370 mirror sign-ups; 300 before their account's next event) |
| mirror sign-ups: p50 / p95 / p99 s | p95 ≤ 2, p99 ≤ 5 | **0.07 / 1.90 / 5.50** (p99 missed) |
| before their next event: p50 / p95 / p99 s | p95 ≤ 2, p99 ≤ 5 | **0.05 / 0.40 / 0.90** (met) |
| every flagged sign-up (later posts too): p50 / p95 / p99 s | — | 77.16 / 129.98 / 134.77 |
| max s | — | 138.31 |
| largest lag (msgs) | — | 5,139 |
| catch-up after publishing s | — | 139.6 |
| handled by the worker (its rate) | keeps up with ≥ 500/s | 6,000 (**35.4/s**; missed) |
| worker start s | — | 20.2 |
| worker CPU per event (ms) | — | 1.6 |
| accounts still marked for a re-score at the end | — | 12 |
"""


def test_stream_load_write_replaces_the_table_in_place(tmp_path: Path) -> None:
    table = stream_load.table(STREAM, "--rate 200")
    notes = stream_load.notes(STREAM, 20, "PostgreSQL 15.20 on the same machine (autovacuum off)")
    above, out = written(tmp_path, stream_load.SECTION, table, notes)
    assert out == above + table + "\n" + notes + "\n" + HAND
    assert "`--batch 20`" in said(notes) and "PostgreSQL 15.20" in said(notes)
    assert "load average 3.4–4.1" in said(notes)


def test_linker_speed_write_keeps_the_bullets_written_by_hand(tmp_path: Path) -> None:
    row = linker_speed.Row(10_000, 1.0, 33.0, 168.0, 22.0, 50.6, 3.54, 5.0, 0.34, 1.21, 37.6,
                           300, 55.0, 1.6, 1.3, 7.6, 53.0)
    table = linker_speed.table([row])
    notes = linker_speed.notes([2.1, 2.4])
    above, out = written(tmp_path, linker_speed.SECTION, table, notes)
    assert out == above + table + "\n" + notes + "\n" + HAND
    assert table.splitlines()[0] == "| figure | goal (issue 13) | 10,000 removed |"
    assert ("| score one new account p50 / p99 (ms) | ≤ 5 / ≤ 25 | **22.0 / 50.6** (missed) |"
            in table)
    assert "| withdraw p50 / p99 (ms) | ≤ 1 | **0.34 / 1.21** (p99 missed) |" in table
    assert "| index build (s) | ≤ 600 s at 1M | 33 (1M not measured) |" in table
    assert "| index memory, RSS delta | ≤ 3 GB at 1M | 168 MB |" in table
    assert "load average 2.1–2.4" in said(notes)


def test_a_worker_that_keeps_up_meets_the_rate_though_it_cannot_exceed_the_publisher() -> None:
    """Sent 500/s, a worker handles at most 500/s: over publishing and catch-up 499.6."""
    at_goal = replace(STREAM, rate=500, seconds=600, removed=100_000, published=300_000,
                      achieved_rate=500.0, handled=300_000, worker_rate=499.6, catch_up_s=0.5)
    row = "| handled by the worker (its rate) | keeps up with ≥ 500/s |"
    assert f"{row} 300,000 (**499.6/s**; met) |" in stream_load.table(at_goal, "x")
    behind = replace(at_goal, worker_rate=431.2, catch_up_s=95.8)
    assert f"{row} 300,000 (**431.2/s**; missed) |" in stream_load.table(behind, "x")
    lost = replace(at_goal, handled=299_000)
    assert "(**499.6/s**; missed)" in stream_load.table(lost, "x")


def test_stream_load_says_when_no_flag_of_a_kind_was_raised() -> None:
    """A worker far behind flags no sign-up before its next event: no figure to judge."""
    late = replace(STREAM, at_signup=0, at_signup_p50_s=float("nan"),
                   at_signup_p95_s=float("nan"), at_signup_p99_s=float("nan"))
    assert "| before their next event: p50 / p95 / p99 s | p95 ≤ 2, p99 ≤ 5 | none flagged |" \
        in stream_load.table(late, "--rate 200")


def test_the_reach_at_sign_up_counts_only_the_operators_removals_in_the_careful_gap() -> None:
    """A careful mirror seen only at sign-up, of an operator whose two accounts were removed
    within the gap before it (a third removed after it, a fourth long before): one chance in
    two. A plain mirror and a careful one of an operator with one account: found."""
    def account(aid: str, created: str, removed: str | None = None) -> dict[str, Any]:
        return {"account_id": aid, "created_at": created, "removed_at": removed}

    accounts = [account("r1", "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z"),
                account("r2", "2025-01-01T00:00:00Z", "2025-06-05T00:00:00Z"),
                account("r3", "2025-01-01T00:00:00Z", "2025-06-20T00:00:00Z"),
                account("r4", "2025-01-01T00:00:00Z", "2025-03-01T00:00:00Z"),
                account("r5", "2025-01-01T00:00:00Z", "2025-06-01T00:00:00Z"),
                account("m1", "2025-06-10T00:00:00Z"), account("m2", "2025-06-10T00:00:00Z"),
                account("m3", "2025-06-10T00:00:00Z")]
    truth = SimpleNamespace(
        mirror_of={"m1": "r2", "m2": "r1", "m3": "r5"},
        operator_of={"r1": "x", "r2": "x", "r3": "x", "r4": "x", "r5": "y", "m1": "x",
                     "m2": "x", "m3": "y"},
        careful=frozenset({"m1", "m3"}), signup_only=frozenset({"m1", "m3"}))
    files = SimpleNamespace(truth=truth, scenario=SimpleNamespace(accounts=accounts))
    knobs = Knobs(careful_gap_days=(2, 30))
    assert scenario_family.signup_limit(files, knobs) == (0.5 + 1 + 1) / 3


def test_linker_speed_reads_the_start_time_the_snapshot_start_prints() -> None:
    """The speed bench times the start from a snapshot in a fresh process and reads its
    seconds back from the line that process prints: the two must agree on that line."""
    out = "loading...\n" + snapshot_start.started_line(1_000_000, 71.256, 12_345.0) + "\n"
    assert linker_speed.started_in(out) == 71.26
    mapped = snapshot_start.started_line(1_000_000, 61.5, 12_345.0, 6_000.0)
    assert linker_speed.started_in(mapped) == 61.5 and "6000 MB of it" in mapped


def test_linker_speed_refuses_a_start_it_cannot_read() -> None:
    with pytest.raises(ValueError, match="no start time"):
        linker_speed.started_in("Traceback (most recent call last): ...")
