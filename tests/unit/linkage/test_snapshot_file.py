"""The snapshot's file: an ``.npz`` that ``numpy.load`` reads as any, whose arrays a start
takes as views of one read-only mapping, each member checked by its CRC-32 first."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pytest

from tarazu.linkage.snapshot_file import ALIGN, ColumnFileError, read_columns, write_columns


def _columns() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    return {
        "ints": rng.integers(0, 2**40, size=1001, dtype=np.int64),
        "bytes": rng.integers(0, 255, size=7, dtype=np.uint8),  # odd lengths shift the next
        "a_long_name_that_shifts_the_header.values": rng.random(333).astype(np.float32),
        "matrix": rng.random((17, 5)),
        "fortran": np.asfortranarray(rng.random((4, 6))),
        "empty": np.zeros(0, dtype=np.uint32),
        "flags": rng.random(50) < 0.5,
    }


def _write(path: Path, cols: dict[str, np.ndarray]) -> None:
    with open(path, "wb") as f:
        write_columns(f, cols)


def test_every_array_comes_back_equal_as_a_read_only_aligned_view(tmp_path: Path):
    cols = _columns()
    _write(tmp_path / "c.npz", cols)
    got = read_columns(tmp_path / "c.npz")
    assert list(got) == list(cols)
    for name, want in cols.items():
        have = got[name]
        assert have.dtype == want.dtype and have.shape == want.shape, name
        assert np.array_equal(have, want), name
        assert not have.flags.owndata, f"{name} was copied, not mapped"
        assert not have.flags.writeable, name  # the file cannot be changed through it
        assert have.ctypes.data % ALIGN == 0 or have.size == 0, name


def test_numpy_reads_the_file_as_any_npz(tmp_path: Path):
    cols = _columns()
    _write(tmp_path / "c.npz", cols)
    with np.load(tmp_path / "c.npz", allow_pickle=False) as z:
        assert sorted(z.files) == sorted(cols)
        for name, want in cols.items():
            assert np.array_equal(z[name], want), name


def test_a_file_numpy_wrote_is_read_as_numpy_reads_it(tmp_path: Path):
    """Snapshots written before this file format (``np.savez``: members not aligned) and a
    compressed one still start."""
    cols = _columns()
    for save in (np.savez, np.savez_compressed):
        save(tmp_path / "old", **cols)
        got = read_columns(tmp_path / "old.npz")
        assert all(np.array_equal(got[k], v) and got[k].dtype == v.dtype
                   for k, v in cols.items())


def test_a_changed_byte_in_an_array_is_refused(tmp_path: Path):
    cols = _columns()
    path = tmp_path / "c.npz"
    _write(path, cols)
    with zipfile.ZipFile(path) as z:
        info = z.getinfo("ints.npy")
    data = bytearray(path.read_bytes())
    data[info.header_offset + info.compress_size // 2 + 200] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(ColumnFileError, match="CRC"):
        read_columns(path)


@pytest.mark.parametrize("damage", ["truncated", "empty", "not a zip"])
def test_a_damaged_file_is_refused_with_a_clear_error(tmp_path: Path, damage):
    path = tmp_path / "c.npz"
    _write(path, _columns())
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) - 40], "empty": b"",
                      "not a zip": b"\x93NUMPY" + bytes(500)}[damage])
    with pytest.raises(ColumnFileError):
        read_columns(path)


def test_arrays_holding_objects_are_not_written(tmp_path: Path):
    with open(tmp_path / "c.npz", "wb") as f, pytest.raises(ValueError, match="objects"):
        write_columns(f, {"o": np.array(["a", None], dtype=object)})
