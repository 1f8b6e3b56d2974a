"""``python -m benchmarks.long_events``: which events hold the GUI thread long while a preset trains.

The window trains ``--preset`` at full speed with every view live; for ``--seconds`` every
top-level event the application delivers is timed (``QApplication.notify`` overridden: nested
sends count towards the event that made them), and those over ``--over`` ms are counted by
receiver and event type. It names what the event-loop lateness of ``benchmarks.gui`` is made of;
the override itself costs a few microseconds an event, so compare runs of this command only.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections import defaultdict

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from digitlab.model.blas import limit_blas_threads
from digitlab.model.config import PRESETS


class TimedApplication(QApplication):
    """A QApplication that records (seconds, receiver, event type) of each top-level event over a bound."""

    def __init__(self, argv: list[str], over_s: float) -> None:
        super().__init__(argv)
        self.over_s, self.long_events, self.recording = over_s, [], False
        self._depth = 0

    def notify(self, receiver, event) -> bool:
        self._depth += 1
        start = time.perf_counter()
        try:
            return super().notify(receiver, event)
        finally:
            self._depth -= 1
            took = time.perf_counter() - start
            if self._depth == 0 and self.recording and took > self.over_s:
                what = type(receiver).__name__
                if isinstance(receiver, QTimer):
                    what += f"({receiver.interval()} ms)"
                self.long_events.append((took, what, event.type().name))


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.long_events", description=__doc__.split("\n\n")[0])
    p.add_argument("--preset", default="accurate", choices=sorted(PRESETS))
    p.add_argument("--seconds", type=float, default=8.0)
    p.add_argument("--over", type=float, default=6.0, help="count events longer than this, ms")
    args = p.parse_args(argv)
    limit_blas_threads(1)
    app = TimedApplication([], args.over / 1000)
    from benchmarks.gui import _run_event_loop
    from digitlab.gui.app import create_window

    window = create_window(data_dir=tempfile.mkdtemp(prefix="digitlab-bench-"))
    window.resize(1400, 900)
    window.show()
    window.training.set_config(PRESETS[args.preset].replace(epochs=1000), preset=args.preset)
    window.training.speed.setValue(window.training.speed.maximum())
    if window.network.layer_sizes != PRESETS[args.preset].layer_sizes:
        window.new_network()
    window.session.warm_up()
    _run_event_loop(1.5)
    window.toggle_training()
    _run_event_loop(2.0)  # warm up
    app.recording = True
    _run_event_loop(args.seconds)
    app.recording = False
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
    return 0


if __name__ == "__main__":
    sys.exit(main())
