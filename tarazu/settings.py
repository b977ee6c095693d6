"""Settings, read from the environment once, by the composition root (``bootstrap``) only.

| variable | meaning | default |
|---|---|---|
| TARAZU_HOME | folder for the embedded database, keys and generated files | ./var |
| TARAZU_DATABASE_URL | SQLAlchemy URL: sqlite:///... or postgresql://... | sqlite:///$TARAZU_HOME/tarazu.db |
| TARAZU_SECRET_KEY | key (urlsafe base64, 32 bytes) for personal data encrypted at rest | generated into $TARAZU_HOME/secret.key |
| TARAZU_WEBHOOK_SECRET | shared HMAC-SHA256 secret for the platform adapter | generated into $TARAZU_HOME/webhook.secret |
| TARAZU_PLATFORM_URL | base URL of the platform's enforcement API | http://127.0.0.1:8001 |
| TARAZU_NATS_URL | NATS JetStream server for event streams | nats://127.0.0.1:4222 |
| TARAZU_COOKIE_SECURE | send the session cookie with the Secure flag (1/0) | 1 |
"""

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
