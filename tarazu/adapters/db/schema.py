"""The whole schema: imports every module that adds tables to the shared ``metadata``.

Alembic compares against this; add a line here when a module adds tables."""

import tarazu.adapters.db.datarequests  # noqa: F401
import tarazu.adapters.db.reports  # noqa: F401
from tarazu.adapters.db import designations, due_process, hashbanks, tables  # noqa: F401
from tarazu.adapters.db.tables import metadata

__all__ = ["metadata"]
