"""What preprocessing costs a trained model: MNIST test digits drawn back at canvas size.

Each 28x28 test digit is enlarged by a random factor between 6 and 12 (bilinear, so the strokes
come out soft-edged like a canvas brush, not as blocks), quantised to uint8 and put at a random
place on a blank 400x400 canvas; ``model.preprocess`` then has to find it, shrink it back to a
20 px box and re-centre it. If the pipeline reproduces MNIST's normalisation, the model keeps its
accuracy: the report compares accuracy on the drawn-back digits with accuracy on the originals,
and times the live case (a 280x280 canvas, as the GUI's).

Left out: real handwriting. Canvas drawings have other stroke widths and shapes than MNIST's;
this only checks that size, position and resampling are undone, which is what preprocessing owns.

    python -m benchmarks.preprocess [--model assets/models/default.npz] [--n 10000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from digitlab.assets import DEFAULT_MODEL
from digitlab.model.data import load_mnist
from digitlab.model.network import Network
from digitlab.model.preprocess import preprocess

CANVAS = 400  # room for the largest drawing, 28 * 12 = 336 px, at a random place
SCALES = (6.0, 12.0)  # enlargement factor range, uniform


@dataclass(frozen=True)
class BenchResult:
    """Accuracies of one model on n test digits, as given and as drawn back at canvas size."""

    n: int
    original_accuracy: float  # on the 28x28 MNIST images themselves
    drawn_accuracy: float  # on preprocess(canvas) of the same digits
    agreement: float  # fraction of digits given the same answer both ways
    ms_per_image: float  # mean preprocess time on the 400x400 canvases


def bilinear_matrix(n_out: int, n_in: int) -> np.ndarray:
    """(n_out, n_in) linear interpolation along one axis (n_in >= 2), pixel centres aligned."""
    src = np.clip((np.arange(n_out) + 0.5) * (n_in / n_out) - 0.5, 0, n_in - 1)  # in input coords
    lo = np.minimum(src.astype(np.int64), n_in - 2)  # left neighbour; src >= 0, so int() floors
    frac = (src - lo).astype(np.float32)
    m = np.zeros((n_out, n_in), dtype=np.float32)
    rows = np.arange(n_out)
    m[rows, lo] = 1 - frac
    m[rows, lo + 1] = frac
    return m


def draw_at_canvas_size(digit: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A 28x28 digit in [0, 1], enlarged 6-12x, at a random place on a blank uint8 canvas."""
    side = int(round(28 * rng.uniform(*SCALES)))
    big = bilinear_matrix(side, 28) @ digit @ bilinear_matrix(side, 28).T  # (side, side)
    canvas = np.zeros((CANVAS, CANVAS), dtype=np.uint8)
    y, x = rng.integers(0, CANVAS - side + 1, size=2)
    canvas[y : y + side, x : x + side] = np.clip(big * 255 + 0.5, 0, 255).astype(np.uint8)
    return canvas


def measure(
    net: Network, images: np.ndarray, labels: np.ndarray, rng: np.random.Generator
) -> BenchResult:
    """Run ``net`` on images (n, 784) in [0, 1] as given and as drawn back through preprocess."""
    n = len(images)
    vectors = np.empty((n, 784), dtype=np.float32)
    spent = 0.0
    for i, row in enumerate(images):
        canvas = draw_at_canvas_size(row.reshape(28, 28), rng)
        t0 = time.perf_counter()
        vectors[i] = preprocess(canvas).vector
        spent += time.perf_counter() - t0
    original = net.predict(images)
    drawn = net.predict(vectors)
    return BenchResult(
        n=n,
        original_accuracy=float((original == labels).mean()),
        drawn_accuracy=float((drawn == labels).mean()),
        agreement=float((original == drawn).mean()),
        ms_per_image=1e3 * spent / max(n, 1),
    )


def time_live_canvas(digit: np.ndarray, repeats: int = 300) -> tuple[float, float]:
    """Median and 99th-percentile ms of preprocess on a 280x280 uint8 canvas holding ``digit``."""
    canvas = np.zeros((280, 280), dtype=np.uint8)
    big = bilinear_matrix(252, 28) @ digit @ bilinear_matrix(252, 28).T
    canvas[14:266, 14:266] = np.clip(big * 255 + 0.5, 0, 255).astype(np.uint8)
    times = np.empty(repeats)
    for i in range(repeats):
        t0 = time.perf_counter()
        preprocess(canvas)
        times[i] = time.perf_counter() - t0
    return 1e3 * float(np.median(times)), 1e3 * float(np.percentile(times, 99))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.preprocess",
        description="Accuracy a model keeps when MNIST test digits are drawn back at canvas size.",
    )
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL, help="model file (.npz)")
    parser.add_argument("--n", type=int, default=10_000, help="number of test digits (max 10000)")
    parser.add_argument("--seed", type=int, default=0, help="seed for sizes and positions")
    args = parser.parse_args(argv)
    if not 1 <= args.n <= 10_000:
        parser.error(f"--n must be between 1 and 10000, got {args.n}")

    # imported here so measure() and the module stay usable without a model file or the store
    from digitlab.model.store import load

    if not args.model.exists():
        print(f"no model file at {args.model}; pass --model PATH", file=sys.stderr)
        return 2
    net = load(args.model)
    data = load_mnist()
    images, labels = data.test_x[: args.n], data.test_y[: args.n]

    t0 = time.perf_counter()
    r = measure(net, images, labels, np.random.default_rng(args.seed))
    wall = time.perf_counter() - t0
    median, p99 = time_live_canvas(images[0].reshape(28, 28))

    print(f"model      {args.model} ({net!r})")
    print(f"digits     {r.n} MNIST test images, enlarged {SCALES[0]:g}-{SCALES[1]:g}x at random "
          f"places on a {CANVAS}x{CANVAS} canvas (seed {args.seed})")
    print(f"original   accuracy {100 * r.original_accuracy:6.2f} %")
    print(f"drawn back accuracy {100 * r.drawn_accuracy:6.2f} %")
    print(f"difference          {100 * (r.drawn_accuracy - r.original_accuracy):+6.2f} points "
          f"(same answer on {100 * r.agreement:.2f} % of digits)")
    print(f"timing     {r.ms_per_image:.3f} ms per {CANVAS}x{CANVAS} canvas; 280x280 live canvas: "
          f"median {median:.3f} ms, p99 {p99:.3f} ms; whole run {wall:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
