"""Benchmark of "Where it goes wrong": the confusion matrix and a neuron's top images, per network.

Run ``python -m benchmarks.evaluation``. For the ``3b1b`` preset's network (784-16-16-10, random
weights: the time does not depend on them) and the ``accurate`` one (the shipped
``assets/models/default.npz``, 784-512-256-10) it times, with one BLAS thread as the app uses:

- ``matrix``: ``model.evaluation.evaluate`` over MNIST's 10,000 test images (every image through
  the network, the top two answers of each) and the 10x10 counts from it: what the panel computes
  at every epoch end and every new network;
- ``cell``: listing one cell's images by confidence (on the GUI thread when a cell is clicked);
- ``neuron``: ``neuron_top_images`` for a first-layer and a second-layer neuron (16 images).

Each figure is the median (and the slowest) of ``--repeat`` runs, wall time in milliseconds. The
issue asks for the 10,000 images "well under a second".
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable

from digitlab.model.blas import limit_blas_threads
from digitlab.model.config import PRESETS
from digitlab.model.data import load_mnist
from digitlab.model.evaluation import evaluate, neuron_top_images
from digitlab.model.network import Network
from digitlab.model.store import load_default


def _time(fn: Callable[[], object], repeat: int) -> tuple[float, float]:
    fn()  # warm-up: first-touch of the arrays, BLAS set-up
    ms = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return statistics.median(ms), max(ms)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per figure (default 7)")
    args = parser.parse_args(argv)
    limit_blas_threads(1)
    data = load_mnist()
    x, y = data.test_x, data.test_y
    nets: dict[str, Network] = {"3b1b": PRESETS["3b1b"].build_network(), "accurate": load_default()}
    print(f"MNIST test set: {len(x):,} images; one BLAS thread; median (max) of {args.repeat} runs, ms")
    t, p = 4, 9  # the cell listed: fours read as nines
    for name, net in nets.items():
        sizes = "-".join(map(str, net.layer_sizes))
        ev = evaluate(net, x, y)
        matrix = _time(lambda net=net: evaluate(net, x, y).counts, args.repeat)
        cell = _time(lambda ev=ev: ev.cell(t, p), args.repeat)
        first = _time(lambda net=net: neuron_top_images(net, x, 0, 5, 16), args.repeat)
        second = _time(lambda net=net: neuron_top_images(net, x, 1, 5, 16), args.repeat)
        print(f"{name:9s} {sizes:16s} accuracy {ev.accuracy:.2%}")
        for label, (median, slowest) in ((f"matrix ({len(x):,} images)", matrix),
                                         (f"cell ({t} read as {p}) by confidence", cell),
                                         ("neuron top 16, layer 1", first), ("neuron top 16, layer 2", second)):
            print(f"  {label:32s} {median:8.2f} ({slowest:.2f})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
