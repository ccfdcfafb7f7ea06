"""oligomet.io stays a leaf: no tracking/CLI/workflow imports, nothing done at import time."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import logging, sys
import oligomet.io
forbidden = [m for m in sys.modules
             if m.split(".")[0] == "mlflow"
             or m.startswith(("oligomet.cli", "oligomet.workflow", "oligomet.tracking"))]
assert not forbidden, forbidden
assert not logging.getLogger().handlers
"""


def test_import_is_side_effect_free():
    result = subprocess.run(
        [sys.executable, "-W", "error", "-c", CHECK], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
