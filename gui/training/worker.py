"""The training worker: runs ``model.train.Trainer`` in a ``QThread``, hands out plain-data snapshots.

The worker is a parentless ``QObject`` moved to its own ``QThread``. It owns its network and
never touches a widget; the GUI never reads the arrays it is writing. Between the two there is one
"latest snapshot" slot guarded by a lock: after every step the worker appends the step's numbers
to it (a few floats), and copies the weights into it only when the GUI has asked for them since
the last copy, so a 30 Hz GUI timer (``take_snapshot``) costs training one weight copy per frame,
not one per step. Commands (pause, resume, one step, stop, speed) are thread-safe method calls
that set a flag and wake the loop; lifecycle events go out as signals. Between steps the loop
steps aside while the GUI thread draws a pass (``gui.gui_turns``), when its steps are short.

Measured on these machines (see ``python -m benchmarks.gui``): a redraw per step would leave training a
fifth of its speed; a snapshot read at display rate leaves it about 90%.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass, field

import numpy as np
from PySide6.QtCore import QObject, QThread, Signal, Slot

from digitlab.gui.training.gui_turns import GuiTurns
from digitlab.model.blas import limit_blas_threads
from digitlab.model.network import Network
from digitlab.model.train import EpochRecord, StepRecord, Trainer, TrainingDivergedError

GIL_SWITCH_SECONDS = 0.001


@dataclass
class Snapshot:
    """What happened since the last ``take_snapshot``: plain data the GUI may keep."""

    step_samples: np.ndarray  # (k,) samples seen after each new step: the plots' x axis
    step_costs: np.ndarray  # (k,) batch cost of each new step
    step_accuracies: np.ndarray  # (k,)
    grad_norms: np.ndarray  # (k, n_layers) per-layer gradient norms of each new step
    epochs: list[EpochRecord]  # epochs completed since the last snapshot
    last_step: StepRecord | None  # the most recent step
    # the most recent step that carries its changes (recording on): the step after the previous
    # snapshot, when the weights here were copied too, so both show the same moment
    changes_step: StepRecord | None
    # changes summed over every step since the last snapshot (when recording), per layer
    accumulated_weight_changes: tuple[np.ndarray, ...] | None
    accumulated_bias_changes: tuple[np.ndarray, ...] | None
    weights: tuple[np.ndarray, ...] | None  # copies, present when the GUI asked for them
    biases: tuple[np.ndarray, ...] | None
    step: int
    total_steps: int
    samples_per_second: float
    samples_left: int  # training images still to go in this run
    state: str  # "running", "paused", "finished", "stopped", "failed"


@dataclass
class _Pending:
    samples: list[int] = field(default_factory=list)
    costs: list[float] = field(default_factory=list)
    accuracies: list[float] = field(default_factory=list)
    norms: list[tuple[float, ...]] = field(default_factory=list)
    epochs: list[EpochRecord] = field(default_factory=list)
    acc_w: list[np.ndarray] | None = None
    acc_b: list[np.ndarray] | None = None


class TrainingWorker(QObject):
    """Drives a trainer step by step in the thread it lives in."""

    finished = Signal(str)  # "finished" (all epochs), "stopped"
    failed = Signal(str)  # a readable message (e.g. divergence)
    state_changed = Signal(str)  # "running", "paused"

    def __init__(self, trainer: Trainer, start_paused: bool = False, steps_per_second: float | None = None) -> None:
        super().__init__()
        self._trainer = trainer
        self._cond = threading.Condition()
        self._paused = start_paused
        self._stop = False
        self._single_steps = 0  # steps still to do while paused ("1 step")
        self._steps_per_second = steps_per_second  # None: full speed
        self._want_weights = True
        self._record_changes = False
        self._pending = _Pending()
        self._last_step: StepRecord | None = None
        self._changes_step: StepRecord | None = None
        self._weights: tuple[np.ndarray, ...] | None = None
        self._biases: tuple[np.ndarray, ...] | None = None
        self._rate = 0.0
        self._state = "paused" if start_paused else "running"
        self.accumulate_changes = False  # sum changes between snapshots (read by the loop)
        self.turns = GuiTurns()  # steps aside while the GUI draws (see gui/gui_turns.py)
        self._step_seconds = 0.0  # a moving average of one step's wall time

    # ------------------------------------------------------------------ commands (any thread)
    def pause(self) -> None:
        with self._cond:
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._cond.notify_all()

    def step_once(self) -> None:
        """Do exactly one backprop step, then stay paused."""
        with self._cond:
            self._paused = True
            self._single_steps += 1
            self._cond.notify_all()

    def stop(self) -> None:
        with self._cond:
            self._stop = True
            self._cond.notify_all()

    def set_speed(self, steps_per_second: float | None) -> None:
        """Slow motion: at most this many steps a second (None: as fast as possible)."""
        with self._cond:
            self._steps_per_second = steps_per_second
            self._cond.notify_all()

    def set_record_changes(self, on: bool) -> None:
        """Have step records carry the changes applied (for the network view)."""
        self._record_changes = on  # a bool the loop reads between steps

    @property
    def is_paused(self) -> bool:
        return self._paused

    @property
    def state(self) -> str:
        """"running", "paused", "finished", "stopped" or "failed"."""
        return self._state

    @property
    def gil_bound(self) -> bool:
        """True when steps are so short that they are mostly Python: the GIL is the bottleneck."""
        return self.turns.steps_aside(self._step_seconds)

    def take_snapshot(self) -> Snapshot:
        """Everything new since the last call; asks for a fresh copy of the weights next step."""
        with self._cond:
            p, self._pending = self._pending, _Pending()
            weights, biases = self._weights, self._biases
            self._weights = self._biases = None
            self._want_weights = True
            n_layers = len(self._trainer.net.weights)
            return Snapshot(
                step_samples=np.asarray(p.samples, dtype=np.float64),
                step_costs=np.asarray(p.costs, dtype=np.float32),
                step_accuracies=np.asarray(p.accuracies, dtype=np.float32),
                grad_norms=np.asarray(p.norms, dtype=np.float32).reshape(-1, n_layers),
                epochs=p.epochs,
                last_step=self._last_step,
                changes_step=self._changes_step,
                accumulated_weight_changes=None if p.acc_w is None else tuple(p.acc_w),
                accumulated_bias_changes=None if p.acc_b is None else tuple(p.acc_b),
                weights=weights,
                biases=biases,
                step=self._trainer.step_count,
                total_steps=self._trainer.total_steps,
                samples_left=len(self._trainer.train_x) * self._trainer.config.epochs - self._trainer.samples_seen,
                samples_per_second=self._rate,
                state=self._state,
            )

    # ------------------------------------------------------------------ the loop (worker thread)
    @Slot()
    def run(self) -> None:
        limit_blas_threads(1)  # see model/blas.py: one BLAS thread leaves a core to the GUI
        # outside its own passes (gui/gui_turns.py) the GUI thread must win the GIL back from
        # this loop: a 1 ms switch interval (CPython's default is 5 ms) keeps those waits short
        sys.setswitchinterval(GIL_SWITCH_SECONDS)
        steps = self._trainer.steps()
        outcome = "finished"
        window_start, window_samples = time.perf_counter(), 0
        try:
            while True:
                if not self._wait_for_turn():
                    outcome = "stopped"
                    break
                # copying a step's changes costs a pass over every weight: do it only for the step
                # the next snapshot will show, unless every step is summed ("accumulate")
                self._trainer.record_changes = self._record_changes and (
                    self._want_weights or self.accumulate_changes)
                self.turns.yield_to_gui(self._step_seconds)
                started = time.perf_counter()
                try:
                    record = next(steps)
                except StopIteration:
                    break
                if isinstance(record, StepRecord):
                    self._step_seconds += 0.1 * (time.perf_counter() - started - self._step_seconds)
                    window_samples += record.samples_seen - (self._last_step.samples_seen if self._last_step else 0)
                    now = time.perf_counter()
                    if now - window_start >= 0.5:
                        self._rate = window_samples / (now - window_start)
                        window_start, window_samples = now, 0
                self._publish(record)
        except TrainingDivergedError as e:
            self._set_state("failed")
            self.failed.emit(str(e))
            return
        except Exception as e:  # a bug must reach the user as a message, not kill the thread
            self._set_state("failed")
            self.failed.emit(f"training failed: {type(e).__name__}: {e}")
            return
        finally:
            steps.close()
            self._copy_weights()
        self._set_state(outcome)
        self.finished.emit(outcome)

    def _wait_for_turn(self) -> bool:
        """Block while paused or slowed down; False when asked to stop."""
        if self._state == "running" and not (self._stop or self._paused or self._steps_per_second):
            return True  # the common case, read without the lock: a flag set meanwhile acts next step
        with self._cond:
            while True:
                if self._stop:
                    return False
                if not self._paused:
                    break
                if self._single_steps:
                    self._single_steps -= 1
                    return True
                self._set_state("paused", locked=True)
                self._cond.wait()
            self._set_state("running", locked=True)
            if self._steps_per_second:
                # an interruptible sleep: stop, pause or a speed change wake it
                self._cond.wait(1.0 / self._steps_per_second)
                return not self._stop
            return True

    def _set_state(self, state: str, locked: bool = False) -> None:
        if state == self._state:
            return
        self._state = state
        if state in ("running", "paused"):
            self.state_changed.emit(state)

    def _publish(self, record: StepRecord | EpochRecord) -> None:
        with self._cond:
            p = self._pending
            if isinstance(record, EpochRecord):
                p.epochs.append(record)
                return
            self._last_step = record
            if record.weight_changes is not None:
                self._changes_step = record
            p.samples.append(record.samples_seen)
            p.costs.append(record.cost)
            p.accuracies.append(record.accuracy)
            p.norms.append(record.grad_norms)
            if record.weight_changes is not None and self.accumulate_changes:
                if p.acc_w is None:
                    p.acc_w = [c.copy() for c in record.weight_changes]
                    p.acc_b = [c.copy() for c in record.bias_changes]
                else:
                    for a, c in zip(p.acc_w + p.acc_b, record.weight_changes + record.bias_changes):
                        a += c
            # when recording, the weights are copied after a step that carries its changes, so the
            # view shows both of one moment; a step already under way when the GUI asked did not
            # record: the next one will (copying now would leave no step to record, frame after frame)
            if self._want_weights and (record.weight_changes is not None or not self._record_changes):
                self._copy_weights(locked=True)

    def _copy_weights(self, locked: bool = False) -> None:
        if not locked:
            with self._cond:
                return self._copy_weights(locked=True)
        net = self._trainer.net
        self._weights = tuple(w.copy() for w in net.weights)
        self._biases = tuple(b.copy() for b in net.biases)
        self._want_weights = False


class TrainingRun(QObject):
    """A worker and its thread, started together and shut down together."""

    def __init__(self, trainer: Trainer, start_paused: bool = False, steps_per_second: float | None = None) -> None:
        super().__init__()
        self.worker = TrainingWorker(trainer, start_paused, steps_per_second)
        self.thread = QThread()
        self.thread.setObjectName("training")
        self.worker.moveToThread(self.thread)
        self.thread.started.connect(self.worker.run)
        self.worker.finished.connect(self.thread.quit)
        self.worker.failed.connect(self.thread.quit)
        self.network: Network = trainer.net  # owned by the worker until the thread has ended

    def start(self) -> None:
        self.thread.start()

    def shutdown(self, timeout_ms: int = 5000) -> bool:
        """Ask the worker to stop after its current step, then wait for the thread to end."""
        self.worker.stop()
        self.worker.turns.gui_idle()  # a pass in progress must not hold the last step back
        self.thread.quit()
        return self.thread.wait(timeout_ms)

    @property
    def running(self) -> bool:
        return self.thread.isRunning()
