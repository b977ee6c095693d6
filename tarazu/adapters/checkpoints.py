"""The checkpoint log on disk and its Ed25519 key, both outside the database.

- The signing key is a PEM file (mode 0600) that only the tarazu process reads; it is created on
  first use when missing. The database never holds it, so a database administrator can rewrite
  events but cannot sign a checkpoint that agrees with the rewrite.
- The public key may be published (``tarazu audit public-key``); ``verify`` uses a pinned public
  key when one is configured, else the one that belongs to the signing key.
- The log is one JSON line per checkpoint, only ever appended (``O_APPEND``, fsync'd), under an
  exclusive lock so that the served app and a CLI command never write the same number twice.
  Put its directory on append-only storage (``chattr +a``, a write-once bucket it is copied
  to) where the database's administrators cannot write: see docs/security.md."""

from __future__ import annotations

import base64
import fcntl
import hashlib
import json
import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from tarazu.domain.checkpoint import Checkpoint, CheckpointError

LOG_NAME = "checkpoints.jsonl"


class CheckpointKeyError(ValueError):
    """The key file is missing or is not an Ed25519 key; the message names the file."""


def key_id(public: Ed25519PublicKey) -> str:
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return "ed25519:" + hashlib.sha256(raw).hexdigest()[:16]


def public_pem(public: Ed25519PublicKey) -> str:
    return public.public_bytes(serialization.Encoding.PEM,
                               serialization.PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def _load_private(path: Path, create: bool) -> Ed25519PrivateKey | None:
    if not path.exists():
        if not create:
            return None
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        return key
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (ValueError, TypeError) as e:
        raise CheckpointKeyError(f"{path}: not a PEM private key ({e})") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise CheckpointKeyError(f"{path}: the checkpoint key must be an Ed25519 key")
    return key


def load_public(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as e:
        raise CheckpointKeyError(f"{path}: not a PEM public key ({e})") from None
    if not isinstance(key, Ed25519PublicKey):
        raise CheckpointKeyError(f"{path}: the checkpoint public key must be an Ed25519 key")
    return key


class FileCheckpoints:
    """The checkpoint log in ``directory``, signed with the key at ``key_path``."""

    def __init__(self, directory: Path, key_path: Path,
                 public_key_path: Path | None = None) -> None:
        self.directory = directory
        self.path = directory / LOG_NAME
        self.key_path = key_path
        self.public_key_path = public_key_path

    # -- keys ------------------------------------------------------------------------------
    def _signing_key(self) -> Ed25519PrivateKey:
        key = _load_private(self.key_path, create=True)
        assert key is not None
        return key

    def public_key(self) -> Ed25519PublicKey | None:
        """The pinned public key if configured, else the signing key's (None: no key yet)."""
        if self.public_key_path is not None:
            return load_public(self.public_key_path)
        private = _load_private(self.key_path, create=False)
        return private.public_key() if private else None

    def _verifier(self) -> tuple[str, Ed25519PublicKey] | None:
        key = self.public_key()
        return (key_id(key), key) if key is not None else None

    def signer(self) -> tuple[str, Callable[[bytes], str]]:
        key = self._signing_key()
        return key_id(key.public_key()), lambda data: base64.b64encode(key.sign(data)).decode()

    def signature_ok(self, cp: Checkpoint) -> bool:
        verifier = self._verifier()
        if verifier is None or cp.key_id != verifier[0]:
            return False
        try:
            verifier[1].verify(base64.b64decode(cp.signature, validate=True), cp.signed_bytes())
        except (InvalidSignature, ValueError):
            return False
        return True

    # -- the log ---------------------------------------------------------------------------
    def read(self) -> list[Checkpoint]:
        """Every checkpoint in order (an empty list when none was taken yet)."""
        if not self.path.exists():
            return []
        out = []
        with open(self.path, encoding="utf-8", errors="replace") as f:
            for n, line in enumerate(f, 1):
                if not line.strip():
                    continue
                where = f"{self.path.name} line {n}"
                try:
                    doc = json.loads(line)
                except ValueError as e:
                    raise CheckpointError(f"{where}: not JSON ({e})") from None
                out.append(Checkpoint.from_json(doc, where))
        return out

    def latest(self) -> Checkpoint | None:
        """The last checkpoint, read from the end of the file (the log grows without bound;
        taking the next checkpoint must not read all of it)."""
        if not self.path.exists():
            return None
        with open(self.path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 65536))
            tail = f.read().decode("utf-8", errors="replace").splitlines()
        lines = [x for x in tail if x.strip()]
        if not lines:
            return None
        where = f"{self.path.name} (last line)"
        try:
            doc = json.loads(lines[-1])
        except ValueError as e:
            raise CheckpointError(f"{where}: not JSON ({e})") from None
        return Checkpoint.from_json(doc, where)

    @contextmanager
    def appending(self) -> Iterator[Callable[[Checkpoint], None]]:
        """Hold the log's lock: read the latest under it, then append at most once."""
        self.directory.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)

            def append(cp: Checkpoint) -> None:
                line = json.dumps(cp.to_json(), sort_keys=True, separators=(",", ":"))
                os.write(fd, (line + "\n").encode("utf-8"))
                os.fsync(fd)

            yield append
        finally:
            os.close(fd)  # closing releases the lock
