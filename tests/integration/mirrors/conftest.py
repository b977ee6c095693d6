"""Fixtures for mirror detection: store records, a detector over the store."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pytest

from tarazu.domain.platform import Account
from tarazu.interchange import parse_object
from tarazu.linkage.model import expert_model
from tarazu.service.mirrors.common import MirrorConfig
from tarazu.service.mirrors.reference import MirrorDetector
from tarazu.service.mirrors.registry import LoadedModel
from tests.integration.mirrors import data


def store(app, records: Iterable[dict[str, Any]]) -> None:
    with app.uow() as uow:
        for r in records:
            rec = parse_object(r)
            if isinstance(rec, Account):
                uow.platform.upsert_account(rec)
            else:
                uow.platform.upsert_post(rec)
        uow.commit()


def detector(app, **config: Any) -> MirrorDetector:
    d = MirrorDetector(LoadedModel(expert_model(), "expert"), MirrorConfig(**config))
    with app.uow() as uow:
        d.refresh(uow, clock=app.clock)
        uow.commit()
    d.warm_up()
    return d


@pytest.fixture
def reference(app):
    """``app`` (SQLite and PostgreSQL) holding the removed accounts."""
    store(app, data.removed())
    return app
