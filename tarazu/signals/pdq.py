"""PDQ: Meta's perceptual hash for photos (256 bits as 64 hex characters, plus a quality).

Conventions shared with HMA / python-threatexchange so hash lists interchange: hashes of
quality below 50 are not used (flat or tiny images give hashes that match everything), and a
match is a Hamming distance of at most 31 bits. Images are converted to RGB before hashing,
which gives the reference hashes for greyscale, greyscale-with-alpha and 16-bit images too."""

from __future__ import annotations

import io
from typing import ClassVar

import numpy as np
import pdqhash
from PIL import Image, UnidentifiedImageError

from tarazu.signals.base import (
    BytesHasher,
    ContentType,
    HashResult,
    SignalType,
    Unhashable,
    hex_signal,
)

#: Below this quality a PDQ hash is discarded (the HMA / ThreatExchange convention).
MIN_QUALITY = 50
#: A match is a Hamming distance of at most this many bits, unless a bank sets its own.
DEFAULT_THRESHOLD = 31
BITS = 256


def hash_image(image: Image.Image) -> tuple[str, int]:
    """(64-hex hash, quality) of a Pillow image."""
    bits, quality = pdqhash.compute(np.asarray(image.convert("RGB")))
    return np.packbits(bits.astype(np.uint8)).tobytes().hex(), int(quality)


class PdqSignal(SignalType, BytesHasher):
    name = "pdq"
    content_types: ClassVar[tuple[ContentType, ...]] = (ContentType.PHOTO,)
    default_threshold = DEFAULT_THRESHOLD
    max_distance = BITS
    index_kind = "hamming256"
    min_quality = MIN_QUALITY

    @classmethod
    def validate_signal_str(cls, signal: str) -> str:
        return hex_signal(signal, 64, cls.name)

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return (int(a, 16) ^ int(b, 16)).bit_count()

    @classmethod
    def hash_bytes(cls, data: bytes) -> HashResult:
        try:
            with Image.open(io.BytesIO(data)) as image:
                signal, quality = hash_image(image)
        except (UnidentifiedImageError, OSError, ValueError) as e:
            raise Unhashable(f"pdq: not a readable image ({e})") from e
        return HashResult(cls.name, signal, quality, usable=quality >= MIN_QUALITY)

    @classmethod
    def get_examples(cls) -> list[str]:
        # Hashes of ThreatExchange's PDQ test images (see tests/unit/signals).
        return [
            "accb6d39648035f8125c8ce6ba65007de7b54c67a2d93ef7b8f33b0611306715",
            "fb4eed46cb8a6c78819ca06b756c541f7b07ef6d02c82fccd00f862166272cda",
            "d8f8f0cee0f4a84f0637022a078f67f0b36e2ed596621e1d33e6339c4e9c9b22",
        ]
