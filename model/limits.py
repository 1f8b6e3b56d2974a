"""How large a network this machine can hold and the window can draw, checked before allocating.

Every network size that comes from outside (a model file's ``layer_sizes``, the training panel's
Layers field, a saved setting, the command line) passes ``network_size_problem`` before any array
of that size is made, so a typo or a crafted file gets a sentence instead of a ``MemoryError``, a
frozen window or a diagram that cannot be drawn:

- a layer is at most ``MAX_LAYER_WIDTH`` neurons: the network view draws each first-layer neuron
  as a 28x28 tile and every layer as a column of cells, and picks the strongest edges of each pair
  of layers every frame (a pass over ``n_in * n_out`` weights); 4,096 keeps that pass in tens of
  milliseconds and a column's cells at least a fraction of a pixel tall;
- the memory a training run needs (``training_bytes``: the weights and the copies a run keeps of
  them, plus a mini-batch's activations and errors) is at most ``MEMORY_SHARE`` of the machine's
  memory (``machine_memory``: physical memory, or a container's limit when lower).

The estimate is deliberately rough (float32, a fixed number of copies); it is a bound against
absurd sizes, not a promise that a size just below it trains fast.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from functools import lru_cache

MAX_LAYER_WIDTH = 4096  # neurons in one layer (input and output are 784 and 10)
MEMORY_SHARE = 0.5  # of the machine's memory, at most, for one training run
FALLBACK_MEMORY = 4 * 2**30  # when the machine does not say how much it has
BYTES = 4  # float32
PARAMETER_COPIES = 8  # weights, gradient, change, two Adam moments, the display's copy, snapshots
ACTIVATION_COPIES = 4  # z, a, delta and a temporary per neuron and example of a mini-batch


@lru_cache(maxsize=1)
def machine_memory() -> int:
    """Bytes of memory this process may use: physical memory, or a cgroup's limit when lower."""
    total = FALLBACK_MEMORY
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (AttributeError, ValueError, OSError):  # Windows has no sysconf
        pass
    for limit_file in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        try:
            with open(limit_file) as f:
                text = f.read().strip()
        except OSError:
            continue
        if text.isdigit() and 0 < int(text) < total:
            total = int(text)
    return total if total > 0 else FALLBACK_MEMORY


def parameter_count(sizes: Sequence[int]) -> int:
    """Weights and biases of a network with these layer sizes."""
    return sum(n_out * n_in + n_out for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def training_bytes(sizes: Sequence[int], batch_size: int = 1) -> int:
    """A rough bound on the memory training a network of ``sizes`` with ``batch_size`` needs."""
    per_example = sum(sizes) * ACTIVATION_COPIES
    return BYTES * (parameter_count(sizes) * PARAMETER_COPIES + batch_size * per_example)


def _gib(n: int) -> str:
    return f"{n / 2**30:.1f} GiB"


def network_size_problem(sizes: Sequence[int], batch_size: int = 1) -> str | None:
    """Why a network of ``sizes`` (positive integers) cannot be held or drawn here, or None."""
    widest = max(sizes[1:-1], default=0)
    if widest > MAX_LAYER_WIDTH:
        return (f"a layer of {widest:,} neurons is wider than the {MAX_LAYER_WIDTH:,} Digit Lab can train and "
                "draw")
    need, budget = training_bytes(sizes, batch_size), int(machine_memory() * MEMORY_SHARE)
    if need > budget:
        batch = f" with batches of {batch_size:,}" if batch_size > 1 else ""
        return (f"training {'-'.join(map(str, sizes))}{batch} needs about {_gib(need)} of memory, more than "
                f"the {_gib(budget)} this machine can give it")
    return None
