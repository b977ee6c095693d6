"""What a known-content signal type is: a stateless plug-in that validates, compares and
(optionally) computes one kind of hash.

After python-threatexchange's ``SignalType``: a comparison returns a
:class:`SignalComparisonResult` (match *and* distance) rather than a bool, so the distance can
be shown to a reviewer and thresholds can be set per bank. Capabilities (hashing bytes,
hashing text) are small separate bases, so a type never carries a method it cannot honour."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from enum import StrEnum
from typing import ClassVar


class ContentType(StrEnum):
    PHOTO = "photo"
    VIDEO = "video"
    TEXT = "text"
    FILE = "file"


class InvalidSignal(ValueError):
    """A signal string that is not a valid hash of its type; the message says why."""


class Unhashable(ValueError):
    """Content that cannot give a usable hash (unreadable image, too little text)."""


@dataclass(frozen=True)
class SignalComparisonResult:
    match: bool
    distance: int


@dataclass(frozen=True)
class HashResult:
    """A computed hash; ``quality`` is 0-100 where the type has a notion of it (PDQ)."""

    signal_type: str
    signal: str
    quality: int | None = None
    usable: bool = True


class SignalType(ABC):
    """A stateless signal type. ``default_threshold`` is the largest distance that matches
    unless a bank sets its own; ``max_distance`` bounds what a bank may set."""

    name: ClassVar[str]
    content_types: ClassVar[tuple[ContentType, ...]]
    default_threshold: ClassVar[int] = 0
    max_distance: ClassVar[int] = 0
    #: Which index serves it: "exact", "hamming256" (PDQ, multi-index hashing) or "minhash" (LSH).
    index_kind: ClassVar[str] = "exact"
    #: Hashes computed with a quality below this are not used (PDQ: 50).
    min_quality: ClassVar[int] = 0

    @classmethod
    def get_name(cls) -> str:
        return cls.name

    @classmethod
    def get_content_types(cls) -> tuple[ContentType, ...]:
        return cls.content_types

    @classmethod
    @abstractmethod
    def validate_signal_str(cls, signal: str) -> str:
        """The canonical form of ``signal``; raises :class:`InvalidSignal`."""

    @classmethod
    @abstractmethod
    def distance(cls, a: str, b: str) -> int:
        """Distance between two canonical signals (0 = identical)."""

    @classmethod
    def compare_hash(cls, a: str, b: str, threshold: int | None = None
                     ) -> SignalComparisonResult:
        d = cls.distance(cls.validate_signal_str(a), cls.validate_signal_str(b))
        limit = cls.default_threshold if threshold is None else threshold
        return SignalComparisonResult(match=d <= limit, distance=d)

    @classmethod
    def check_threshold(cls, threshold: int) -> int:
        if not 0 <= threshold <= cls.max_distance:
            raise ValueError(f"{cls.name}: a threshold must be between 0 and "
                             f"{cls.max_distance}, not {threshold}")
        return threshold

    @classmethod
    @abstractmethod
    def get_examples(cls) -> list[str]:
        """Valid signals of this type (used by the contract tests and the docs)."""


class ExactHexSignal(SignalType):
    """A cryptographic digest as hex: matches only when identical (MD5, SHA-256 of text)."""

    hex_length: ClassVar[int]

    @classmethod
    def validate_signal_str(cls, signal: str) -> str:
        return hex_signal(signal, cls.hex_length, cls.name)

    @classmethod
    def distance(cls, a: str, b: str) -> int:
        return 0 if a == b else 1


class BytesHasher(ABC):
    """Capability: compute the signal from the raw bytes of a file (image, video, any)."""

    @classmethod
    @abstractmethod
    def hash_bytes(cls, data: bytes) -> HashResult:
        """Raises :class:`Unhashable` when the bytes give no hash."""


class TextHasher(ABC):
    """Capability: compute the signal from a text."""

    @classmethod
    @abstractmethod
    def hash_text(cls, text: str) -> HashResult:
        """Raises :class:`Unhashable` when the text gives no usable hash."""


def hex_signal(signal: str, length: int, type_name: str) -> str:
    """Lower-case hex of exactly ``length`` characters (shared by the hex hash types)."""
    s = signal.strip().lower()
    if len(s) != length:
        raise InvalidSignal(f"{type_name}: expected {length} hex characters, got {len(s)}")
    try:
        int(s, 16)
    except ValueError:
        raise InvalidSignal(f"{type_name}: not a hexadecimal string") from None
    return s
