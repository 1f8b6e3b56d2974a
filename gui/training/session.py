"""The training session: the live-training path behind one public interface.

A session runs one training run at a time: a ``TrainingWorker`` in a ``QThread`` (see
``worker.py``), read at display rate by a frame timer. It hands the window plain data through
signals, each emitted inside a *pass* the trainer steps aside for (``gui_turns.py``): the new
steps (curves, bars), the finished epochs, the network view's snapshot and, a few ms later, the
view's diagram. Commands (start, pause, resume, one step, stop, speed, what to record) are
methods; the window never touches the worker or its thread. The seam is the same for a trainer
that would live in another process: commands in, snapshots out.

The frame budget: the GUI's Python work holds the GIL the trainer needs, so the frame interval
stretches from 33 ms to 250 ms to keep the views' share of the GUI thread's time near a
twentieth while the trainer is GIL-bound (tiny steps) and a tenth otherwise.
"""

from __future__ import annotations

import time
from contextlib import AbstractContextManager, nullcontext

from PySide6.QtCore import QObject, QTimer, Signal, Slot

from digitlab.gui.training.worker import Snapshot, TrainingRun
from digitlab.model.network import Network
from digitlab.model.train import EpochRecord, Trainer

FRAME_MS = 33  # ~30 Hz, the display rate the views are fed at...
MAX_FRAME_MS = 250  # ...slowed down to 4 Hz at the most when drawing a frame is expensive
# the share of the GUI thread's time the views may take while training (see the docstring)
FRAME_SHARE_GIL_BOUND = 20
FRAME_SHARE = 10


class TrainingSession(QObject):
    """One run at a time, its commands and its display-rate frames."""

    state_changed = Signal()  # started, paused, resumed or ended: run controls follow
    steps_arrived = Signal(object)  # a Snapshot: the new steps' numbers (and weight copies)
    epochs_arrived = Signal(list)  # EpochRecords finished since the last frame
    view_frame = Signal(object)  # the Snapshot again, half a frame later, for the network view
    view_frame_done = Signal()  # the view's second half (its diagram) may repaint now
    progress = Signal(float, str)  # fraction of the run done, a status line
    ended = Signal(object, str, str)  # the run's network (now the caller's), outcome, a message
    failed = Signal(str)  # a readable reason; ``ended`` follows with outcome "failed"

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._run: TrainingRun | None = None
        self._started = 0.0
        self._steps_done = 0
        self._record_changes = False
        self._accumulate = False
        self._frame_timer = QTimer(self, interval=FRAME_MS)
        self._frame_timer.timeout.connect(self._on_frame)
        # the network view repaints in passes of their own: no pass carries curves and view at once
        self._view_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 2)
        self._view_timer.timeout.connect(self._emit_view_frame)
        self._diagram_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 4)
        self._diagram_timer.timeout.connect(self._emit_view_done)
        self._epochs_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 4)
        self._epochs_timer.timeout.connect(self._emit_epochs)
        self._view_snapshot: Snapshot | None = None
        self._pending_epochs: list[EpochRecord] = []
        self._frame_cost_ms = 0.0
        self._frame_cpu = time.thread_time()

    # ------------------------------------------------------------------ state
    @property
    def active(self) -> bool:
        """A run exists (running or paused)."""
        return self._run is not None

    @property
    def paused(self) -> bool:
        return self._run is not None and self._run.worker.is_paused

    @property
    def steps_done(self) -> int:
        """Steps of the current (or last) run that frames have shown."""
        return self._steps_done

    @property
    def frame_interval(self) -> int:
        """The frame timer's interval now, in ms (the budget at work)."""
        return self._frame_timer.interval()

    def gui_pass(self) -> AbstractContextManager[None]:
        """A pass of GUI work the trainer steps aside for; idle, just a block."""
        return nullcontext() if self._run is None else self._run.worker.turns.gui_pass()

    # ------------------------------------------------------------------ commands
    def start(self, trainer: Trainer, start_paused: bool = False, steps_per_second: float | None = None) -> bool:
        """Start a run of ``trainer`` (which owns its network until the run ends); False if one runs."""
        if self._run is not None:
            return False
        run = TrainingRun(trainer, start_paused=start_paused, steps_per_second=steps_per_second)
        run.worker.finished.connect(self._on_finished)
        run.worker.failed.connect(self._on_failed)
        run.worker.state_changed.connect(self.state_changed)
        run.worker.set_record_changes(self._record_changes)
        run.worker.accumulate_changes = self._accumulate
        self._run = run
        self._steps_done = 0
        self._started = time.perf_counter()
        run.start()
        self._frame_cpu = time.thread_time()  # the first frame pays for itself, not for the setup
        self._frame_timer.start(FRAME_MS)
        self.state_changed.emit()
        return True

    def pause(self) -> None:
        if self._run is not None:
            self._run.worker.pause()
            self.state_changed.emit()

    def resume(self) -> None:
        if self._run is not None:
            self._run.worker.resume()
            self.state_changed.emit()

    def step_once(self) -> None:
        """Exactly one backprop step, then paused."""
        if self._run is not None:
            self._run.worker.step_once()
            self.state_changed.emit()

    def stop(self) -> None:
        """Stop after the current step; ``ended`` follows."""
        if self._run is not None:
            self._run.worker.stop()

    def set_speed(self, steps_per_second: float | None) -> None:
        if self._run is not None:
            self._run.worker.set_speed(steps_per_second)

    def set_record_changes(self, on: bool) -> None:
        """Steps carry their weight changes (only while someone looks at them: it costs a copy)."""
        self._record_changes = on
        if self._run is not None:
            self._run.worker.set_record_changes(on)

    def set_accumulate(self, on: bool) -> None:
        """Sum the changes of every step between two frames instead of showing one step's."""
        self._accumulate = on
        if self._run is not None:
            self._run.worker.accumulate_changes = on

    def show_frame_now(self) -> None:
        """Take and show a frame at once (as the frame timer does)."""
        self._on_frame()

    def shutdown(self, timeout_ms: int = 2000) -> Network | None:
        """End the run without signals (the window is closing); its network, or None if none ran."""
        run, self._run = self._run, None
        for timer in (self._frame_timer, self._view_timer, self._diagram_timer, self._epochs_timer):
            timer.stop()
        if run is None:
            return None
        run.shutdown(timeout_ms=timeout_ms)
        return run.network

    # ------------------------------------------------------------------ frames
    @Slot()
    def _on_frame(self) -> None:
        """Display rate: take what the worker did since the last frame and hand it out."""
        run = self._run  # the pass's repaints deliver posted events: the run may end inside it
        if run is None:
            return
        with run.worker.turns.gui_pass():
            self._hand_out(run.worker.take_snapshot())
        cpu = time.thread_time()  # a frame's cost: the GUI thread's CPU since the last (paints too)
        cost_ms = (cpu - self._frame_cpu) * 1000
        self._frame_cpu = cpu
        if self._run is not run:
            return  # the run ended inside the pass: its end's work is no frame's cost
        if run.worker.is_paused:
            interval = FRAME_MS  # "1 step" shows at once; a paused run's cheap frames teach nothing
        else:
            self._frame_cost_ms += 0.2 * (cost_ms - self._frame_cost_ms)
            share = FRAME_SHARE_GIL_BOUND if run.worker.gil_bound else FRAME_SHARE
            interval = int(min(max(share * self._frame_cost_ms, FRAME_MS), MAX_FRAME_MS))
        if abs(interval - self._frame_timer.interval()) > 3:
            self._frame_timer.setInterval(interval)

    def _hand_out(self, snap: Snapshot) -> None:
        self._steps_done = snap.step
        self.steps_arrived.emit(snap)
        if snap.epochs:
            self._pending_epochs += snap.epochs
            self._epochs_timer.start()
        self._view_snapshot = snap
        self._view_timer.start()
        self.progress.emit(snap.step / max(snap.total_steps, 1), self._status(snap))

    @Slot()
    def _emit_epochs(self) -> None:
        epochs, self._pending_epochs = self._pending_epochs, []
        if epochs:
            with self.gui_pass():
                self.epochs_arrived.emit(epochs)

    @Slot()
    def _emit_view_frame(self) -> None:
        snap, self._view_snapshot = self._view_snapshot, None
        if snap is not None:
            try:
                with self.gui_pass():
                    self.view_frame.emit(snap)
            finally:
                self._diagram_timer.start()

    @Slot()
    def _emit_view_done(self) -> None:
        with self.gui_pass():
            self.view_frame_done.emit()

    def _status(self, snap: Snapshot) -> str:
        status = []
        last = snap.last_step
        if last is not None:
            status.append(f"epoch {last.epoch}, step {last.step:,} of {max(snap.total_steps, 1):,}, "
                          f"batch cost {last.cost:.4f}")
        rate = snap.samples_per_second
        if rate > 0 and self._run is not None and not self._run.worker.is_paused:
            status.append(f"{rate:,.0f} samples/s, about {duration(snap.samples_left / rate)} left")
        elif snap.state == "paused":
            status.append("paused")
        return " - ".join(status)

    # ------------------------------------------------------------------ the end of a run
    @Slot(str)
    def _on_finished(self, outcome: str) -> None:
        self._end(outcome, f"Training {outcome}")

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end("failed", "Training failed")
        self.failed.emit(message)

    def _end(self, outcome: str, message: str) -> None:
        run, self._run = self._run, None
        self._frame_timer.stop()
        if run is None:
            return
        run.shutdown()
        self._hand_out(run.worker.take_snapshot())  # the last steps and the final weights
        for timer, emit in ((self._view_timer, self._emit_view_frame), (self._diagram_timer, self._emit_view_done),
                            (self._epochs_timer, self._emit_epochs)):
            timer.stop()
            emit()
        elapsed = time.perf_counter() - self._started
        self.ended.emit(run.network, outcome, f"{message} after {duration(elapsed)}")
        self.state_changed.emit()


def duration(seconds: float) -> str:
    """A duration in words a person reads at a glance: '42 s', '3 min 05 s', '1 h 02 min'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
