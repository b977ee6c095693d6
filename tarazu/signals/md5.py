"""MD5 of a file's bytes: exact matching of re-uploaded videos and files.

Named ``md5``; HMA's ``video_md5`` is accepted as an alias on import so its hash lists load
unchanged. Exact only — any re-encoding changes it, which is what PDQ is for on photos."""

from __future__ import annotations

import hashlib
from typing import ClassVar

from tarazu.signals.base import BytesHasher, ContentType, ExactHexSignal, HashResult


class Md5Signal(ExactHexSignal, BytesHasher):
    name = "md5"
    content_types: ClassVar[tuple[ContentType, ...]] = (
        ContentType.VIDEO, ContentType.PHOTO, ContentType.FILE)
    hex_length = 32

    @classmethod
    def hash_bytes(cls, data: bytes) -> HashResult:
        return HashResult(cls.name, hashlib.md5(data, usedforsecurity=False).hexdigest())

    @classmethod
    def get_examples(cls) -> list[str]:
        return [hashlib.md5(b"tarazu example %d" % i, usedforsecurity=False).hexdigest()
                for i in range(3)]
