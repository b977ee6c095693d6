"""Settings, read from the environment once, by the composition root (``bootstrap``) only.
The README lists the variables (TARAZU_HOME, TARAZU_DATABASE_URL, TARAZU_SECRET_KEY,
TARAZU_WEBHOOK_SECRET, TARAZU_PLATFORM_URL, TARAZU_NATS_URL, TARAZU_COOKIE_SECURE,
TARAZU_PUBLIC_URL, TARAZU_CHECKPOINT_DIR, TARAZU_CHECKPOINT_KEY, TARAZU_CHECKPOINT_PUBLIC_KEY).
Keys that are not given are generated once into $TARAZU_HOME with mode 0600,
never into the repository."""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Settings:
    home: Path
    database_url: str
    secret_key: bytes
    webhook_secret: bytes
    platform_url: str
    nats_url: str
    cookie_secure: bool
    public_url: str = "http://127.0.0.1:8000"  # where users reach the appeal page
    #: Signed checkpoints of the audit chain: an append-only directory and an Ed25519 key the
    #: database never holds (both default to $TARAZU_HOME; keep them elsewhere in production),
    #: and optionally the published public key that ``audit verify`` pins.
    checkpoint_dir: Path | None = None
    checkpoint_key: Path | None = None
    checkpoint_public_key: Path | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("TARAZU_HOME", "var")).resolve()
        home.mkdir(parents=True, exist_ok=True)
        url = env.get("TARAZU_DATABASE_URL") or f"sqlite:///{home / 'tarazu.db'}"
        secret = env.get("TARAZU_SECRET_KEY", "").encode() or _key_file(
            home / "secret.key", lambda: base64.urlsafe_b64encode(secrets.token_bytes(32))
        )
        hook = env.get("TARAZU_WEBHOOK_SECRET", "").encode() or _key_file(
            home / "webhook.secret", lambda: secrets.token_hex(32).encode()
        )
        return cls(
            home=home,
            database_url=url,
            secret_key=secret,
            webhook_secret=hook,
            platform_url=env.get("TARAZU_PLATFORM_URL", "http://127.0.0.1:8001").rstrip("/"),
            nats_url=env.get("TARAZU_NATS_URL", "nats://127.0.0.1:4222"),
            cookie_secure=env.get("TARAZU_COOKIE_SECURE", "1") != "0",
            public_url=env.get("TARAZU_PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            checkpoint_dir=Path(env.get("TARAZU_CHECKPOINT_DIR") or home / "checkpoints"),
            checkpoint_key=Path(env.get("TARAZU_CHECKPOINT_KEY") or home / "checkpoint.key"),
            checkpoint_public_key=(Path(env["TARAZU_CHECKPOINT_PUBLIC_KEY"])
                                   if env.get("TARAZU_CHECKPOINT_PUBLIC_KEY") else None),
        )


def _key_file(path: Path, make: callable) -> bytes:  # type: ignore[valid-type]
    """Read a key kept outside the repository, creating it (mode 0600) on first use."""
    if path.exists():
        return path.read_bytes().strip()
    value: bytes = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(value)
    return value
