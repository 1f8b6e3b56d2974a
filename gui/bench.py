"""``python -m gui.bench``: the app's responsiveness figures, measured in one run.

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

import numpy as np  # noqa: E402

from model.blas import limit_blas_threads  # noqa: E402
from model.config import PRESETS  # noqa: E402
from model.data import load_mnist  # noqa: E402
from model.train import Trainer  # noqa: E402


def _first_paint_child() -> None:
    """Runs in a fresh interpreter: build and show the window, print when it has painted."""
    from PySide6.QtCore import QEvent, QObject
    from PySide6.QtWidgets import QApplication

    app = QApplication([])
    from gui.app import create_window

    window = create_window()

    class Watcher(QObject):
        def eventFilter(self, obj, event):  # noqa: N802 (Qt's name)
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
        proc = subprocess.run([sys.executable, "-m", "gui.bench", "--first-paint-child"],
                              capture_output=True, text=True, timeout=60)
        if "painted" not in proc.stdout:
            raise RuntimeError(f"the window did not paint: {proc.stderr[-2000:]}")
        times.append(time.perf_counter() - t0)
    return times


def _stats(ms: list[float]) -> dict[str, float]:
    a = np.asarray(ms)
    return {"p50_ms": round(float(np.median(a)), 3), "p99_ms": round(float(np.percentile(a, 99)), 3),
            "max_ms": round(float(a.max()), 3), "n": int(len(a))}


def _draw_zigzag_latency(window, app, n: int) -> list[float]:
    """Mouse move -> prediction recomputed -> bars repainted, for n moves of a held stroke."""
    from PySide6.QtCore import QPoint, Qt
    from PySide6.QtTest import QTest

    canvas = window.canvas
    side = min(canvas.width(), canvas.height())
    cx, cy = canvas.width() // 2, canvas.height() // 2
    QTest.mousePress(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(cx, cy - side // 3))
    out = []
    for i in range(n):
        y = cy - side // 3 + (i % 40) * side // 60
        x = cx + int(side * 0.15 * np.sin(i / 5))
        before = window._last_result
        t0 = time.perf_counter()
        QTest.mouseMove(canvas, QPoint(x, y))
        while window._last_result is before:
            app.processEvents()
        window.prediction.repaint()
        out.append((time.perf_counter() - t0) * 1000)
    QTest.mouseRelease(canvas, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier, QPoint(x, y))
    return out


def _run_event_loop(seconds: float) -> None:
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()


def headless_rate(preset: str, seconds: float, data) -> float:
    config = PRESETS[preset].replace(epochs=1000)
    trainer = Trainer(config.build_network(), config, data.train_x, data.train_y)
    steps = trainer.steps()
    for _ in range(20):  # warm up
        next(steps)
    start_samples, t0 = trainer.samples_seen, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        next(steps)
    return (trainer.samples_seen - start_samples) / (time.perf_counter() - t0)


def windowed_run(preset: str, seconds: float, app, window) -> dict:
    """Train in the window with every view live; measure loop lateness and samples/s."""
    from PySide6.QtCore import QElapsedTimer, Qt, QTimer

    window.training.set_config(PRESETS[preset].replace(epochs=1000), preset=preset)
    window.training.speed.setValue(window.training.speed.maximum())
    if window.network.layer_sizes != PRESETS[preset].layer_sizes:
        window.new_network()
    window.toggle_training()
    run = window.run
    trainer = run.worker._trainer
    _run_event_loop(1.0)  # warm up
    lateness: list[float] = []
    interval = 5
    clock = QElapsedTimer()
    clock.start()
    last = [clock.nsecsElapsed()]

    def tick() -> None:
        now = clock.nsecsElapsed()
        lateness.append(max(0.0, (now - last[0]) / 1e6 - interval))
        last[0] = now

    timer = QTimer(interval=interval)
    timer.setTimerType(Qt.TimerType.PreciseTimer)
    timer.timeout.connect(tick)
    timer.start()
    start_samples, t0 = trainer.samples_seen, time.perf_counter()
    _run_event_loop(seconds)  # a real event loop, idle in poll() between events
    rate = (trainer.samples_seen - start_samples) / (time.perf_counter() - t0)
    timer.stop()
    latency = _draw_zigzag_latency(window, app, 100)
    window.stop_training()
    while window.run is not None:
        app.processEvents()
    return {"samples_per_second": rate, "event_loop_lateness": _stats(lateness[1:]),
            "recognition_latency_training": _stats(latency)}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m gui.bench", description=__doc__.split("\n\n")[0])
    p.add_argument("--seconds", type=float, default=8.0, help="seconds of training per measurement")
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
    from gui.app import create_window
    import tempfile

    window = create_window(data_dir=tempfile.mkdtemp(prefix="digitlab-bench-"))
    window.resize(1400, 900)
    window.show()
    for _ in range(20):
        app.processEvents()
    results["recognition_latency_idle"] = _stats(_draw_zigzag_latency(window, app, 200))
    data = load_mnist()
    for preset in args.presets:
        headless = headless_rate(preset, args.seconds, data)
        windowed = windowed_run(preset, args.seconds, app, window)
        windowed["headless_samples_per_second"] = headless
        windowed["fraction_of_headless"] = windowed["samples_per_second"] / headless
        results[preset] = windowed
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
              f"{r['fraction_of_headless']:.0%} of headless ({r['headless_samples_per_second']:,.0f}); "
              f"event loop late p50 {lat['p50_ms']:.2f} / p99 {lat['p99_ms']:.2f} / max {lat['max_ms']:.1f} ms; "
              f"mouse move -> bars while training p50 {rec['p50_ms']:.2f} / p99 {rec['p99_ms']:.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
