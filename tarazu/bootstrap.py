"""The composition root: reads settings once and wires adapters to the use cases.

Entrypoints ask for an :class:`App` (or, for a command that needs no more, the
:func:`read_settings`); nothing else reads the environment or builds engines. Importing this
module is cheap: the adapters (SQLAlchemy, HTTP clients) are imported when they are wired, so
a light command such as ``tarazu db status`` can read its settings here too."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from tarazu.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from tarazu.adapters.checkpoints import FileCheckpoints
    from tarazu.adapters.db.crypto import FieldCipher
    from tarazu.adapters.db.uow import SqlUnitOfWork
    from tarazu.adapters.webhooks import WebhookPlatformAdapter
    from tarazu.designations.registry import DesignationRegistry
    from tarazu.referrals.checks import DesignationLookup
    from tarazu.service.clock import Clock


@dataclass
class App:
    settings: Settings
    engine: Engine
    cipher: FieldCipher
    clock: Clock
    _adapter: WebhookPlatformAdapter | None = field(default=None, repr=False)
    #: One outbox delivery at a time in this process (see tarazu.entrypoints.jobs).
    delivery_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def uow(self) -> SqlUnitOfWork:
        from tarazu.adapters.db.uow import SqlUnitOfWork

        return SqlUnitOfWork(self.engine, self.cipher)

    def platform_adapter(self) -> WebhookPlatformAdapter:
        from tarazu.adapters.webhooks import WebhookPlatformAdapter

        if self._adapter is None:
            self._adapter = WebhookPlatformAdapter(self.settings.platform_url,
                                                   self.settings.webhook_secret)
        return self._adapter

    def checkpoints(self) -> FileCheckpoints:
        """The signed checkpoints of the audit chain, outside the database."""
        from tarazu.adapters.checkpoints import FileCheckpoints

        s = self.settings
        return FileCheckpoints(s.checkpoint_dir or s.home / "checkpoints",
                               s.checkpoint_key or s.home / "checkpoint.key",
                               s.checkpoint_public_key)

    def designation_lookup(self) -> DesignationLookup:
        return registry_lookup(self)

    def designation_registry(self) -> DesignationRegistry:
        """The designation registry in the database (as imported with ``tarazu designations
        import``), or the registry shipped with tarazu while the database holds none."""
        from tarazu.adapters.db.designations import DesignationRepository
        from tarazu.designations.registry import default_registry

        with self.uow() as uow:
            registry = DesignationRepository(uow.conn).registry()
        return registry if len(registry) else default_registry()


def registry_lookup(app: App) -> DesignationLookup:
    """Group names are resolved against :meth:`App.designation_registry`."""
    from tarazu.referrals.lookup import registry_lookup as lookup_in

    return lookup_in(app.designation_registry())


def read_settings(**defaults: str) -> Settings:
    """The settings, from the environment (the one place it is read). ``defaults``: values,
    by variable name, for what the environment leaves unset — what a command knows only when
    it starts, such as the address a server listens on."""
    return Settings.from_env({**defaults, **os.environ})


def demo_settings(home: Path, platform_port: int, port: int = 8000) -> Settings:
    """The demo's own settings: its folder, its SQLite, plain-HTTP cookies, its platform, and
    links in notices pointing at the port the review UI really serves on (unless
    TARAZU_PUBLIC_URL says where users reach it). The operator's database and keys are never
    the demo's."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("TARAZU_DATABASE_URL", "TARAZU_SECRET_KEY", "TARAZU_WEBHOOK_SECRET")}
    env.update(TARAZU_HOME=str(home), TARAZU_COOKIE_SECURE="0",
               TARAZU_PLATFORM_URL=f"http://127.0.0.1:{platform_port}")
    env.setdefault("TARAZU_PUBLIC_URL", f"http://127.0.0.1:{port}")
    return Settings.from_env(env)


def bootstrap(settings: Settings | None = None, clock: Clock | None = None,
              migrate: bool = True) -> App:
    from tarazu.adapters.db.crypto import FieldCipher
    from tarazu.adapters.db.engine import ensure_schema, make_engine
    from tarazu.service.clock import SystemClock

    settings = settings or read_settings()
    engine = make_engine(settings.database_url)
    if migrate:
        ensure_schema(engine)
    return App(settings, engine, FieldCipher(settings.secret_key), clock or SystemClock())
