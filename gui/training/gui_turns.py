"""Taking turns for the GIL: the training thread steps aside while the GUI thread draws a frame.

A small network (the ``3b1b`` preset: batch 10, 784-16-16-10) trains in steps of ~0.1 ms that
are almost all Python, so the trainer wants the GIL all the time. Left to CPython's scheduler,
the GUI's passes (a frame of curves, a repaint of the network view, the bars after a pen move)
are cut into slices of the switch interval alternating with the trainer: a 7 ms pass takes
twice that or more, and the event loop is late by as much.

So the window brackets each pass of its own (``gui_pass``): ``gui_busy`` at the start, the pass's
repaints done inside it (``QCoreApplication.sendPostedEvents``), ``gui_idle`` at the end. The
trainer calls ``yield_to_gui`` between steps and blocks, GIL released, while a pass runs. The pass
then runs at full speed; the trainer loses the same GIL time it lost before, without the slicing.

Qt's own ``QAbstractEventDispatcher.awake``/``aboutToBlock`` would be the natural signals, but
with the glib dispatcher (Linux's default) both are emitted before the events are handled, so
they bracket nothing.

Two bounds keep the trainer from starving:
- it waits at most ``max_wait`` for one pass (a pass that never ends, an exception in it, gets
  the old sharing back after that);
- it does not wait at all when its steps are long (``max_step``): a big network's steps are BLAS
  calls that release the GIL, so trainer and GUI run side by side on two cores.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

from PySide6.QtCore import QCoreApplication

MAX_WAIT_SECONDS = 0.05  # the longest the trainer waits for one pass of the GUI
MAX_STEP_SECONDS = 0.002  # steps longer than this do not wait: they are mostly GIL-free BLAS


class GuiTurns:
    """Whether the GUI thread is in a pass of its own; set by the GUI, waited on by the trainer."""

    def __init__(self, max_wait: float = MAX_WAIT_SECONDS, max_step: float = MAX_STEP_SECONDS) -> None:
        self.max_wait = max_wait
        self.max_step = max_step
        self._idle = threading.Event()
        self._idle.set()
        self._busy_since = 0.0

    # ------------------------------------------------------------------ GUI thread
    def gui_busy(self) -> None:
        if self._idle.is_set():
            self._busy_since = time.perf_counter()
            self._idle.clear()

    def gui_idle(self) -> None:
        self._idle.set()

    @property
    def is_gui_busy(self) -> bool:
        return not self._idle.is_set()

    @contextmanager
    def gui_pass(self) -> Iterator[None]:
        """A pass of GUI work with its repaints, the trainer stepping aside meanwhile."""
        if self.is_gui_busy:  # nested: the outer pass repaints and ends it
            yield
            return
        self.gui_busy()
        try:
            yield
            # the repaints the pass asked for (and pyqtgraph's queued scene updates) happen now,
            # inside the pass, rather than in later event-loop passes the trainer would slice.
            # Every posted event is delivered here, queued signals included: code after a pass
            # must not assume what held before it (a run may have ended meanwhile)
            QCoreApplication.sendPostedEvents()
        finally:
            self.gui_idle()

    # ------------------------------------------------------------------ training thread
    def steps_aside(self, step_seconds: float) -> bool:
        """Whether a trainer whose steps take this long waits for the GUI's passes."""
        return step_seconds <= self.max_step

    def yield_to_gui(self, step_seconds: float) -> None:
        """Between two steps: block while the GUI is in a pass (bounded; see the module docstring)."""
        if self._idle.is_set() or not self.steps_aside(step_seconds):
            return
        left = self._busy_since + self.max_wait - time.perf_counter()
        if left > 0:
            self._idle.wait(left)
