"""The BLAS thread cap holds even when it is set before anything else has loaded NumPy."""

from __future__ import annotations

import subprocess
import sys


def test_the_cap_holds_when_set_first_thing_in_a_process() -> None:
    # as the app does: the cap comes first, NumPy (and OpenBLAS) are loaded by what follows
    code = ("from digitlab.model.blas import limit_blas_threads\n"
            "limit_blas_threads(1)\n"
            "import numpy\n"
            "from threadpoolctl import threadpool_info\n"
            "print(sorted({p['num_threads'] for p in threadpool_info() if p['user_api'] == 'blas'}))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.strip() == "[1]", out.stdout + out.stderr
