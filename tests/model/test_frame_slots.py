"""The frames' shared memory: slots hold copies, a held slot is never written, nothing is left behind."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pytest

from digitlab.model.config import TrainConfig
from digitlab.model.data import MNIST
from digitlab.model.frame_slots import SLOTS, FrameSlots
from digitlab.model.train_process import RunRecipe, TrainerProcess, mnist_trainer

SHM = Path("/dev/shm")
needs_dev_shm = pytest.mark.skipif(not SHM.is_dir(), reason="POSIX shared memory shows in /dev/shm on Linux")


def _exists(name: str) -> bool:
    return (SHM / name.lstrip("/")).exists()


def test_a_slot_round_trips_parameters_and_changes_and_the_reader_gets_copies() -> None:
    params = [np.arange(12, dtype=np.float32).reshape(3, 4), np.ones(3, np.float32)]
    changes = [-p for p in params]
    slots = FrameSlots.for_params(params)
    child = FrameSlots(*slots.spec)  # as the child attaches
    try:
        assert slots.fits(params) and not slots.fits([params[0].astype(np.float64), params[1]])
        child.write(1, params, changes)
        got, got_changes = slots.read(1, changes=True)
        for a, b in zip(got + got_changes, params + changes):
            np.testing.assert_array_equal(a, b)
        child.write(1, [p + 100 for p in params])  # the slot reused: what was read stays
        np.testing.assert_array_equal(got[0], params[0])
        assert slots.read(0, changes=False)[1] is None
    finally:
        child.close()
        slots.unlink()


@needs_dev_shm
def test_unlink_removes_the_blocks() -> None:
    slots = FrameSlots([(4, 3)], np.float32)
    names = slots.names
    assert len(names) == SLOTS and all(map(_exists, names))
    slots.unlink()
    slots.unlink()  # twice is harmless
    assert not any(map(_exists, names))


class _Holding(TrainerProcess):
    """A parent that reads slots but hands none back: what it read must never change under it."""

    def __init__(self) -> None:
        super().__init__()
        self.held: dict[int, list[np.ndarray]] = {}

    def _read_slot(self, run_id, slot, with_changes):
        with self._slots_lock:
            arrays = self._slots.read(slot, with_changes)
            self.held[slot] = arrays[0]
        return arrays

    def held_slot_unchanged(self, slot: int) -> bool:
        with self._slots_lock:
            now, _ = self._slots.read(slot, False)
        return all(np.array_equal(a, b) for a, b in zip(now, self.held[slot]))


def _recipe(mnist, epochs: int = 100000) -> RunRecipe:
    small = MNIST(mnist.train_x[:500], mnist.train_y[:500], mnist.test_x[:100], mnist.test_y[:100])
    config = TrainConfig(layer_sizes=(784, 16, 10), batch_size=10, epochs=epochs, augment=False)
    net = config.build_network()
    return RunRecipe(mnist_trainer, net, {"net": net, "config": config}, data=small)


def _frames_until(proc: TrainerProcess, enough, seconds: float = 20) -> list:
    frames, deadline = [], time.monotonic() + seconds
    while time.monotonic() < deadline and not enough(frames):
        time.sleep(0.01)
        if (frame := proc.take_frame()) is not None:
            frames.append(frame)
    return frames


def test_with_every_slot_held_frames_come_without_arrays_and_no_held_slot_is_written(mnist) -> None:
    proc = _Holding()
    try:
        proc.run(_recipe(mnist), record_changes=True)
        frames = _frames_until(proc, lambda fs: sum(len(f.step_costs) for f in fs) > 2000)
        assert sum(len(f.step_costs) for f in frames) > 2000  # training went on, never waiting for a slot
        assert sorted(proc.held) == list(range(SLOTS))  # each slot carried one frame, then no more
        assert sum(f.weights is not None for f in frames) <= SLOTS
        assert frames[-1].weights is None and frames[-1].weight_changes is None
        assert all(proc.held_slot_unchanged(slot) for slot in range(SLOTS))
        before = proc.held[1]
        proc._send(("release", 1))  # one handed back: the next frame carries weights again, in it
        got = _frames_until(proc, lambda fs: any(f.weights is not None for f in fs))
        assert any(f.weights is not None for f in got)
        assert not np.array_equal(proc.held[1][0], before[0])  # newer weights, in slot 1
        assert proc.held_slot_unchanged(0) and proc.held_slot_unchanged(2)
    finally:
        proc.shutdown()


@needs_dev_shm
def test_the_shared_memory_is_unlinked_after_a_run_ends_after_shutdown_and_after_the_child_is_killed(mnist) -> None:
    proc = TrainerProcess()
    try:
        proc.run(_recipe(mnist, epochs=1))  # ends by itself
        names = proc._slots.names
        assert all(map(_exists, names))
        deadline = time.monotonic() + 30
        while proc.take_end() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not any(map(_exists, names))

        proc.run(_recipe(mnist))
        names = proc._slots.names
        _frames_until(proc, lambda fs: len(fs) > 0)
        os.kill(proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 5
        while not proc.died and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.died and not any(map(_exists, names))

        proc.run(_recipe(mnist))  # a new child
        names = proc._slots.names
        _frames_until(proc, lambda fs: len(fs) > 0)
    finally:
        proc.shutdown()
    assert not any(map(_exists, names))


def test_one_step_at_a_time_each_frame_carries_that_steps_changes(mnist) -> None:
    proc = TrainerProcess()
    try:
        proc.run(_recipe(mnist), start_paused=True, record_changes=True)
        shown = []
        for _ in range(2):
            proc.step_once()
            frames = _frames_until(proc, lambda fs: any(f.weight_changes is not None for f in fs))
            frame = next(f for f in frames if f.weight_changes is not None)
            shown.append(frame)
        first, second = shown
        assert (first.changes_step.step, second.changes_step.step) == (1, 2)  # exactly one step each
        for w1, w2, dw in zip(first.weights, second.weights, second.weight_changes):
            np.testing.assert_allclose(w2 - w1, dw, atol=1e-6)
    finally:
        proc.shutdown()
