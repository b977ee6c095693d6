"""The units of work the contract suite runs on (tests/integration/storage/test_uow_contract*):
the in-memory one, and the SQL one on SQLite and on PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tarazu.adapters.memory_uow import MemoryDatabase
from tarazu.bootstrap import bootstrap
from tarazu.service.ports import StoreUnitOfWork
from tests.conftest import _fresh_sqlite, _reset_pg, make_settings


@pytest.fixture(params=["memory", "sqlite", "postgres"])
def new_uow(request: pytest.FixtureRequest, tmp_path: Path
            ) -> Iterator[Callable[[], StoreUnitOfWork]]:
    if request.param == "memory":
        yield MemoryDatabase()
        return
    url = None
    if request.param == "postgres":
        url = request.getfixturevalue("pg_database")
        _reset_pg(url)
    else:
        _fresh_sqlite(request.getfixturevalue("migrated_sqlite"), tmp_path)
    app = bootstrap(make_settings(tmp_path, url))
    yield app.uow
    app.engine.dispose()
