"""The composition root: reads settings once and wires adapters to the use cases.

Entrypoints ask for an :class:`App`; nothing else reads the environment or builds engines."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from sqlalchemy import Engine

from tarazu.adapters.checkpoints import FileCheckpoints
from tarazu.adapters.db.crypto import FieldCipher
from tarazu.adapters.db.engine import ensure_schema, make_engine
from tarazu.adapters.db.uow import SqlUnitOfWork
from tarazu.adapters.webhooks import WebhookPlatformAdapter
from tarazu.designations.registry import DesignationRegistry
from tarazu.referrals.checks import DesignationLookup
from tarazu.service.clock import Clock, SystemClock
from tarazu.settings import Settings


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
        return SqlUnitOfWork(self.engine, self.cipher)

    def platform_adapter(self) -> WebhookPlatformAdapter:
        if self._adapter is None:
            self._adapter = WebhookPlatformAdapter(self.settings.platform_url,
                                                   self.settings.webhook_secret)
        return self._adapter

    def checkpoints(self) -> FileCheckpoints:
        """The signed checkpoints of the audit chain, outside the database."""
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


def bootstrap(settings: Settings | None = None, clock: Clock | None = None,
              migrate: bool = True) -> App:
    settings = settings or Settings.from_env()
    engine = make_engine(settings.database_url)
    if migrate:
        ensure_schema(engine)
    return App(settings, engine, FieldCipher(settings.secret_key), clock or SystemClock())
