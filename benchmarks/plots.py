"""How the learning curves cope with a long run: ``python -m benchmarks.plots [--steps 100000 1000000]``.

Feeds ``TrainingPlots`` simulated steps the way the window does: in 30 Hz-sized chunks of 100
steps (what a fast trainer, ~3,000 steps/s, leaves between two frames), with an epoch record every
1,875 steps (60,000 samples at batch 32). After each chunk Qt repaints (``processEvents``: the
views whose items changed, as on screen); every tenth frame a full repaint of all three plots
(``widget.grab()``, the worst case) is timed as well. Prints the median and 99th percentile of
add_steps + repaint per frame, over the whole run and over its last tenth (the steady state at
full length), as wall time and as the GUI thread's CPU time (they differ when other processes
share the cores), and the step buffers' size: proof that a long run stays smooth (within a frame
budget of a few ms) and bounded.

Runs headless (offscreen Qt) unless ``QT_QPA_PLATFORM`` says otherwise.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

BATCH = 32
CHUNK = 100  # steps per frame
STEPS_PER_EPOCH = 60_000 // BATCH
GRAB_EVERY = 10


def simulate(plots, n_steps: int, rng: np.random.Generator, n_layers: int = 3):
    """Feed n_steps in CHUNK-sized frames; each frame's add_* + repaint time, and full repaints."""
    from PySide6.QtWidgets import QApplication

    from digitlab.model.train import EpochRecord

    app = QApplication.instance()
    times, grabs = [], []
    epoch = 0
    for first in range(1, n_steps + 1, CHUNK):
        s = np.arange(first, min(first + CHUNK, n_steps + 1))
        k = len(s)
        decay = np.exp(-s / 3000)
        samples = (s * BATCH).astype(np.float64)
        costs = (0.05 + 2.0 * decay + (0.1 + decay) * 0.3 * rng.random(k)).astype(np.float32)
        levels = 10.0 ** (np.arange(n_layers) - n_layers + 0.5 * decay[:, None])  # (k, n_layers)
        norms = (levels * np.exp(0.3 * rng.standard_normal((k, n_layers)))).astype(np.float32)
        records = []
        if s[-1] // STEPS_PER_EPOCH > epoch:
            epoch = int(s[-1] // STEPS_PER_EPOCH)
            acc = 0.98 - 0.3 * np.exp(-epoch / 2)
            records.append(EpochRecord(epoch, int(s[-1]), int(samples[-1]), 0.3 / epoch, acc + 0.01,
                                       0.35 / epoch, acc, 10.0))
        t, c = time.perf_counter(), time.thread_time()
        plots.add_steps(samples, costs, norms)
        if records:
            plots.add_epochs(records)
        app.processEvents()  # the paint the screen gets: the views whose items changed
        times.append((time.perf_counter() - t, time.thread_time() - c))
        if len(times) % GRAB_EVERY == 0:
            t = time.perf_counter()
            plots.grab()  # every view painted in full: the worst case (a window uncovered)
            grabs.append(time.perf_counter() - t)
    return np.array(times), np.array(grabs)  # (frames, 2) wall and CPU seconds; (frames / 10,)


def report(label: str, times: np.ndarray, grabs: np.ndarray, plots) -> None:
    print(f"{label}: {len(times)} frames of add_steps + repaint (processEvents)")
    for name, ms in (("wall", times[:, 0] * 1e3), ("CPU ", times[:, 1] * 1e3)):
        tail = ms[-max(1, len(ms) // 10) :]
        print(
            f"    {name}: median {np.median(ms):.2f} ms, p99 {np.percentile(ms, 99):.2f} ms, "
            f"max {ms.max():.1f} ms; last tenth median {np.median(tail):.2f} ms, p99 {np.percentile(tail, 99):.2f} ms"
        )
    g = grabs * 1e3
    print(f"    full repaint of all three plots (grab), every {GRAB_EVERY}th frame: "
          f"median {np.median(g):.2f} ms, p99 {np.percentile(g, 99):.2f} ms")
    series = plots.series
    held = series._x.nbytes + series._y.nbytes
    print(
        f"    {plots.n_steps:,} steps held as {plots.n_step_points:,} points (stride {plots.step_stride}), "
        f"buffer rows {plots.buffer_capacity:,} of max {plots.max_points:,}, {held / 1e6:.1f} MB; "
        f"curve vertices drawn: {len(plots.cost_curve.getData()[0]):,} (decimation {plots._decimator.ds})"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--size", type=int, nargs=2, default=[1200, 330], metavar=("W", "H"),
                        help="widget size; the window's bottom dock is about 1200 x 330")
    args = parser.parse_args(argv)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QCoreApplication, QEvent
    from PySide6.QtWidgets import QApplication

    from digitlab.gui.training.plots import TrainingPlots
    from digitlab.model.blas import limit_blas_threads

    limit_blas_threads(1)
    app = QApplication.instance() or QApplication([])
    plots = TrainingPlots()
    plots.resize(*args.size)
    plots.show()
    app.processEvents()
    print(f"TrainingPlots {args.size[0]}x{args.size[1]}, {CHUNK} steps per frame, max_points {plots.max_points:,}")
    rng = np.random.default_rng(0)
    for n in args.steps:
        plots.clear()
        times, grabs = simulate(plots, n, rng)
        report(f"{n:,} steps", times, grabs, plots)
    plots.close()
    plots.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)


if __name__ == "__main__":
    main()
