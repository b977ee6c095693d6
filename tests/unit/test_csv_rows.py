"""Reading CSV files people hand in: a field over the limit is one named problem and reading
goes on, and the csv module's process-wide limit is never changed while a file is read (every
other reader in the process would see the change)."""

from __future__ import annotations

import csv

import pytest

from tarazu.textfiles import LineProblem, csv_rows


def test_a_field_over_the_limit_is_a_problem_and_the_next_rows_are_read():
    text = "a,b\n" + "x" * 50 + ",y\nc,d\n"
    rows = list(csv_rows(text, field_limit=20))
    assert rows[0] == (1, ["a", "b"])
    assert isinstance(rows[1][1], LineProblem) and "longer than 20" in rows[1][1].message
    assert rows[2] == (3, ["c", "d"])


def test_reading_leaves_the_csv_modules_limit_alone_while_it_reads():
    before = csv.field_size_limit()
    rows = csv_rows("a,b\nc,d\n", field_limit=10)
    next(rows)
    assert csv.field_size_limit() == before  # mid-read: a paused generator holds nothing
    list(rows)
    assert csv.field_size_limit() == before


def test_a_limit_above_the_modules_is_refused():
    with pytest.raises(ValueError, match="above the csv module"):
        list(csv_rows("a\n", field_limit=csv.field_size_limit() + 1))
