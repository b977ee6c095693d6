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


#: which bit a 64-bit word with one bit set has, by the top six bits of its product with a
#: de Bruijn sequence (each of the 64 products has other top bits)
_DE_BRUIJN = np.uint64(0x03F79D71B4CB0A89)
_LOW_BIT = np.zeros(64, dtype=np.int64)
_LOW_BIT[[((1 << b) * 0x03F79D71B4CB0A89 & (2**64 - 1)) >> 58 for b in range(64)]] = range(64)


@nb.njit(cache=True, nogil=True)
def value_counts(values: np.ndarray, top: int, tally: np.ndarray, seen: np.ndarray
                 ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """The distinct ``values`` in ascending order and how often each occurs, as ``np.unique``
    with its counts gives them; if ``top`` >= 0 and there are more, only the ``top`` most
    frequent (ties by the smaller value: the first ``top`` in the order (-count, value)),
    still in ascending order.

    Counted in place rather than sorted: ``tally`` (int32, one entry per possible value) and
    ``seen`` (uint64, one bit per possible value) are scratch arrays of zeros, left zeros, so
    that the pass is linear in the values and the distinct ones come out in order from the
    bits."""
    d = 0
    for c in values:
        if tally[c] == 0:
            d += 1
            seen[c >> 6] |= np.uint64(1) << np.uint64(c & 63)
        tally[c] += 1
    cols = np.empty(d, dtype=np.int64)
    counts = np.empty(d, dtype=np.int64)
    k = 0
    for w in range(seen.shape[0]):
        x = seen[w]
        if x == 0:
            continue
        seen[w] = 0
        while x != 0:  # the set bits, lowest first
            low = x & (~x + np.uint64(1))
            c = w * 64 + _LOW_BIT[(low * _DE_BRUIJN) >> np.uint64(58)]
            cols[k] = c
            counts[k] = tally[c]
            tally[c] = 0
            k += 1
            x ^= low
    if top < 0 or d <= top:
        return cols, counts
    # the count at which the cut falls: all above it are kept, of those at it the first
    hist = np.zeros(counts.max() + 1, dtype=np.int64)
    for n in counts:
        hist[n] += 1
    cut = hist.shape[0] - 1
    above = 0
    while above + hist[cut] < top:
        above += hist[cut]
        cut -= 1
    need = top - above
    out_cols = np.empty(top, dtype=np.int64)
    out_counts = np.empty(top, dtype=np.int64)
    k = 0
    for i in range(d):
        n = counts[i]
        if n > cut or (n == cut and need > 0):
            if n == cut:
                need -= 1
            out_cols[k] = cols[i]
            out_counts[k] = n
            k += 1
    return out_cols, out_counts


_FMIX1 = np.uint64(0x85EBCA6B)
_FMIX2 = np.uint64(0xC2B2AE35)


@nb.njit(cache=True, nogil=True)
def affine32_minhash(values: np.ndarray, a: np.ndarray, b: np.ndarray
                     ) -> np.ndarray:  # pragma: no cover - compiled
    """The MinHash signature of the 32-bit ``values`` under datasketch's ``affine32`` scheme
    with permutations ``(a, b)``: each value pre-mixed by the MurmurHash3 finalizer, then per
    permutation the least ``a * h + b`` mod 2^32 (uint32 values; 2^32 - 1 for none). One
    compiled pass, not a (values x permutations) array per account; the property tests hold
    it to datasketch's ``MinHash.update_batch``."""
    out = np.full(a.shape[0], _M32, dtype=np.uint64)
    for i in range(values.shape[0]):
        h = np.uint64(values[i])
        h ^= h >> np.uint64(16)
        h = (h * _FMIX1) & _M32
        h ^= h >> np.uint64(13)
        h = (h * _FMIX2) & _M32
        h ^= h >> np.uint64(16)
        for j in range(a.shape[0]):
            v = (np.uint64(a[j]) * h + np.uint64(b[j])) & _M32
            if v < out[j]:
                out[j] = v
    return out.astype(np.uint32)


_GOLDEN = np.uint64(0x9E3779B97F4A7C15)


@nb.njit(cache=True, nogil=True)
def table_add(keys: np.ndarray, sums: np.ndarray, used: np.ndarray, hashes: np.ndarray,
              amounts: np.ndarray) -> int:  # pragma: no cover - compiled
    """Add ``amounts[i]`` to the sum held for ``hashes[i]`` in an open-addressing table
    (``keys`` uint64, ``sums`` int64, ``used`` bool; a power of two of slots, at most half
    used, probed linearly from a multiplicative hash of the key). Returns how many keys were
    new to the table."""
    mask = np.uint64(keys.shape[0] - 1)
    new = 0
    for i in range(hashes.shape[0]):
        k = np.uint64(hashes[i])
        s = ((k * _GOLDEN) >> np.uint64(32)) & mask
        while used[s] and keys[s] != k:
            s = (s + np.uint64(1)) & mask
        if not used[s]:
            used[s] = True
            keys[s] = k
            sums[s] = 0
            new += 1
        sums[s] += amounts[i]
    return new


@nb.njit(cache=True, nogil=True)
def table_get(keys: np.ndarray, sums: np.ndarray, used: np.ndarray, hashes: np.ndarray
              ) -> np.ndarray:  # pragma: no cover - compiled
    """The sum held for each of ``hashes`` in a table of :func:`table_add` (0: absent)."""
    mask = np.uint64(keys.shape[0] - 1)
    out = np.zeros(hashes.shape[0], dtype=np.int64)
    for i in range(hashes.shape[0]):
        k = np.uint64(hashes[i])
        s = ((k * _GOLDEN) >> np.uint64(32)) & mask
        while used[s]:
            if keys[s] == k:
                out[i] = sums[s]
                break
            s = (s + np.uint64(1)) & mask
    return out


@nb.njit(cache=True, nogil=True)
def crc32_word_runs(buf: np.ndarray, n: int) -> tuple[np.ndarray, int]:  # pragma: no cover
    """The distinct CRC-32 values (zlib's), sorted, of every run of ``n`` consecutive words
    in ``buf``: UTF-8 bytes of words joined by one space (32) within a text and by one line
    break (10) between texts; a run never spans two texts. Each run is hashed where it lies
    in the bytes, from its first word's start to its last word's end. Also returns how many
    words the separators delimit (one more than there are separators), for the caller to
    check against the words it joined: a word holding a separator would shift every run
    after it."""
    m = 1
    for b in buf:
        if b == 32 or b == 10:
            m += 1
    starts = np.empty(m, dtype=np.int64)
    ends = np.empty(m, dtype=np.int64)
    text = np.empty(m, dtype=np.int64)
    starts[0] = 0
    k = 0
    t = 0
    for j in range(buf.shape[0]):
        b = buf[j]
        if b == 32 or b == 10:
            ends[k] = j
            text[k] = t
            k += 1
            starts[k] = j + 1
            if b == 10:
                t += 1
    ends[k] = buf.shape[0]
    text[k] = t
    out = np.empty(max(m - n + 1, 0), dtype=np.uint32)
    c = 0
    for i in range(m - n + 1):
        if text[i] != text[i + n - 1]:
            continue
        h = np.uint32(0xFFFFFFFF)
        for j in range(starts[i], ends[i + n - 1]):
            h = _CRC32[(h ^ buf[j]) & 0xFF] ^ (h >> np.uint32(8))
        out[c] = h ^ np.uint32(0xFFFFFFFF)
        c += 1
    found = np.sort(out[:c])
    d = 0
    for i in range(c):
        if i == 0 or found[i] != found[d - 1]:
            found[d] = found[i]
            d += 1
    return found[:d], m


@nb.njit(cache=True, nogil=True)
def char_wb_counts(cps: np.ndarray, space: np.ndarray, min_n: int, max_n: int,
                   n_features: int, top: int, tally: np.ndarray, seen: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - compiled
    """:func:`value_counts` of :func:`char_wb_columns` of the words of a text (code points
    ``cps``), the words cut where ``str.split`` cuts them: at runs of the code points that
    ``space`` (a flag per BMP code point) marks, none beyond the BMP being white space. One
    call for what took a split, a join, an encoding and two calls."""
    n = cps.shape[0]
    starts = np.empty(n, dtype=np.int64)
    lens = np.empty(n, dtype=np.int64)
    w = 0
    i = 0
    while i < n:
        if cps[i] < space.shape[0] and space[cps[i]]:
            i += 1
            continue
        j = i
        while j < n and not (cps[j] < space.shape[0] and space[cps[j]]):
            j += 1
        starts[w] = i
        lens[w] = j - i
        w += 1
        i = j
    if w == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    placed = char_wb_columns(cps, starts[:w], lens[:w], min_n, max_n, n_features)
    return value_counts(placed, top, tally, seen)


@nb.njit(cache=True, nogil=True)
def class_counts(cps: np.ndarray, classes: np.ndarray, n_classes: int
                 ) -> tuple[np.ndarray, int]:  # pragma: no cover - compiled
    """How many of the code points ``cps`` fall in each class of the table ``classes`` (a
    class per code point below its length), and how many lie beyond the table."""
    out = np.zeros(n_classes, dtype=np.int64)
    beyond = 0
    for c in cps:
        if c < classes.shape[0]:
            out[classes[c]] += 1
        else:
            beyond += 1
    return out, beyond
