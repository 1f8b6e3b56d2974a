"""``python -m benchmarks.corun``: how much a busy neighbour slows the trainer on this machine.

``benchmarks.gui`` finds the trainer process a few percent slower while the window paints on the
other core, though the trainer never waits for a CPU. This measures the machine, not the app: the
same headless training as ``benchmarks.gui``'s (``mnist_trainer``, one BLAS thread) alone, and
beside another process that is busy for ``--duty`` of every 1/30 s (the window's rhythm; 0.4 is
about what the window uses while ``3b1b`` trains) and sleeps the rest. Its work (``--load``) is a
pure-Python loop, memory copies (NumPy, 2 MB), or Qt's raster engine drawing antialiased lines
into an image and blitting it, as the window's work is each of these.
Rounds alternate alone / beside / alone ..., and each "beside" round is compared with the mean of
the "alone" rounds either side of it, so a drift of the machine's speed cancels.

On a virtual machine whose two CPUs are threads of one physical core on the host, or share its
power budget, a neighbour costs the trainer speed even with a core to itself; on one where they
do not, the ratio is 1. It sets the floor of ``benchmarks.gui``'s share: the window's work is such
a neighbour, and only less of it helps.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import sys
import time

import numpy as np

PERIOD_S = 1 / 30


def _work(kind: str):
    """One small piece of the neighbour's work, repeated until its share of the period is spent."""
    if kind == "python":  # the interpreter's own work, as about half of the window's is
        def python() -> None:
            x = 0
            for _ in range(200):
                x += 1
        return python
    if kind == "numpy":  # copies through the caches and memory, as images and arrays are
        src, dst = np.ones(2 << 20, np.uint8), np.empty(2 << 20, np.uint8)
        return lambda: np.copyto(dst, src)
    # "qt": Qt's raster engine, as the window paints: antialiased lines into an image, blitted
    import os

    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtCore import QLineF, QPointF, QRect, Qt
    from PySide6.QtGui import QColor, QGuiApplication, QImage, QPainter, QPen

    app = QGuiApplication.instance() or QGuiApplication([])
    image, screen = (QImage(700, 500, QImage.Format.Format_ARGB32_Premultiplied) for _ in range(2))
    rng = np.random.default_rng(0)
    lines = [QLineF(50, float(a), 650, float(b)) for a, b in rng.uniform(20, 480, (200, 2))]
    pen = QPen(QColor(200, 40, 40, 190), 1.0)

    def qt() -> None:
        image.fill(Qt.GlobalColor.white)
        with QPainter(image) as p:
            p.setClipRect(QRect(0, 0, 700, 500))
            p.setRenderHint(QPainter.RenderHint.Antialiasing)
            p.setPen(pen)
            p.drawLines(lines)
        with QPainter(screen) as p:
            p.drawImage(QPointF(0, 0), image)
    qt.app = app  # kept alive with the function
    return qt


def _load(kind: str, duty: float, running, busy_seconds) -> None:
    """In a child process: busy ``duty`` of each period while ``running`` is set, otherwise idle."""
    work = _work(kind)
    while True:
        if not running.wait(timeout=0.5):
            continue
        start = time.perf_counter()
        c0 = time.process_time()
        while time.perf_counter() - start < duty * PERIOD_S:
            work()
        with busy_seconds.get_lock():
            busy_seconds.value += time.process_time() - c0
        rest = PERIOD_S - (time.perf_counter() - start)
        if rest > 0:
            time.sleep(rest)


def main(argv: list[str] | None = None) -> int:
    from digitlab.model.blas import limit_blas_threads
    from digitlab.model.config import PRESETS
    from digitlab.model.data import load_mnist
    from digitlab.model.train_process import mnist_trainer

    p = argparse.ArgumentParser(prog="python -m benchmarks.corun", description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="3b1b", choices=sorted(PRESETS))
    p.add_argument("--duty", type=float, nargs="+", default=[0.4, 1.0],
                   help="the neighbour's busy share of each 1/30 s, one run of rounds each")
    p.add_argument("--load", choices=["python", "numpy", "qt"], default="python",
                   help="the neighbour's work: the interpreter, memory copies, or Qt raster painting")
    p.add_argument("--rounds", type=int, default=20, help="'beside' rounds per duty")
    p.add_argument("--seconds", type=float, default=1.0, help="per round")
    args = p.parse_args(argv)
    limit_blas_threads(1)
    config = PRESETS[args.preset].replace(epochs=1000)
    trainer = mnist_trainer(config.build_network(), config, load_mnist())
    steps = trainer.steps()
    for _ in range(20):  # warm up
        next(steps)

    def rate() -> float:
        s0, t0 = trainer.samples_seen, time.perf_counter()
        while time.perf_counter() - t0 < args.seconds:
            next(steps)
        return (trainer.samples_seen - s0) / (time.perf_counter() - t0)

    ctx = mp.get_context("spawn")
    for duty in args.duty:
        running, busy = ctx.Event(), ctx.Value("d", 0.0)
        neighbour = ctx.Process(target=_load, args=(args.load, min(max(duty, 0.0), 1.0), running, busy), daemon=True)
        neighbour.start()
        try:
            time.sleep(0.5)
            ratios, beside_seconds, used = [], 0.0, 0.0
            alone = rate()
            for _ in range(args.rounds):
                running.set()
                time.sleep(0.05)
                b0, t0 = busy.value, time.perf_counter()
                beside = rate()
                beside_seconds += time.perf_counter() - t0
                used += busy.value - b0
                running.clear()
                time.sleep(0.05)
                after = rate()
                ratios.append(beside / ((alone + after) / 2))
                alone = after
            used /= beside_seconds
        finally:
            neighbour.terminate()
            neighbour.join(2)
        r = np.asarray(ratios)
        q1, q3 = np.percentile(r, [25, 75])
        print(f"{args.preset} beside a neighbour ({args.load}) busy {used:.0%} of a core: {np.median(r):.1%} of alone "
              f"(mean {r.mean():.1%}, standard error {r.std(ddof=1) / np.sqrt(len(r)):.1%}; "
              f"rounds' quartiles {q1:.0%}-{q3:.0%}, range {r.min():.0%}-{r.max():.0%})", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
