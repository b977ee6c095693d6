"""The snapshot's file: named numpy arrays in an uncompressed ``.npz`` (a zip of ``.npy``
files, which ``numpy.load`` reads as it reads any), laid out so that a start can map it.

Why not ``np.savez`` and ``np.load``: ``np.load`` copies every array out of the zip through
a Python read loop, and a start at 1M removed accounts reads 6.6 GB so; its time per byte
grows with the file (BENCHMARKS.md). Here each member's data begins at a 64-byte boundary of
the file (a padding field in its local header, as Android's ``zipalign`` does it; the
``.npy`` header is itself padded to 64 bytes), so :func:`read_columns` maps the file once and
gives each array as a view of the mapping, after checking the member's CRC-32 — the check a
zip read makes, which finds a damaged file. The mapping is read-only: an array restored
from it cannot be written (numpy refuses; what grows is copied first) and never changes the
file, and the snapshot is replaced by renaming a new file over it, which leaves a mapped old
file whole.

A member this writer did not align (a file written by ``np.savez``), or one compressed, is
read as ``numpy.load`` reads it."""

from __future__ import annotations

import io
import mmap
import struct
import zipfile
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

import numpy as np

#: where each member's data starts (the alignment ``numpy.lib.format`` pads its header to)
ALIGN = 64
#: the id of the padding field in a local header (the one ``zipalign`` uses; readers skip
#: fields they do not know)
_PAD_ID = 0xD935
#: a local header's fixed part, and the zip64 field ``zipfile`` appends to it when forced
_LOCAL = struct.Struct("<4s5H3L2H")
_ZIP64_FIELD = 20
_CRC_CHUNK = 1 << 26
_HEADER_READERS = {(1, 0): np.lib.format.read_array_header_1_0,
                   (2, 0): np.lib.format.read_array_header_2_0}


class ColumnFileError(ValueError):
    """The file is not a readable column file (damaged, truncated, or not one)."""


def _padding(offset: int, name: bytes) -> bytes:
    """The extra field that puts the data of a member whose local header starts at
    ``offset`` on an :data:`ALIGN` boundary."""
    fixed = offset + _LOCAL.size + len(name) + _ZIP64_FIELD + 4  # 4: the field's own head
    pad = -fixed % ALIGN
    return struct.pack("<HH", _PAD_ID, pad) + b"\0" * pad


def write_columns(f: BinaryIO, cols: Mapping[str, np.ndarray]) -> None:
    """Write ``cols`` to the seekable ``f`` as an uncompressed ``.npz``, each array's data
    at an :data:`ALIGN`-byte offset of the file (``f`` positioned at its start)."""
    with zipfile.ZipFile(f, mode="w", compression=zipfile.ZIP_STORED,
                         allowZip64=True) as z:
        for key, value in cols.items():
            arr = np.asanyarray(value)
            if arr.dtype.hasobject:
                raise ValueError(f"column {key!r} holds Python objects")  # would need pickle
            info = zipfile.ZipInfo(key + ".npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            info.extra = _padding(f.tell(), info.filename.encode("utf-8"))
            with z.open(info, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, arr, allow_pickle=False)


def read_columns(path: Path) -> dict[str, np.ndarray]:
    """The arrays of the ``.npz`` at ``path`` by name: views of one private mapping of the
    file for the members written aligned, each checked against its CRC-32 first; others
    read as ``numpy.load`` reads them. Raises :class:`ColumnFileError` on a damaged file."""
    with open(path, "rb") as fh:
        try:
            z = zipfile.ZipFile(fh)
        except (zipfile.BadZipFile, OSError, EOFError) as e:
            raise ColumnFileError(f"not a column file: {e}") from e
        with z:
            infos = z.infolist()
            if not infos:
                return {}
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            try:
                return {info.filename.removesuffix(".npy"): _member(z, mm, info)
                        for info in infos}
            except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error) as e:
                raise ColumnFileError(f"member unreadable: {e}") from e


def _member(z: zipfile.ZipFile, mm: mmap.mmap, info: zipfile.ZipInfo) -> np.ndarray:
    start = _data_start(mm, info)
    if info.compress_type != zipfile.ZIP_STORED or start % ALIGN:
        with z.open(info) as member:  # as numpy.load reads it (the CRC checked by zipfile)
            return np.lib.format.read_array(member, allow_pickle=False)
    end = start + info.file_size
    if end > len(mm):
        raise ColumnFileError(f"{info.filename}: truncated")
    view = memoryview(mm)[start:end]
    crc = 0
    for at in range(0, len(view), _CRC_CHUNK):
        crc = zlib.crc32(view[at:at + _CRC_CHUNK], crc)
    if crc != info.CRC:
        raise ColumnFileError(f"{info.filename}: CRC-32 mismatch (the file is damaged)")
    head = io.BytesIO(view[:min(len(view), 1 << 16)])
    version = np.lib.format.read_magic(head)
    if (read_header := _HEADER_READERS.get(version)) is None:
        raise ColumnFileError(f"{info.filename}: .npy format {version} not read here")
    shape, fortran, dtype = read_header(head)
    if dtype.hasobject:
        raise ColumnFileError(f"{info.filename}: holds Python objects")
    count = int(np.prod(shape, dtype=np.int64))
    arr = np.frombuffer(mm, dtype=dtype, count=count, offset=start + head.tell())
    return arr.reshape(shape, order="F" if fortran else "C")


def _data_start(mm: mmap.mmap, info: zipfile.ZipInfo) -> int:
    """Where the member's data begins: after its local header, whose name and extra fields
    may differ in length from the central directory's."""
    at = info.header_offset
    if at + _LOCAL.size > len(mm):
        raise ColumnFileError(f"{info.filename}: truncated")
    sig, *_, name_len, extra_len = _LOCAL.unpack_from(mm, at)
    if sig != b"PK\x03\x04":
        raise ColumnFileError(f"{info.filename}: bad local header")
    return at + _LOCAL.size + name_len + extra_len
