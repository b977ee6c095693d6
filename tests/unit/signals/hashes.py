"""Random PDQ hashes and near copies of them, for the tests of the indexes and the matcher."""

from __future__ import annotations

import random


def rand_pdq(rng: random.Random) -> str:
    return f"{rng.getrandbits(256):064x}"


def flip_bits(signal: str, bits: list[int]) -> str:
    """``signal`` with the bits at these positions flipped."""
    v = int(signal, 16)
    for b in bits:
        v ^= 1 << b
    return f"{v:064x}"


def flip(signal: str, bits: int, rng: random.Random) -> str:
    """``signal`` with ``bits`` bits flipped, anywhere."""
    return flip_bits(signal, rng.sample(range(256), bits))
