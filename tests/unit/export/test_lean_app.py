"""pyarrow stays out of the Lambda package's import path: `import app` never loads it."""

from __future__ import annotations

import subprocess
import sys

from infra.package import ROOT


def test_import_app_loads_neither_pyarrow_nor_the_export() -> None:
    probe = "import sys, app; print(sorted({'pyarrow', 'chalicelib.export'} & set(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
