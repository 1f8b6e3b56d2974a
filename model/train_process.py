"""The trainer in a process of its own: commands in, plain-data frames out.

``TrainerProcess`` spawns one child process (kept warm between runs, one BLAS thread) that runs
``model.train.Trainer`` and talks through a pipe. The parent sends commands (run a recipe, pause,
resume, one step, stop, speed, what to record) and a reader thread merges what the child sends
into one "latest frame" that ``take_frame`` hands out: the new steps' numbers, finished epochs,
and, at most ~30 times a second, a copy of the weights with the changes of the step just before
(only while someone looks at them). The pipe carries only the small data: the weights and changes
travel through shared memory (``model.frame_slots``), copied once by the child into a slot it owns
and once out of it by the parent's reader thread, which then hands the slot back. The two
interpreters share no GIL: training never delays a repaint, and drawing slows training only
through the machine they share (a few percent on 2 cores; docs/performance.md).
Nothing here imports Qt: a script can drive it too.

If the child dies (killed, out of memory), ``died`` says so and the caller keeps the weights of
the last frame; the run's shared memory is unlinked then, at a run's end and on shutdown (and by
multiprocessing's resource tracker if the parent is killed). The child ends when the parent asks,
when the pipe closes (the parent died), or, on Linux, when the kernel tells it its parent is gone
(``PR_SET_PDEATHSIG``): no orphans.
"""

from __future__ import annotations

import contextlib
import ctypes
import dataclasses
import multiprocessing as mp
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from digitlab.model.data import MNIST
from digitlab.model.frame_clock import FrameClock
from digitlab.model.frame_slots import FrameSlots
from digitlab.model.network import Network
from digitlab.model.retrain import scratch_training_set
from digitlab.model.train import EpochRecord, StepRecord, Trainer, TrainingDivergedError

FRAME_SECONDS = 1 / 30  # the child sends frames at this rate on average, the rate the window takes them
COMMAND_POLL_SECONDS = 0.002  # between steps, commands are read at most this often (a syscall each)


@dataclass(frozen=True)
class RunRecipe:
    """How to build a run's ``Trainer`` in the child: ``build(**kwargs, mnist=...)``.

    ``build`` is a module-level function (sent by reference) such as ``mnist_trainer`` or
    ``model.retrain.make_retrainer``; ``mnist`` is ``data`` when given, else the shipped MNIST,
    which the warm child loads once and keeps. ``network`` is where the run starts (the views
    show it until the first frame).
    """

    build: Callable[..., Trainer]
    network: Network
    kwargs: dict[str, Any] = field(default_factory=dict)
    data: MNIST | None = None  # None: the shipped MNIST, loaded by the child itself

    def trainer(self, shipped: Callable[[], MNIST]) -> Trainer:
        return self.build(**self.kwargs, mnist=self.data if self.data is not None else shipped())


def mnist_trainer(net: Network, config: Any, mnist: MNIST, samples_x: np.ndarray | None = None,
                  samples_y: np.ndarray | None = None) -> Trainer:
    """A run of ``config`` on MNIST's training set (plus copies of the user's samples, when given),
    evaluated on its test set."""
    x, y = mnist.train_x, mnist.train_y
    if samples_x is not None and len(samples_x):
        x, y = scratch_training_set(samples_x, samples_y, mnist, seed=config.seed)
    return Trainer(net, config, x, y, mnist.test_x, mnist.test_y)


@dataclass
class Frame:
    """What happened since the last ``take_frame``: plain data the GUI may keep."""

    step_samples: np.ndarray  # (k,) samples seen after each new step: the plots' x axis
    step_costs: np.ndarray  # (k,) batch cost of each new step
    step_accuracies: np.ndarray  # (k,)
    grad_norms: np.ndarray  # (k, n_layers) per-layer gradient norms of each new step
    epochs: list[EpochRecord]
    last_step: StepRecord | None  # the most recent step (without its changes)
    changes_step: StepRecord | None  # the step (without its arrays) whose changes are ``weight_changes``
    weight_changes: tuple[np.ndarray, ...] | None  # that step's changes, when recorded, or with
    bias_changes: tuple[np.ndarray, ...] | None  # ``changes_accumulated`` every step's since the last ones
    changes_accumulated: bool
    weights: tuple[np.ndarray, ...] | None  # copies the GUI may keep, at most ~30 times a second
    biases: tuple[np.ndarray, ...] | None
    step: int
    total_steps: int
    samples_per_second: float
    samples_left: int  # training images still to go in this run
    state: str  # "running", "evaluating" (the epoch's end: its network measured next), "paused",
    # "finished", "stopped", "failed"

    def merge(self, newer: Frame) -> Frame:
        """One frame for both (the GUI read less often than the child sent); may add into ``newer``'s arrays."""
        changes = self, self.weight_changes, self.bias_changes
        if newer.weight_changes is not None:
            changes = newer, newer.weight_changes, newer.bias_changes
            if newer.changes_accumulated and self.changes_accumulated and self.weight_changes is not None:
                for total, older in zip(newer.weight_changes + newer.bias_changes,
                                        self.weight_changes + self.bias_changes):
                    total += older  # the parent's own copies
        return Frame(
            np.concatenate([self.step_samples, newer.step_samples]),
            np.concatenate([self.step_costs, newer.step_costs]),
            np.concatenate([self.step_accuracies, newer.step_accuracies]),
            np.concatenate([self.grad_norms, newer.grad_norms]) if len(newer.grad_norms) else self.grad_norms,
            self.epochs + newer.epochs,
            newer.last_step or self.last_step,
            changes[0].changes_step, changes[1], changes[2], changes[0].changes_accumulated,
            newer.weights if newer.weights is not None else self.weights,
            newer.biases if newer.biases is not None else self.biases,
            newer.step, newer.total_steps, newer.samples_per_second, newer.samples_left, newer.state,
        )


@dataclass(frozen=True)
class RunEnd:
    """How a run ended: its network (None if it never started), ``outcome`` and a reason."""

    network: Network | None
    outcome: str  # "finished", "stopped", "failed"
    message: str


# ====================================================================== the parent's side
class TrainerProcess:
    """A warm child process that trains; every method returns at once (none waits on training)."""

    def __init__(self, preload_mnist: bool = False, on_arrival: Callable[[], None] | None = None) -> None:
        """``on_arrival``, if given, is called from the reader thread when a frame or the run's end
        comes (or the child dies) and nothing taken since the last call: the caller takes it at
        once, on its own thread, rather than polling on a clock of its own (the child's uneven 30 Hz
        and a 30 Hz poll drift against each other: about one poll in five found nothing, and
        frames that came close together were merged)."""
        self._preload = preload_mnist
        self._on_arrival = on_arrival
        self._arrival_told = False  # on_arrival was called, and nothing taken since
        self._proc: mp.process.BaseProcess | None = None
        self._conn: Connection | None = None
        self._lock = threading.Lock()
        self._send_lock = threading.Lock()  # the GUI thread sends commands, the reader thread releases slots
        self._slots_lock = threading.Lock()  # held while a slot is read, and to drop the slots
        self._slots: FrameSlots | None = None  # the current run's shared memory
        self._run_id = 0
        self._frame: Frame | None = None
        self._end: RunEnd | None = None
        self._died = False
        self._state = "idle"  # "idle", "running", "paused"
        self.start_error: BaseException | None = None  # why the child could not be started, if so

    # ------------------------------------------------------------------ the process
    def ensure_started(self) -> None:
        """Spawn the child unless one is alive (a new one after a death)."""
        if self._proc is not None and self._proc.is_alive() and not self._died:
            return
        self._close_process(timeout=0.2)
        ctx = mp.get_context("spawn")  # never fork a process that runs Qt
        parent, child = ctx.Pipe(duplex=True)
        self._proc = ctx.Process(target=_child_main, args=(child, self._preload), name="digitlab-trainer",
                                 daemon=True)
        try:
            self._proc.start()
        except (OSError, RuntimeError) as e:  # no process could be made: a run says so ("died")
            self._proc, self._died = None, True
            parent.close()
            child.close()
            self.start_error = e
            return
        child.close()
        self._conn = parent
        self._died = False
        threading.Thread(target=self._read, args=(parent,), name="digitlab-trainer-reader", daemon=True).start()

    @property
    def pid(self) -> int | None:
        return None if self._proc is None else self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.is_alive() and not self._died

    @property
    def died(self) -> bool:
        """The child ended without being asked (killed, out of memory)."""
        return self._died

    def shutdown(self, timeout: float = 1.0) -> RunEnd | None:
        """Stop a run and end the child within ``timeout`` s; the run's end, if it said one in time."""
        deadline = time.monotonic() + timeout
        if self._state != "idle" and self.alive:
            self._send(("stop",))
            while time.monotonic() < deadline - 0.3 and self._end is None and self.alive:
                time.sleep(0.005)
        end = self.take_end()
        self._close_process(timeout=max(0.05, deadline - time.monotonic()))
        return end

    def _close_process(self, timeout: float) -> None:
        proc, conn, self._proc, self._conn = self._proc, self._conn, None, None
        self._state = "idle"
        self._drop_slots()
        if proc is None:
            return
        if conn is not None:
            with contextlib.suppress(OSError, ValueError):
                conn.send(("quit",))
        proc.join(timeout * 0.6)
        if proc.is_alive():
            proc.terminate()  # a long step (batch 60,000 on a wide network) ends now, not later
            proc.join(timeout * 0.4)
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)
        if conn is not None:
            conn.close()

    # ------------------------------------------------------------------ commands
    def run(self, recipe: RunRecipe, *, start_paused: bool = False, steps_per_second: float | None = None,
            record_changes: bool = False, accumulate: bool = False) -> None:
        self.ensure_started()
        with self._lock:
            self._frame, self._end = None, None
        self._drop_slots()
        params = [*recipe.network.weights, *recipe.network.biases]
        try:
            slots = FrameSlots.for_params(params)
        except OSError:  # no shared memory to be had: frames come without weights
            slots = None
        with self._slots_lock:
            self._slots, self._run_id = slots, self._run_id + 1
        self._state = "paused" if start_paused else "running"
        self._send(("run", recipe, start_paused, steps_per_second, record_changes, accumulate,
                    None if slots is None else slots.spec, self._run_id))

    def pause(self) -> None:
        self._state = "paused" if self._state != "idle" else "idle"
        self._send(("pause",))

    def resume(self) -> None:
        self._state = "running" if self._state != "idle" else "idle"
        self._send(("resume",))

    def step_once(self) -> None:
        """Exactly one backprop step, then paused."""
        self._state = "paused" if self._state != "idle" else "idle"
        self._send(("step",))

    def stop(self) -> None:
        self._send(("stop",))

    def set_speed(self, steps_per_second: float | None) -> None:
        self._send(("speed", steps_per_second))

    def set_record_changes(self, on: bool) -> None:
        self._send(("record", on))

    def set_accumulate(self, on: bool) -> None:
        self._send(("accumulate", on))

    @property
    def running(self) -> bool:
        """A run is under way (running or paused)."""
        return self._state != "idle"

    @property
    def paused(self) -> bool:
        return self._state == "paused"

    def _send(self, message: tuple) -> None:
        conn = self._conn
        if conn is not None and not self._died:
            try:
                with self._send_lock:
                    conn.send(message)
            except (OSError, ValueError):
                self._died = True

    def _drop_slots(self) -> None:
        """Unlink the run's shared memory (its run ended, the child died, or shutdown)."""
        with self._slots_lock:
            slots, self._slots = self._slots, None
        if slots is not None:
            slots.unlink()

    def _read_slot(self, run_id: int, slot: int, with_changes: bool) -> tuple[list, list | None] | None:
        """Copies of a slot's arrays, then the slot goes back to the child; None if its run is over."""
        with self._slots_lock:
            if self._slots is None or run_id != self._run_id:
                return None
            arrays = self._slots.read(slot, with_changes)
        self._send(("release", slot))
        return arrays

    # ------------------------------------------------------------------ what comes back
    def take_frame(self) -> Frame | None:
        """Everything new since the last call, merged; None if nothing came."""
        with self._lock:
            frame, self._frame = self._frame, None
            self._arrival_told = False
        return frame

    def take_end(self) -> RunEnd | None:
        """The run's end, once it came (then the process is idle and warm for the next run)."""
        with self._lock:
            end, self._end = self._end, None
            self._arrival_told = False
        if end is not None:
            self._state = "idle"
        return end

    def _read(self, conn: Connection) -> None:
        """The reader thread: merge what the child sends; a closed pipe means the child died."""
        while True:
            try:
                message = conn.recv()
            except (EOFError, OSError):
                if self._conn is conn:  # not a shutdown we asked for
                    self._died = True
                    self._drop_slots()
                    self._tell_arrival()
                return
            kind = message[0]
            if kind == "frame":
                frame, run_id, slot, with_changes = message[1:]
                if slot is not None and (arrays := self._read_slot(run_id, slot, with_changes)) is not None:
                    frame = _with_arrays(frame, *arrays)
                with self._lock:
                    self._frame = frame if self._frame is None else self._frame.merge(frame)
                self._tell_arrival()
            elif kind == "end":
                run_id = message[-1]
                with self._slots_lock:
                    over = run_id == self._run_id
                if over:
                    self._drop_slots()
                with self._lock:
                    self._end = RunEnd(*message[1:-1])
                self._tell_arrival()

    def _tell_arrival(self) -> None:
        """Call ``on_arrival`` once per take: frames coming faster than they are taken are merged."""
        if self._on_arrival is None:
            return
        with self._lock:
            told, self._arrival_told = self._arrival_told, True
        if not told:
            self._on_arrival()


# ====================================================================== the child's side
def _die_with_parent() -> None:
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG


def _child_main(conn: Connection, preload_mnist: bool) -> None:
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C in the terminal is the app's to handle
    from digitlab.model.blas import limit_blas_threads
    from digitlab.model.data import load_mnist

    limit_blas_threads(1)  # the GUI gets the other core
    cache: list[MNIST] = []

    def shipped() -> MNIST:
        if not cache:
            cache.append(load_mnist())
        return cache[0]

    if preload_mnist:
        shipped()
    try:
        while True:
            message = conn.recv()
            if message[0] == "run":
                _Run(conn, *message[1:]).go(shipped)
            elif message[0] == "quit":
                return
    except (EOFError, OSError, BrokenPipeError):
        return  # the parent is gone


class _Run:
    """One run in the child: the step loop, commands between steps, frames at display rate."""

    def __init__(self, conn: Connection, recipe: RunRecipe, paused: bool, steps_per_second: float | None,
                 record: bool, accumulate: bool, slot_spec: tuple | None, run_id: int) -> None:
        self.conn, self.recipe, self.run_id = conn, recipe, run_id
        self.paused, self.sps, self.record, self.accumulate = paused, steps_per_second, record, accumulate
        self.single = 0
        self.stop = False
        self._reset_pending()
        self._reset_changes()
        self.last_step: StepRecord | None = None
        self.rate = 0.0
        self.step_seconds = 0.0  # how long the last step took: the frame clock picks the step that ends nearest its due time
        self.slots: FrameSlots | None = None
        if slot_spec is not None:
            with contextlib.suppress(OSError, ValueError):
                self.slots = FrameSlots(*slot_spec)
        self.free = set() if self.slots is None else set(range(len(slot_spec[2])))  # the slots this side owns
        self.owed = False  # a frame went without weights (no slot was free): the next one carries them

    def _reset_pending(self) -> None:
        self.samples: list[int] = []
        self.costs: list[float] = []
        self.accs: list[float] = []
        self.norms: list[tuple[float, ...]] = []
        self.epochs: list[EpochRecord] = []

    def _reset_changes(self) -> None:
        # the last step while recording: its changes are in the trainer's buffers (``last_changes``)
        # until the next step, and a frame is sent right after the step it shows
        self.changes_step: StepRecord | None = None
        self.acc: list[np.ndarray] | None = None  # weights' then biases' changes summed since the last frame
    def _handle(self, message: tuple) -> None:
        kind = message[0]
        if kind == "pause":
            self.paused = True
        elif kind == "resume":
            self.paused = False
        elif kind == "step":
            self.paused, self.single = True, self.single + 1
        elif kind == "stop":
            self.stop = True
        elif kind == "speed":
            self.sps = message[1]
        elif kind == "record":
            self.record = message[1]
            self._reset_changes()
        elif kind == "accumulate":
            self.accumulate = message[1]
            self.acc = None
        elif kind == "release":
            self.free.add(message[1])
        elif kind == "quit":
            self.stop = True
            raise EOFError  # quit after the end message

    def go(self, shipped: Callable[[], MNIST]) -> None:
        try:
            trainer = self.recipe.trainer(shipped)
        except (ValueError, TypeError, MemoryError, OSError) as e:
            self._close_slots()
            self.conn.send(("end", None, "failed", f"Cannot train: {e}", self.run_id))
            return
        self.trainer = trainer
        if self.slots is not None and not self.slots.fits(self._params()):
            self._close_slots()  # not the network the parent made room for: frames without weights
        outcome, message = "finished", ""
        steps = trainer.steps()
        frames = FrameClock(FRAME_SECONDS)
        last_poll = 0.0
        window_start, window_samples = time.perf_counter(), 0
        try:
            while True:
                now = time.perf_counter()
                if now - last_poll >= COMMAND_POLL_SECONDS or self.paused or self.sps:
                    last_poll = now
                    while self.conn.poll(0):
                        self._handle(self.conn.recv())
                if self.stop:
                    outcome = "stopped"
                    break
                if self.paused and not self.single:
                    self._send_frame("paused", weights=self.owed)  # weights a frame had no slot for
                    self._handle(self.conn.recv())  # idle until told
                    continue
                if self.sps and not self.single:
                    # slow motion: an interruptible wait (a command wakes it)
                    if self.conn.poll(1.0 / self.sps):
                        continue
                single_step = bool(self.single)
                self.single = max(0, self.single - 1)
                want_frame = single_step or self.sps is not None or frames.wants(now, self.step_seconds)
                try:
                    record = next(steps)
                except StopIteration:
                    break
                self._add(record)
                if isinstance(record, StepRecord):
                    self.step_seconds = time.perf_counter() - now
                    window_samples += record.samples_seen - (self.last_step.samples_seen if self.last_step else 0)
                    t = time.perf_counter()
                    if t - window_start >= 0.5:
                        self.rate = window_samples / (t - window_start)
                        window_start, window_samples = t, 0
                    self.last_step = _without_changes(record)
                    # the epoch's last step: the next ``next`` measures the epoch's network (20,000
                    # images; ~1.5 s for ``accurate``), so its frame goes now and says so
                    ends_epoch = isinstance(trainer, Trainer) and record.step % trainer.steps_per_epoch == 0
                    if want_frame or ends_epoch:
                        frames.sent(time.perf_counter())
                        state = "paused" if self.paused else "evaluating" if ends_epoch else "running"
                        self._send_frame(state, weights=True)
        except TrainingDivergedError as e:
            outcome, message = "failed", str(e)
            self._reset_changes()  # the optimizer's buffers hold the step that was not applied
        except (MemoryError, FloatingPointError, ValueError) as e:
            outcome, message = "failed", f"training failed: {type(e).__name__}: {e}"
            self._reset_changes()
        except EOFError:
            outcome = "stopped"
        finally:
            steps.close()
        self._send_frame(outcome, weights=True)
        self._close_slots()
        self.conn.send(("end", trainer.net, outcome, message, self.run_id))

    def _add(self, record: StepRecord | EpochRecord) -> None:
        if isinstance(record, EpochRecord):
            self.epochs.append(record)
            return
        self.samples.append(record.samples_seen)
        self.costs.append(record.cost)
        self.accs.append(record.accuracy)
        self.norms.append(record.grad_norms)
        if self.record:
            self.changes_step = record
            if self.accumulate:
                if self.acc is None:
                    self.acc = [c.copy() for c in self.trainer.last_changes]
                else:
                    for a, c in zip(self.acc, self.trainer.last_changes):
                        a += c

    def _params(self) -> list[np.ndarray]:
        return [*self.trainer.net.weights, *self.trainer.net.biases]

    def _close_slots(self) -> None:
        if self.slots is not None:
            self.slots.close()
        self.slots, self.free = None, set()

    def _send_frame(self, state: str, weights: bool) -> None:
        """The new steps' numbers; with ``weights``, the weights and changes in a free slot, if one is."""
        t = self.trainer
        n_layers = len(t.net.weights)
        slot = min(self.free) if weights and self.free else None
        changes_step, with_changes, accumulated = None, False, False
        if slot is not None:
            changes = None
            if self.changes_step is not None:
                changes_step = _without_changes(self.changes_step)
                accumulated = self.accumulate and self.acc is not None
                changes = self.acc if accumulated else self.trainer.last_changes
            self.slots.write(slot, self._params(), changes)
            self.free.discard(slot)
            with_changes = changes is not None
            self._reset_changes()  # else they wait (and keep adding up) for a frame with a slot
        self.owed = weights and slot is None and self.slots is not None
        frame = Frame(
            step_samples=np.asarray(self.samples, dtype=np.float64),
            step_costs=np.asarray(self.costs, dtype=np.float32),
            step_accuracies=np.asarray(self.accs, dtype=np.float32),
            grad_norms=np.asarray(self.norms, dtype=np.float32).reshape(-1, n_layers),
            epochs=self.epochs,
            last_step=self.last_step,
            changes_step=changes_step,
            weight_changes=None,  # the parent's reader fills in these four from the slot
            bias_changes=None,
            changes_accumulated=accumulated,
            weights=None,
            biases=None,
            step=t.step_count,
            total_steps=t.total_steps,
            samples_per_second=self.rate,
            samples_left=len(t.train_x) * t.config.epochs - t.samples_seen,
            state=state,
        )
        self.conn.send(("frame", frame, self.run_id, slot, with_changes))
        self._reset_pending()


def _with_arrays(frame: Frame, params: list[np.ndarray], changes: list[np.ndarray] | None) -> Frame:
    n = len(params) // 2
    return dataclasses.replace(
        frame, weights=tuple(params[:n]), biases=tuple(params[n:]),
        weight_changes=None if changes is None else tuple(changes[:n]),
        bias_changes=None if changes is None else tuple(changes[n:]))


def _without_changes(record: StepRecord) -> StepRecord:
    if record.weight_changes is None:
        return record
    return StepRecord(record.step, record.epoch, record.samples_seen, record.cost, record.accuracy,
                      record.learning_rate, record.grad_norms)
