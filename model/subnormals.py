"""Values too small to matter set to zero, before they become subnormal: x86 cores multiply
subnormal numbers many times slower.

Adam with L2 weight decay drives a weight that only the decay moves (one from a pixel that is
blank in every image, or from a ReLU unit that never fires) toward zero geometrically: its m is
about lambda w, and once lambda |w| is far below Adam's eps each step takes a share of w away
(w and m then shrink by ~0.95 a step at the starting rate). Over a long run such weights, and
their m and s, fall below float32's smallest normal number (1.2e-38) into the subnormal range.
NumPy leaves the CPU's flush-to-zero mode off, so every product with a subnormal operand takes a
slow path on x86 cores: the shipped network, trained for 50 epochs, held 64 k subnormal weights
in its first layer and 62 k in its second; with them, a batch of 128 through its products took
17 times longer than with those weights set to zero, and a training step 6 times
(``python -m benchmarks.model``, on an AVX-512 Xeon).

So every value below ``TINY`` is set to zero when a model is loaded and every ``FLUSH_EVERY``
optimizer steps. ``TINY`` is far below anything that changes an output (float32 keeps 7 digits,
and a weight of 1e-20 moves no activation) and far enough above the subnormal range that nothing
decays from it into that range between two flushes (at 0.95 a step, 1e-20 takes ~800 steps to
reach 1e-38). Zeroed, a weight that only the decay moved stays zero: its gradient is zero too.
Adam's s, a mean of squared gradients, may still hold the subnormal square of a tiny gradient
between two flushes, but it enters only Adam's elementwise update, where subnormals cost nothing
measurable here: the matrix products are what slow down.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

TINY = 1e-20
# optimizer steps between flushes: one of the shipped network's weights and Adam's two buffers
# takes 4-6 ms here, under 1% of 50 of its ~15 ms steps
FLUSH_EVERY = 50


def flush_tiny(arrays: Iterable[np.ndarray]) -> None:
    """Set every value of magnitude below ``TINY`` in each floating-point array to zero, in place."""
    for a in arrays:
        if a.dtype.kind == "f" and a.size:
            np.putmask(a, np.abs(a) < TINY, 0)


def count_subnormals(arrays: Iterable[np.ndarray]) -> int:
    """How many values of the floating-point arrays are subnormal (non-zero, below the smallest normal)."""
    total = 0
    for a in arrays:
        if a.dtype.kind == "f" and a.size:
            magnitude = np.abs(a)
            total += int(np.count_nonzero((magnitude < np.finfo(a.dtype).tiny) & (magnitude > 0)))
    return total
