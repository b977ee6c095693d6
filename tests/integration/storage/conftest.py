"""The units of work the contract suite runs on (tests/integration/storage/test_uow_contract*):
the in-memory one, and the SQL one on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tarazu.adapters.memory_uow import MemoryDatabase
from tarazu.bootstrap import bootstrap
from tarazu.service.ports import StoreUnitOfWork
from tests.conftest import fresh_store, make_settings


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def new_uow(request: pytest.FixtureRequest, tmp_path: Path
            ) -> Iterator[Callable[[], StoreUnitOfWork]]:
    if request.param == "memory":
        yield MemoryDatabase()
        return
    app = bootstrap(make_settings(tmp_path, fresh_store(request, tmp_path)))
    yield app.uow
    app.engine.dispose()
