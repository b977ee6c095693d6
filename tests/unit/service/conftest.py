"""A tarazu held in memory for use-case tests: the in-memory unit of work (the same contract as
the database's, tests/integration/storage/test_uow_contract*.py), a fixed clock, and the
designation registry shipped with tarazu (what an empty database resolves groups against).
It has what the tests' helpers read of :class:`tarazu.bootstrap.App` (``uow``, ``clock``,
``designation_lookup``), so a helper written for the SQL app serves both."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from tarazu.adapters.memory_uow import MemoryDatabase
from tarazu.designations.registry import default_registry
from tarazu.referrals.checks import DesignationLookup
from tarazu.referrals.lookup import registry_lookup
from tarazu.service.clock import FixedClock


@dataclass
class MemoryApp:
    clock: FixedClock
    uow: MemoryDatabase = field(default_factory=MemoryDatabase)

    def designation_lookup(self) -> DesignationLookup:
        return registry_lookup(default_registry())


@pytest.fixture
def memory_app(clock: FixedClock) -> MemoryApp:
    return MemoryApp(clock)
