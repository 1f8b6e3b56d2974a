"""How many threads the BLAS (OpenBLAS under NumPy) may use, chosen in code.

One thread is the default for training and for the app. Measured on these 2-core machines, the
matrices of an MNIST MLP are too small for a second thread to pay: one thread was as fast or
faster, it leaves the other core to the GUI, and OpenBLAS's spinning threads made an epoch over
ten times slower whenever another process wanted the CPU. ``python -m benchmarks.model`` shows the
figures. The ``OPENBLAS_CORETYPE`` variable this machine sets is left alone on purpose.
"""

from __future__ import annotations

import numpy  # noqa: F401  (loads OpenBLAS: capped before it is loaded, the pool would keep its default)
from threadpoolctl import threadpool_limits


def limit_blas_threads(n: int = 1) -> threadpool_limits:
    """Cap the BLAS thread pools at ``n`` for the rest of the process (or a ``with`` block)."""
    return threadpool_limits(limits=n, user_api="blas")
