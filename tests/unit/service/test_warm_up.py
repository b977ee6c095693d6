"""The stream worker warms up before its first event: what loads slowly on first use (the
name analyser, the picture index's compiled kernels) is loaded by the warm-up, not by the
first sign-up it scores."""

from __future__ import annotations

import subprocess
import sys

SCRIPT = """
import sys
from tarazu.service.mirrors import MirrorDetector, newest_model
MirrorDetector(newest_model(None)).warm_up()
print("tarazu.signals.mih" in sys.modules)
"""


def test_the_warm_up_loads_the_picture_index_kernels():
    # a fresh process: in this one another test may have loaded them already
    out = subprocess.run([sys.executable, "-c", SCRIPT], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "True"
