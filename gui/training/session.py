"""The training session: the live-training path behind one public interface.

A session runs one training run at a time in a warm child process (``model.train_process``) and
reads it at display rate: the child sends a frame ~30 times a second (``model.frame_clock``), and
each is handed out as it comes (told by the process's reader thread; a 30 Hz poll of the window's
own drifted against the child's uneven frames, found nothing at some ticks and merged two frames
at others: ``accurate`` showed ~7% fewer frames than the child sent): the new
steps (curves, bars), the finished epochs, and the network view's frame half a frame period
later, its diagram a few ms after that (drawn a part per pass), so no single event-loop pass
carries everything. While the user draws (``hold_view``), frames are merged and handed out
at most every ``HELD_FRAME_MS``, the view's every ``HELD_VIEW_MS``: the pen and the answer come
first. Frames come with copies of the weights the GUI may keep (the trainer process's reader
thread copies them out of shared memory).
Commands (start, pause, resume, one step, stop, speed, what to record) are methods; none waits on
the trainer. The window never touches the process.

If the process dies (killed, out of memory), the session says so (``failed``) and ends the run
with the network of the last frame; the next run starts a new process.
"""

from __future__ import annotations

import contextlib
import math
import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal, Slot

from digitlab.gui.training.full_collections import FullCollectionsHeld
from digitlab.model.network import Network
from digitlab.model.train_process import Frame, RunRecipe, TrainerProcess

FRAME_MS = 33  # ~30 Hz, the display rate the views are fed at (the child's frame clock)
MIN_FRAME_MS = 25  # frames handed out at most this often (slow motion sends one a step)
SAFETY_POLL_MS = 250  # and looked for at least this often, should a word from the reader be missed
HELD_VIEW_MS = 250  # while the user draws, the network view takes a frame at most this often
HELD_FRAME_MS = 100  # and the curves (the bars too, for a network that learns): 10 times a second
# the status line and the progress bar change at a pace one can read (and each change relays the
# panel out): at most this often while a run goes at full speed, at every frame in slow motion
STATUS_MS = 200


class TrainingSession(QObject):
    """One run at a time in a child process, its commands and its display-rate frames."""

    state_changed = Signal()  # started, paused, resumed or ended: run controls follow
    steps_arrived = Signal(object)  # a Frame: the new steps' numbers (and weight copies)
    epochs_arrived = Signal(list)  # EpochRecords finished since the last frame
    view_frame = Signal(object)  # the Frame again, half a period later, for the network view
    view_frame_done = Signal()  # the view's second half (its diagram) may be drawn now
    progress = Signal(float, str)  # fraction of the run done, a status line
    ended = Signal(object, str, str)  # the run's network (now the caller's), outcome, a message
    failed = Signal(str)  # a readable reason; ``ended`` follows with outcome "failed"
    _arrived = Signal()  # from the process's reader thread: a frame or the end came

    def __init__(self, parent: QObject | None = None, preload_mnist: bool = False) -> None:
        super().__init__(parent)
        self._arrived.connect(self._on_arrival, Qt.ConnectionType.QueuedConnection)
        self._process = TrainerProcess(preload_mnist=preload_mnist, on_arrival=self._tell_arrived)
        self._network: Network | None = None  # the run's network as of the last frame
        self._started = 0.0
        self._steps_done = 0
        self._record_changes = False
        self._accumulate = False
        self._handed_at = float("-inf")  # when a frame was last handed out (perf_counter)
        self._frame_timer = QTimer(self, singleShot=True)  # a frame that came too soon after the last
        self._frame_timer.timeout.connect(self._on_frame)
        self._safety_timer = QTimer(self, interval=SAFETY_POLL_MS)
        self._safety_timer.timeout.connect(self._on_arrival)
        self._view_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 2)
        self._view_timer.timeout.connect(self._emit_view_frame)
        self._diagram_timer = QTimer(self, singleShot=True, interval=FRAME_MS // 4)
        self._diagram_timer.timeout.connect(self.view_frame_done)
        self._view_frame: Frame | None = None
        self._view_held = False
        self._slow_motion = False
        self._status_at = -1.0  # when ``progress`` was last emitted (perf_counter)
        self._status_frame: Frame | None = None  # the newest frame handed out, for the status line
        self._status_timer = QTimer(self, singleShot=True)  # an epoch's measuring, said once it may be
        self._status_timer.setTimerType(Qt.TimerType.PreciseTimer)  # never early: the pace holds
        self._status_timer.timeout.connect(self._emit_status)
        self._collections = FullCollectionsHeld()  # no 60 ms pause of the window while a run trains

    # ------------------------------------------------------------------ state
    @property
    def active(self) -> bool:
        """A run exists (running or paused)."""
        return self._network is not None

    @property
    def paused(self) -> bool:
        return self.active and self._process.paused

    @property
    def steps_done(self) -> int:
        """Steps of the current (or last) run that frames have shown."""
        return self._steps_done

    @property
    def trainer_pid(self) -> int | None:
        """The trainer process's id, while it lives."""
        return self._process.pid if self._process.alive else None

    def warm_up(self) -> None:
        """Start the trainer process now, so that Train starts at once later."""
        self._process.ensure_started()

    # ------------------------------------------------------------------ commands
    def start(self, recipe: RunRecipe, start_paused: bool = False, steps_per_second: float | None = None) -> bool:
        """Start a run of ``recipe`` (``recipe.network`` is where it starts); False if one runs."""
        if self.active:
            return False
        self._network = recipe.network.copy()
        self._steps_done = 0
        self._started = time.perf_counter()
        self._slow_motion, self._status_at = steps_per_second is not None, -1.0
        self._collections.hold()
        self._handed_at = float("-inf")
        self._process.take_frame()  # anything left of the last run (none is expected) is not this one's
        self._process.run(recipe, start_paused=start_paused, steps_per_second=steps_per_second,
                          record_changes=self._record_changes, accumulate=self._accumulate)
        self._safety_timer.start()
        self.state_changed.emit()
        return True

    def pause(self) -> None:
        if self.active:
            self._process.pause()
            self.state_changed.emit()

    def resume(self) -> None:
        if self.active:
            self._process.resume()
            self.state_changed.emit()

    def step_once(self) -> None:
        """Exactly one backprop step, then paused."""
        if self.active:
            self._process.step_once()
            self.state_changed.emit()

    def stop(self) -> None:
        """Stop after the current step; ``ended`` follows."""
        if self.active:
            self._process.stop()

    def set_speed(self, steps_per_second: float | None) -> None:
        self._slow_motion = steps_per_second is not None
        if self.active:
            self._process.set_speed(steps_per_second)

    def set_record_changes(self, on: bool) -> None:
        """Frames carry the weight changes of their step (only while someone looks: it costs a copy)."""
        self._record_changes = on
        if self.active:
            self._process.set_record_changes(on)

    def set_accumulate(self, on: bool) -> None:
        """Sum the changes of every step between two frames instead of showing one step's."""
        self._accumulate = on
        if self.active:
            self._process.set_accumulate(on)

    def hold_view(self, on: bool) -> None:
        """While ``on`` (a stroke is being drawn), hand the network view a frame at most every
        ``HELD_VIEW_MS`` and the curves every ``HELD_FRAME_MS`` (the frames between are merged).
        The view's work per frame (tiles, highlights, edges) is most of the window's while a wide
        network trains, then the curves', and the pen, the canvas and the answer should not queue
        behind them."""
        self._view_held = bool(on)
        if not on:  # the pen is up: the newest frame soon
            if self._frame_timer.isActive():
                self._frame_timer.stop()
                self._on_arrival()
            if self._view_timer.isActive() and self._view_timer.remainingTime() > FRAME_MS // 2:
                self._view_timer.start(FRAME_MS // 2)

    @property
    def view_held(self) -> bool:
        return self._view_held

    def show_frame_now(self) -> None:
        """Take and show a frame at once (as its arrival does)."""
        self._on_frame()

    def shutdown(self, timeout: float = 1.0) -> Network | None:
        """End the run and the process within ``timeout`` s, without signals; the run's network."""
        for timer in (self._frame_timer, self._safety_timer, self._status_timer, self._view_timer, self._diagram_timer):
            timer.stop()
        network, self._network = self._network, None
        self._collections.release()
        end = self._process.shutdown(timeout)
        if end is not None and end.network is not None:
            return end.network
        return network

    # ------------------------------------------------------------------ frames
    def _tell_arrived(self) -> None:
        """On the process's reader thread: queue ``_on_arrival`` on the session's thread."""
        with contextlib.suppress(RuntimeError):  # the session is deleted already (its window closed)
            self._arrived.emit()

    @Slot()
    def _on_arrival(self) -> None:
        """A frame (or the end) came: hand it out now, or once ``MIN_FRAME_MS`` (``HELD_FRAME_MS``
        while the user draws) has passed since the last one; what comes meanwhile is merged."""
        if self._frame_timer.isActive() or not self.active:
            return
        gap = (HELD_FRAME_MS if self._view_held else MIN_FRAME_MS) / 1000
        wait = self._handed_at + gap - time.perf_counter()
        if wait > 0:
            self._frame_timer.start(max(1, round(wait * 1000)))
        else:
            self._on_frame()

    @Slot()
    def _on_frame(self) -> None:
        end = self._process.take_end()  # first: the child sends its last frame before its end
        frame = self._process.take_frame()
        if frame is not None:
            self._hand_out(frame)
        if end is not None:
            self._end(end.network, end.outcome, end.message)
        elif self.active and self._process.died:
            self._end(None, "failed", "The training process ended unexpectedly (it was killed or ran out of "
                                      "memory). The network is kept as it was at the last frame.")

    def _hand_out(self, frame: Frame) -> None:
        self._handed_at = time.perf_counter()
        self._steps_done = frame.step
        if frame.weights is not None and self._network is not None:
            self._network.weights, self._network.biases = list(frame.weights), list(frame.biases)
        self.steps_arrived.emit(frame)
        if frame.epochs:
            self.epochs_arrived.emit(frame.epochs)
        self._view_frame = frame if self._view_frame is None else self._view_frame.merge(frame)
        if not self._view_timer.isActive():
            self._view_timer.start(HELD_VIEW_MS if self._view_held else FRAME_MS // 2)
        self._status_frame = frame
        wait = self._status_at + STATUS_MS / 1000 - time.perf_counter()
        if frame.state not in ("running", "evaluating") or self._slow_motion or wait <= 0:
            self._emit_status()
        elif frame.state == "evaluating" and not self._status_timer.isActive():
            # the curves stop while the epoch's network is measured: the line says so soon, unless
            # the next frames come first (short epochs), and never faster than a person reads
            self._status_timer.start(max(1, math.ceil(wait * 1000)))

    @Slot()
    def _emit_status(self) -> None:
        """The status line of the newest frame handed out."""
        self._status_timer.stop()
        frame = self._status_frame
        if frame is not None:
            self._status_at = time.perf_counter()
            self.progress.emit(frame.step / max(frame.total_steps, 1), self._status(frame))

    @Slot()
    def _emit_view_frame(self) -> None:
        frame, self._view_frame = self._view_frame, None
        if frame is not None:
            try:
                self.view_frame.emit(frame)
            finally:
                self._diagram_timer.start()

    def _status(self, frame: Frame) -> str:
        status = []
        last = frame.last_step
        if last is not None:
            status.append(f"epoch {last.epoch}, step {last.step:,} of {max(frame.total_steps, 1):,}, "
                          f"batch cost {last.cost:.4f}")
        rate = frame.samples_per_second
        if frame.state == "paused":
            status.append("paused")
        elif frame.state == "evaluating":  # a pause of the curves and the view, ~1.5 s for a wide network
            status.append("measuring this epoch's cost and accuracy")
        elif rate > 0 and frame.state == "running":
            status.append(f"{rate:,.0f} samples/s, about {duration(frame.samples_left / rate)} left")
        return " - ".join(status)

    def _end(self, network: Network | None, outcome: str, message: str) -> None:
        last_good, self._network = self._network, None
        self._frame_timer.stop()
        self._safety_timer.stop()
        self._status_timer.stop()
        self._collections.release()
        if self._view_timer.isActive():
            self._view_timer.stop()
            self._emit_view_frame()
        if self._diagram_timer.isActive():
            self._diagram_timer.stop()
        self.view_frame_done.emit()
        if outcome == "failed":
            self.failed.emit(message)
        elapsed = duration(time.perf_counter() - self._started)
        self.state_changed.emit()  # the run controls first: the end-of-run work (saving...) follows
        self.ended.emit(network if network is not None else last_good, outcome,
                        f"Training {outcome} after {elapsed}")


def duration(seconds: float) -> str:
    """A duration in words a person reads at a glance: '42 s', '3 min 05 s', '1 h 02 min'."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"
