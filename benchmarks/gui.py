"""``python -m benchmarks.gui``: the app's responsiveness figures, measured in one run.

- first paint: wall time from launching a fresh interpreter to the main window's first paint;
- recognition latency: from a mouse move on the canvas to the prediction bars repainted, idle
  and while training;
- event-loop lateness while training with every view live (a 5 ms timer's delay, p50/p99/max);
- training speed with the window open as a fraction of the same training headless.

Runs offscreen by default (``QT_QPA_PLATFORM=offscreen``); ``--json`` prints machine-readable
figures. Ratios from one run are what to compare: absolute times on a shared machine drift.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np

from digitlab.model.blas import limit_blas_threads
from digitlab.model.config import PRESETS
from digitlab.model.data import load_mnist
from digitlab.model.train import Trainer


def _first_paint_child() -> None:
    """Runs in a fresh interpreter: build and show the window, print when it has painted."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from digitlab.gui.app import create_window

    window = create_window()

    class Watcher(QObject):
        def eventFilter(self, obj, event):
            if event.type() == QEvent.Type.Paint:
                print("painted", flush=True)
                os._exit(0)
            return False

    watcher = Watcher()
    window.installEventFilter(watcher)
    window.show()
    app.exec()


def first_paint_seconds(runs: int = 3) -> list[float]:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "benchmarks.gui", "--first-paint-child"],
                              capture_output=True, text=True, timeout=60)
        if "painted" not in proc.stdout:
            raise RuntimeError(f"the window did not paint: {proc.stderr[-2000:]}")
        times.append(time.perf_counter() - t0)
    return times


def _stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50_ms": round(float(np.median(a)), 3), "p99_ms": round(float(np.percentile(a, 99)), 3),
            "max_ms": round(float(a.max()), 3), "n": int(len(a))}


def _zigzag_points(canvas, n: int):
    """Points of a held zigzag stroke across the canvas."""
    from PySide6.QtCore import QPoint

    side = min(canvas.width(), canvas.height())
    cx, cy = canvas.width() // 2, canvas.height() // 2
    for i in range(n):
        y = cy - side // 3 + (i % 40) * side // 60
        x = cx + int(side * 0.15 * np.sin(i / 5))
        yield QPoint(x, y)


class _BarsPaintProbe:
    """Mouse move -> prediction recomputed -> bars painted, timed inside a running event loop.

    A move is sent every ``MOVE_MS`` (a hand drawing), the event loop idles in between as in real
    use; the latency of a move ends when the bars have finished painting the prediction it
    caused (an event filter paints them itself, then stops the clock).
    """

    MOVE_MS = 25

    def __init__(self, window) -> None:
        from PySide6.QtCore import QEvent, QObject

        self.window = window
        self.latencies: list[float] = []
        self._pending: tuple[object, float] | None = None  # (result before the move, its time)
        probe = self

        class Filter(QObject):
            def eventFilter(self, obj, event):
                if event.type() != QEvent.Type.Paint or probe._pending is None:
                    return False
                before, t0 = probe._pending
                if probe.window.recognition.last_result is before:
                    return False  # a paint from elsewhere (a training frame): not this move's yet
                type(obj).paintEvent(obj, event)
                probe.latencies.append((time.perf_counter() - t0) * 1000)
                probe._pending = None
                return True

        self._filter = Filter()

    def run(self, app, n: int) -> list[float]:
        from PySide6.QtCore import QEventLoop, Qt, QTimer
        from PySide6.QtTest import QTest

        canvas, bars = self.window.canvas, self.window.prediction.bars
        points = list(_zigzag_points(canvas, n + 1))
        bars.installEventFilter(self._filter)
        QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[0])
        loop = QEventLoop()
        moves = iter(points[1:])

        def move() -> None:
            point = next(moves, None)
            if point is None:
                loop.quit()
                return
            if self._pending is None:  # a move while the last one is still on its way just draws
                self._pending = (self.window.recognition.last_result, time.perf_counter())
            QTest.mouseMove(canvas, point)

        timer = QTimer(interval=self.MOVE_MS)
        timer.setTimerType(Qt.TimerType.PreciseTimer)
        timer.timeout.connect(move)
        timer.start()
        loop.exec()
        timer.stop()
        QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, points[-1])
        bars.removeEventFilter(self._filter)
        return self.latencies


def _draw_zigzag_latency(window, app, n: int) -> list[float]:
    return _BarsPaintProbe(window).run(app, n)


def _run_event_loop(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


class _Headless:
    """The same training on this thread with no window in play, measured in chunks."""

    def __init__(self, preset: str, data) -> None:
        config = PRESETS[preset].replace(epochs=1000)
        self.trainer = Trainer(config.build_network(), config, data.train_x, data.train_y)
        self.steps = self.trainer.steps()
        for _ in range(20):  # warm up
            next(self.steps)

    def rate(self, seconds: float) -> float:
        start_samples, t0 = self.trainer.samples_seen, time.perf_counter()
        while time.perf_counter() - t0 < seconds:
            next(self.steps)
        return (self.trainer.samples_seen - start_samples) / (time.perf_counter() - t0)


def windowed_run(preset: str, seconds: float, app, window, data, rounds: int = 20) -> dict:
    """Train in the window with every view live; measure loop lateness and samples/s.

    The window's chunks alternate with chunks of the same training headless (the window's run
    paused meanwhile), so both see the same machine: this VM's speed drifts by 10-30% from one
    second to the next, which a headless measurement taken once, before, would count as the
    window's cost. Many short rounds and the median of their ratios keep one slow second from
    deciding the figure.
    """
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer

    window.training.set_config(PRESETS[preset].replace(epochs=1000), preset=preset)
    window.training.speed.setValue(window.training.speed.maximum())
    if window.network.layer_sizes != PRESETS[preset].layer_sizes:
        window.new_network()
    headless = _Headless(preset, data)
    window.toggle_training()
    run = window.session._run  # the benchmark reads the worker it measures
    trainer = run.worker._trainer
    _run_event_loop(1.0)  # warm up
    lateness: list[float] = []
    interval = 5
    clock = QElapsedTimer()
    clock.start()
    last = [0]

    def tick() -> None:
        now = clock.nsecsElapsed()
        if last[0]:
            lateness.append(max(0.0, (now - last[0]) / 1e6 - interval))
        last[0] = now

    timer = QTimer(interval=interval)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    windowed_rates, headless_rates = [], []
    chunk = seconds / rounds
    for _ in range(rounds):
        last[0] = 0
        timer.start()
        start_samples, t0 = trainer.samples_seen, time.perf_counter()
        _run_event_loop(chunk)  # a real event loop, idle in poll() between events
        windowed_rates.append((trainer.samples_seen - start_samples) / (time.perf_counter() - t0))
        timer.stop()
        run.worker.pause()
        _run_event_loop(0.05)  # the worker finishes its step and waits
        headless_rates.append(headless.rate(chunk))
        run.worker.resume()
        _run_event_loop(0.3)  # the first frame after the pause, at the paused rate, passes
    latency = _draw_zigzag_latency(window, app, 200)
    window.session.stop()
    while window.session.active:
        app.processEvents()
    ratios = [w / h for w, h in zip(windowed_rates, headless_rates)]
    return {"samples_per_second": float(np.median(windowed_rates)),
            "headless_samples_per_second": float(np.median(headless_rates)),
            "fraction_of_headless": float(np.median(ratios)),
            "fraction_of_headless_rounds": [round(r, 3) for r in ratios],
            "event_loop_lateness": _stats(lateness),
            "recognition_latency_training": _stats(latency)}


def _quartiles(values: list[float]) -> str:
    q1, q3 = np.percentile(values, [25, 75])
    return f"{q1:.0%}-{q3:.0%}"


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.gui", description=__doc__.split("\n\n")[0])
    p.add_argument("--rounds", type=int, default=20, help="alternations of window and headless")
    p.add_argument("--seconds", type=float, default=10.0,
                   help="seconds of training per measurement, in the window and headless each")
    p.add_argument("--presets", nargs="+", default=["3b1b", "accurate"], choices=sorted(PRESETS))
    p.add_argument("--json", action="store_true")
    p.add_argument("--first-paint-child", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.first_paint_child:
        _first_paint_child()
        return 0
    limit_blas_threads(1)
    results: dict = {"first_paint_s": [round(t, 3) for t in first_paint_seconds()]}

    from PySide6.QtWidgets import QApplication

    app = QApplication.instance() or QApplication([])
    import tempfile

    from digitlab.gui.app import create_window

    window = create_window(data_dir=tempfile.mkdtemp(prefix="digitlab-bench-"))
    window.resize(1400, 900)
    window.show()
    for _ in range(20):
        app.processEvents()
    results["recognition_latency_idle"] = _stats(_draw_zigzag_latency(window, app, 200))
    data = load_mnist()
    for preset in args.presets:
        results[preset] = windowed_run(preset, args.seconds, app, window, data, args.rounds)
    window.close()

    if args.json:
        print(json.dumps(results, indent=2))
        return 0
    fp = results["first_paint_s"]
    print(f"first paint of the window (fresh interpreter): {', '.join(f'{t:.2f}' for t in fp)} s")
    r = results["recognition_latency_idle"]
    print(f"mouse move -> bars repainted, idle: p50 {r['p50_ms']:.2f} ms, p99 {r['p99_ms']:.2f} ms")
    for preset in args.presets:
        r = results[preset]
        lat, rec = r["event_loop_lateness"], r["recognition_latency_training"]
        print(f"{preset}: training with the window open {r['samples_per_second']:,.0f} samples/s = "
              f"{r['fraction_of_headless']:.0%} of headless ({r['headless_samples_per_second']:,.0f}; "
              f"rounds' quartiles {_quartiles(r['fraction_of_headless_rounds'])}); "
              f"event loop late p50 {lat['p50_ms']:.2f} / p99 {lat['p99_ms']:.2f} / max {lat['max_ms']:.1f} ms; "
              f"mouse move -> bars while training p50 {rec['p50_ms']:.2f} / p99 {rec['p99_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
