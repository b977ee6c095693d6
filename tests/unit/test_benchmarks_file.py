"""A bench's ``--write`` replaces its own table in BENCHMARKS.md (and the run notes under it)
and leaves every other byte of the file as it was: the prose around the tables is written by
hand. Checked on a small markdown string, not on the real file."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.benchmarks_file import arguments, replace_table, write_table

HEAD = """# Benchmarks

Intro with a table of its own:

| area | how to run |
|---|---|
| Speed | `python bench/speed.py` |

## Quality

| figure | goal | now |
|---|---|---|
| recall | ≥ 0.9 | 0.8 |

Text about quality.

### Family: three draws

Goals above the table.

"""
FAMILY_TABLE = """| figure | goal | draw 1 |
|---|---|---|
| recall@1 | ≥ 0.95 | 0.9 |
"""
FAMILY_NOTES = """
Family seed 1, 2026-12-01, the reference machine (load 3),
wrapped onto a second line.

    python bench/family.py --markdown    # comment by hand
"""
FAMILY_REST = """
Data: written by hand.

- A bullet written by hand.
- Another, with `code`.

## Speed

| figure | goal | 10,000 |
|---|---|---|
| p50 | ≤ 5 | 22 |

2026-12-01, machine, load 2.

```
python bench/speed.py --sizes 10000
# not a heading
```

- Speed bullet by hand.
"""
DOC = HEAD + FAMILY_TABLE + FAMILY_NOTES + FAMILY_REST
NEW_TABLE = ("| figure | goal | draw 1 | draw 2 |\n|---|---|---|---|\n"
             "| recall@1 | ≥ 0.95 | 1 | 1 |\n")
NEW_NOTES = "2026-12-05, a machine, load 1.\n\n    python bench/family.py --draws 2"


def test_only_the_table_under_the_heading_changes() -> None:
    out = replace_table(DOC, "### Family", NEW_TABLE)
    assert out == HEAD + NEW_TABLE + FAMILY_NOTES + FAMILY_REST


def test_notes_down_to_the_command_block_change_and_the_hand_written_rest_stays() -> None:
    out = replace_table(DOC, "### Family", NEW_TABLE, NEW_NOTES)
    assert out == HEAD + NEW_TABLE + "\n" + NEW_NOTES + "\n" + FAMILY_REST


def test_a_fenced_command_block_ends_the_notes_and_hash_lines_in_it_are_no_heading() -> None:
    table = "| figure | goal | 30,000 |\n|---|---|---|\n| p50 | ≤ 5 | 19 |"
    out = replace_table(DOC, "## Speed", table, "2026-12-05, x.\n\n    python bench/speed.py")
    start = DOC.index("| figure | goal | 10,000 |")
    assert out == (DOC[:start] + table + "\n\n2026-12-05, x.\n\n    python bench/speed.py\n"
                   "\n- Speed bullet by hand.\n")


def test_notes_go_under_a_table_that_has_none_and_the_bullets_stay() -> None:
    doc = "## A\n\n| x | goal |\n|---|---|\n| 1 | — |\n\n- by hand\n"
    out = replace_table(doc, "## A", "| x | goal |\n|---|---|\n| 2 | — |", "2026, m.")
    assert out == "## A\n\n| x | goal |\n|---|---|\n| 2 | — |\n\n2026, m.\n\n- by hand\n"


def test_writing_twice_is_writing_once() -> None:
    once = replace_table(DOC, "### Family", NEW_TABLE, NEW_NOTES)
    assert replace_table(once, "### Family", NEW_TABLE, NEW_NOTES) == once


def test_a_heading_that_is_missing_ambiguous_or_without_a_table_is_refused() -> None:
    with pytest.raises(ValueError):
        replace_table(DOC, "## Nowhere", NEW_TABLE)
    with pytest.raises(ValueError):
        replace_table(DOC, "#", NEW_TABLE)  # every heading starts so
    with pytest.raises(ValueError):
        replace_table("## A\n\nno table\n\n## B\n\n| x |\n", "## A", NEW_TABLE)


def test_write_table_writes_the_file(tmp_path: Path) -> None:
    path = tmp_path / "BENCHMARKS.md"
    path.write_bytes(DOC.encode())
    write_table("### Family", NEW_TABLE, None, path)
    assert path.read_bytes() == (HEAD + NEW_TABLE + FAMILY_NOTES + FAMILY_REST).encode()


def test_the_command_shown_leaves_out_where_the_figures_were_written() -> None:
    assert arguments(["b.py", "--draws", "2", "--write", "/tmp/x.md", "--markdown"]) == [
        "--draws", "2", "--markdown"]
    assert arguments(["b.py", "--write", "--draws", "2"]) == ["--draws", "2"]
    assert arguments(["b.py", "--write=x.md"]) == []
