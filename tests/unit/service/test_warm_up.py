"""The stream worker warms up before its first event: what loads slowly on first use (the
name analyser, the picture index's compiled kernels) is loaded by the warm-up, not by the
first sign-up it scores — nor, for the kernel that extends a grown index's tables, by an add
thousands of removals into the worker's life."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from tarazu.service.mirrors import MirrorDetector, newest_model
MirrorDetector(newest_model(None)).warm_up()
mih = sys.modules.get("tarazu.signals.mih")
print(mih is not None, bool(mih and mih._merge_tables.signatures),
      bool(mih and mih._search.signatures))
"""


def test_the_warm_up_loads_every_picture_index_kernel():
    # a fresh process: in this one another test may have loaded them already
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["True", "True", "True"]
