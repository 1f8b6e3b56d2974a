"""``python -m benchmarks.long_events``: which events hold the GUI thread long while a preset trains.

The window trains ``--preset`` at full speed with every view live; for ``--seconds`` every
top-level event the application delivers is timed (``QApplication.notify`` overridden: nested
sends count towards the event that made them), and those over ``--over`` ms are counted by
receiver and event type. It names what the event-loop lateness of ``benchmarks.gui`` is made of;
the override itself costs a few microseconds an event, so compare runs of this command only.

With ``--worst``, a 5 ms timer runs as in ``benchmarks.gui`` and the command also says what the
event loop was doing in the worst 2% of that timer's intervals: the events (over 0.5 ms) that
overlapped them, their time summed by receiver and type, and the five worst intervals in full.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
import time
from collections import defaultdict

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication

from benchmarks.fresh_home import use_fresh_home
from digitlab.model.blas import limit_blas_threads
from digitlab.model.config import PRESETS


class TimedApplication(QApplication):
    """A QApplication that records (seconds, receiver, event type) of each top-level event over a bound."""

    def __init__(self, argv: list[str], over_s: float) -> None:
        super().__init__(argv)
        self.over_s, self.long_events, self.recording = over_s, [], False
        self.timeline: list[tuple[float, float, str, str]] | None = None  # (start, seconds, receiver, type)
        self._depth = 0

    def notify(self, receiver, event) -> bool:
        self._depth += 1
        start = time.perf_counter()
        try:
            return super().notify(receiver, event)
        finally:
            self._depth -= 1
            took = time.perf_counter() - start
            timeline = self.timeline is not None and took > 0.0005
            if self._depth == 0 and self.recording and (took > self.over_s or timeline):
                what = type(receiver).__name__
                if isinstance(receiver, QTimer):
                    with contextlib.suppress(RuntimeError):  # a single-shot deleted by its own slot
                        what += f"({receiver.interval()} ms)"
                if took > self.over_s:
                    self.long_events.append((took, what, event.type().name))
                if timeline:
                    self.timeline.append((start, took, what, event.type().name))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.long_events", description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="accurate", choices=sorted(PRESETS))
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--over", type=float, default=6.0, help="count events longer than this, ms")
    p.add_argument("--worst", action="store_true", help="what the worst 2%% of a 5 ms timer's intervals held")
    p.add_argument("--new-network", action="store_true",
                   help="train a new network (as benchmarks.gui does), not the window's (the shipped one, for accurate)")
    p.add_argument("--as-in-gui", action="store_true",
                   help="as benchmarks.gui's second preset finds the window: a drawing on the canvas, and a 3b1b run "
                        "of 10 s before, whose cost the curves draw behind this one's (implies --new-network)")
    args = p.parse_args(argv)
    use_fresh_home("digitlab-bench-")  # the default layout, every view open; the user's settings untouched
    limit_blas_threads(1)
    app = TimedApplication([], args.over / 1000)
    from benchmarks.gui import _run_event_loop
    from digitlab.gui.app import create_window

    window = create_window(data_dir=tempfile.mkdtemp(prefix="digitlab-bench-"))
    window.resize(1400, 900)
    window.show()
    if args.as_in_gui:
        from benchmarks.gui import _draw_zigzag_latency

        _run_event_loop(3.0)
        _draw_zigzag_latency(window, app, 200)
        window.training.set_config(PRESETS["3b1b"].replace(epochs=1000), preset="3b1b")
        window.training.speed.setValue(window.training.speed.maximum())
        window.new_network()
        window.toggle_training()
        _run_event_loop(10.0)
        window.session.stop()
        _run_event_loop(1.0)
    window.training.set_config(PRESETS[args.preset].replace(epochs=1000), preset=args.preset)
    window.training.speed.setValue(window.training.speed.maximum())
    if args.new_network or args.as_in_gui or window.network.layer_sizes != PRESETS[args.preset].layer_sizes:
        window.new_network()
    window.session.warm_up()
    _run_event_loop(1.5)
    window.toggle_training()
    _run_event_loop(2.0)  # warm up
    ticks: list[float] = []
    tick_timer = QTimer(interval=5)
    tick_timer.setTimerType(Qt.TimerType.PreciseTimer)
    tick_timer.timeout.connect(lambda: ticks.append(time.perf_counter()))
    if args.worst:
        app.timeline = []
        tick_timer.start()
    app.recording = True
    _run_event_loop(args.seconds)
    app.recording = False
    tick_timer.stop()
    window.session.stop()
    _run_event_loop(0.5)
    window.close()

    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for took, what, kind in app.long_events:
        groups[(what, kind)].append(1000 * took)
    n_15 = sum(took > 0.015 for took, _, _ in app.long_events)
    print(f"{args.preset}, {args.seconds:.0f} s of training: {len(app.long_events)} events over {args.over:.0f} ms, "
          f"{n_15} over 15 ms")
    for (what, kind), ms in sorted(groups.items(), key=lambda kv: -len(kv[1])):
        ms.sort()
        print(f"  {len(ms):4d}  {what} {kind}: median {ms[len(ms) // 2]:.1f} ms, max {ms[-1]:.1f} ms")
    if args.worst and len(ticks) > 100:
        _print_worst(ticks, app.timeline)
    return 0


def _print_worst(ticks: list[float], timeline: list[tuple[float, float, str, str]]) -> None:
    """The 5 ms timer's lateness, and the events that overlapped its worst 2% of intervals."""
    t = np.asarray(ticks)
    late = np.diff(t) * 1000 - 5
    print(f"5 ms timer late: p50 {np.median(late):.1f} / p99 {np.percentile(late, 99):.1f} / max {late.max():.1f} ms")
    worst = np.argsort(late)[::-1]
    totals: dict[tuple[str, str], float] = defaultdict(float)

    def inside(i: int) -> list[tuple[float, float, str, str]]:
        a, b = t[i], t[i + 1]
        return [e for e in timeline if e[0] < b and e[0] + e[1] > a and e[2] != "QTimer(5 ms)"]

    for i in worst[: max(1, len(late) // 50)]:
        for _, took, what, kind in inside(i):
            totals[(what, kind)] += 1000 * took
    print("  in the worst 2% of intervals, ms by event: " + ", ".join(
        f"{what} {kind} {ms:.0f}" for (what, kind), ms in sorted(totals.items(), key=lambda kv: -kv[1])))
    for i in worst[:5]:
        print(f"  late {late[i]:.1f} ms: " + "; ".join(
            f"+{1000 * (start - t[i]):.1f} {what} {kind} {1000 * took:.1f}" for start, took, what, kind in inside(i)))


if __name__ == "__main__":
    sys.exit(main())
