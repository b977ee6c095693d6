"""Settings, read from the environment once, by the composition root (``bootstrap``) only.
The README lists the variables (TARAZU_HOME, TARAZU_DATABASE_URL, TARAZU_SECRET_KEY,
TARAZU_WEBHOOK_SECRET, TARAZU_PLATFORM_URL, TARAZU_NATS_URL, TARAZU_COOKIE_SECURE,
TARAZU_PUBLIC_URL, TARAZU_CHECKPOINT_DIR, TARAZU_CHECKPOINT_KEY, TARAZU_CHECKPOINT_PUBLIC_KEY,
TARAZU_TRUSTED_PROXIES, TARAZU_MAX_BODY_BYTES, TARAZU_API_RATE, TARAZU_WEB_RUNS_JOBS). Keys
that are not given are generated once into $TARAZU_HOME (mode 0700) with mode 0600, never into
the repository."""

from __future__ import annotations

import base64
import ipaddress
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
    #: Peers whose X-Forwarded-For is believed (addresses or networks); nobody's by default.
    trusted_proxies: tuple[str, ...] = ()
    max_body_bytes: int = 10 * 1024 * 1024
    #: Authenticated requests per user: a burst of ``api_burst``, refilled at ``api_rate``/s.
    api_burst: int = 300
    api_rate: float = 5.0
    #: Whether a web process runs the background jobs itself (a single-process install);
    #: otherwise ``tarazu worker`` runs them, once however many web processes serve.
    web_runs_jobs: bool = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if env is None else env
        home = Path(env.get("TARAZU_HOME", "var")).resolve()
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
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
            trusted_proxies=_networks(env.get("TARAZU_TRUSTED_PROXIES", "")),
            max_body_bytes=int(env.get("TARAZU_MAX_BODY_BYTES", 10 * 1024 * 1024)),
            web_runs_jobs=env.get("TARAZU_WEB_RUNS_JOBS", "0") == "1",
            **_api_rate(env.get("TARAZU_API_RATE", "")),
        )


def _networks(value: str) -> tuple[str, ...]:
    """Proxy addresses or networks, checked here so a typo fails at start, not per request."""
    out = tuple(p.strip() for p in value.split(",") if p.strip())
    for p in out:
        try:
            ipaddress.ip_network(p, strict=False)
        except ValueError:
            raise ValueError(f"TARAZU_TRUSTED_PROXIES: {p!r} is not an address or network"
                             ) from None
    return out


def _api_rate(value: str) -> dict[str, float]:
    """``BURST/PER_SECOND``, e.g. ``300/5`` (the default)."""
    if not value:
        return {}
    burst, _, rate = value.partition("/")
    return {"api_burst": int(burst), "api_rate": float(rate or 5)}


def _key_file(path: Path, make: callable) -> bytes:  # type: ignore[valid-type]
    """Read a key kept outside the repository, creating it (mode 0600) on first use."""
    if path.exists():
        if path.stat().st_mode & 0o077:  # made by hand or by an older version
            path.chmod(0o600)
        return path.read_bytes().strip()
    value: bytes = make()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(value)
    return value
