"""Loops that have no array form, compiled with numba. Imported on first use (numba takes a
moment to import; a compiled kernel is cached on disk after its first call)."""

from __future__ import annotations

import numba as nb
import numpy as np


@nb.njit(cache=True, nogil=True)
def longest_common_runs(a: np.ndarray, flat: np.ndarray, starts: np.ndarray,
                        lens: np.ndarray) -> np.ndarray:  # pragma: no cover - compiled
    """Length of the longest common substring of ``a`` with each text ``flat[s:s+n]`` (code
    points): the classic dynamic programme, one row of run lengths per character of ``a``."""
    out = np.zeros(lens.shape[0], dtype=np.int64)
    width = 0
    for n in lens:
        width = max(width, n)
    prev = np.zeros(width + 1, dtype=np.int64)
    cur = np.zeros(width + 1, dtype=np.int64)
    for r in range(lens.shape[0]):
        s, n, best = starts[r], lens[r], 0
        prev[: n + 1] = 0
        for i in range(a.shape[0]):
            c = a[i]
            cur[0] = 0
            for j in range(n):
                if flat[s + j] == c:
                    v = prev[j] + 1
                    cur[j + 1] = v
                    if v > best:
                        best = v
                else:
                    cur[j + 1] = 0
            prev, cur = cur, prev
        out[r] = best
    return out


_C1 = np.uint64(0xCC9E2D51)
_C2 = np.uint64(0x1B873593)
_M32 = np.uint64(0xFFFFFFFF)


@nb.njit(cache=True, nogil=True, inline="always")
def _rotl32(x: np.uint64, r: int) -> np.uint64:  # pragma: no cover - compiled
    return ((x << np.uint64(r)) | (x >> np.uint64(32 - r))) & _M32


@nb.njit(cache=True, nogil=True)
def _murmur3_32(buf: np.ndarray, n: int) -> np.int64:  # pragma: no cover - compiled
    """MurmurHash3 (x86, 32 bits, seed 0) of ``buf[:n]`` as a signed 32-bit value, as
    scikit-learn's ``murmurhash3_32`` returns it."""
    h = np.uint64(0)
    nblocks = n // 4
    for b in range(nblocks):
        i = b * 4
        k = (np.uint64(buf[i]) | (np.uint64(buf[i + 1]) << np.uint64(8))
             | (np.uint64(buf[i + 2]) << np.uint64(16)) | (np.uint64(buf[i + 3]) << np.uint64(24)))
        k = (k * _C1) & _M32
        k = _rotl32(k, 15)
        k = (k * _C2) & _M32
        h ^= k
        h = _rotl32(h, 13)
        h = (h * np.uint64(5) + np.uint64(0xE6546B64)) & _M32
    tail = nblocks * 4
    rest = n & 3
    k = np.uint64(0)
    if rest >= 3:
        k ^= np.uint64(buf[tail + 2]) << np.uint64(16)
    if rest >= 2:
        k ^= np.uint64(buf[tail + 1]) << np.uint64(8)
    if rest >= 1:
        k ^= np.uint64(buf[tail])
        k = (k * _C1) & _M32
        k = _rotl32(k, 15)
        k = (k * _C2) & _M32
        h ^= k
    h ^= np.uint64(n)
    h ^= h >> np.uint64(16)
    h = (h * np.uint64(0x85EBCA6B)) & _M32
    h ^= h >> np.uint64(13)
    h = (h * np.uint64(0xC2B2AE35)) & _M32
    h ^= h >> np.uint64(16)
    v = np.int64(h)
    return v - np.int64(1 << 32) if v >= np.int64(1 << 31) else v


@nb.njit(cache=True, nogil=True)
def _utf8(cp: np.uint32, buf: np.ndarray, at: int) -> int:  # pragma: no cover - compiled
    """Write code point ``cp`` as UTF-8 at ``buf[at]``; the bytes written (surrogates as three
    bytes, as Python's ``surrogatepass`` writes them)."""
    c = np.int64(cp)
    if c < 0x80:
        buf[at] = c
        return 1
    if c < 0x800:
        buf[at] = 0xC0 | (c >> 6)
        buf[at + 1] = 0x80 | (c & 0x3F)
        return 2
    if c < 0x10000:
        buf[at] = 0xE0 | (c >> 12)
        buf[at + 1] = 0x80 | ((c >> 6) & 0x3F)
        buf[at + 2] = 0x80 | (c & 0x3F)
        return 3
    buf[at] = 0xF0 | (c >> 18)
    buf[at + 1] = 0x80 | ((c >> 12) & 0x3F)
    buf[at + 2] = 0x80 | ((c >> 6) & 0x3F)
    buf[at + 3] = 0x80 | (c & 0x3F)
    return 4


@nb.njit(cache=True, nogil=True)
def char_wb_columns(cps: np.ndarray, starts: np.ndarray, lens: np.ndarray, min_n: int,
                    max_n: int, n_features: int) -> np.ndarray:  # pragma: no cover - compiled
    """Hashed columns of the char n-grams of words ``cps[s:s+n]`` (code points), each word
    padded with a space on both sides, exactly as scikit-learn's ``char_wb`` analyzer cuts
    them (a word shorter than ``n`` gives one n-gram, itself) and its ``HashingVectorizer``
    places them: |murmurhash3_32(UTF-8 bytes)| mod ``n_features``. One column per n-gram, in
    the analyzer's order."""
    total = 0
    for w in range(lens.shape[0]):
        total += (lens[w] + 2) * (max_n - min_n + 1)
    out = np.empty(total, dtype=np.int64)
    buf = np.empty(4 * max_n, dtype=np.uint8)
    space = np.uint32(32)
    k = 0
    for w in range(lens.shape[0]):
        s, length = starts[w], lens[w] + 2
        for n in range(min_n, max_n + 1):
            offset = 0
            while True:
                m = 0
                for j in range(offset, min(offset + n, length)):
                    c = space if j == 0 or j == length - 1 else cps[s + j - 1]
                    m += _utf8(c, buf, m)
                h = _murmur3_32(buf, m)
                out[k] = (h if h >= 0 else -h) % n_features
                k += 1
                if offset + n >= length:
                    break
                offset += 1
            if offset == 0:
                break
    return out[:k]


def _crc32_table() -> np.ndarray:
    table = np.zeros(256, dtype=np.uint32)
    for i in range(256):
        c = i
        for _ in range(8):
            c = (0xEDB88320 ^ (c >> 1)) if c & 1 else (c >> 1)
        table[i] = c
    return table


_CRC32 = _crc32_table()


@nb.njit(cache=True, nogil=True)
def crc32_spans(buf: np.ndarray, starts: np.ndarray, ends: np.ndarray
                ) -> np.ndarray:  # pragma: no cover - compiled
    """CRC-32 (zlib's) of each byte span ``buf[starts[i]:ends[i]]``."""
    out = np.empty(starts.shape[0], dtype=np.uint32)
    for i in range(starts.shape[0]):
        c = np.uint32(0xFFFFFFFF)
        for j in range(starts[i], ends[i]):
            c = _CRC32[(c ^ buf[j]) & 0xFF] ^ (c >> np.uint32(8))
        out[i] = c ^ np.uint32(0xFFFFFFFF)
    return out
