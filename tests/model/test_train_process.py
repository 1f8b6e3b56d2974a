"""The trainer process from a script: frames come back, and no process outlives its parent."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from digitlab.model.config import TrainConfig
from digitlab.model.data import MNIST
from digitlab.model.network import Network
from digitlab.model.train_process import FRAME_SECONDS, RunRecipe, TrainerProcess, mnist_trainer
from tests.slow_trainers import slow_trainer


def _gone(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    with open(f"/proc/{pid}/stat") as f:
        return f.read().split(")")[-1].split()[0] == "Z"


def _small_run(mnist: MNIST, n_train: int, n_test: int, epochs: int) -> tuple[MNIST, TrainConfig, Network]:
    """A slice of MNIST, a 784-16-10 config at batch 10 for ``epochs``, and its new network."""
    small = MNIST(mnist.train_x[:n_train], mnist.train_y[:n_train], mnist.test_x[:n_test], mnist.test_y[:n_test])
    config = TrainConfig(layer_sizes=(784, 16, 10), batch_size=10, epochs=epochs, augment=False)
    return small, config, config.build_network()


def test_a_script_drives_a_run_and_reads_its_frames(mnist) -> None:
    small, config, net = _small_run(mnist, 500, 100, epochs=2)
    proc = TrainerProcess()
    try:
        proc.run(RunRecipe(mnist_trainer, net, {"net": net, "config": config}, data=small), record_changes=True)
        costs, changes, end = [], 0, None
        deadline = time.monotonic() + 30
        while end is None and time.monotonic() < deadline:
            time.sleep(0.02)
            if (frame := proc.take_frame()) is not None:
                costs.append(frame.step_costs)
                changes += frame.changes_step is not None and frame.weight_changes is not None
            end = proc.take_end()
        if (frame := proc.take_frame()) is not None:
            costs.append(frame.step_costs)
        assert end is not None and end.outcome == "finished"
        assert sum(map(len, costs)) == 100  # every step's cost, once
        assert changes > 0  # frames carried a recorded step's changes
        assert end.network.layer_sizes == (784, 16, 10) and not np.array_equal(end.network.weights[0], net.weights[0])
    finally:
        proc.shutdown()



def test_on_arrival_tells_once_per_take_then_of_the_end_and_of_a_death(mnist) -> None:
    import threading

    small, config, net = _small_run(mnist, 2000, 100, epochs=50)
    told = threading.Semaphore(0)
    count = [0]

    def on_arrival() -> None:  # on the reader thread
        count[0] += 1
        told.release()

    proc = TrainerProcess(on_arrival=on_arrival)
    try:
        proc.run(RunRecipe(mnist_trainer, net, {"net": net, "config": config}, data=small))
        assert told.acquire(timeout=30)  # the first frame came: told without anyone polling
        time.sleep(0.3)  # ~9 more frames come, merged: nothing was taken, so nobody is told again
        assert count[0] == 1
        assert proc.take_frame() is not None
        assert told.acquire(timeout=5) and count[0] == 2  # the next frame after a take is told again
        proc.take_frame()
        proc.stop()
        deadline = time.monotonic() + 10
        while (end := proc.take_end()) is None and time.monotonic() < deadline:
            assert told.acquire(timeout=5)  # frames, then the end, each told
            proc.take_frame()
        assert end is not None and end.outcome == "stopped"
        proc.run(RunRecipe(mnist_trainer, net, {"net": net, "config": config}, data=small))
        assert told.acquire(timeout=30)
        proc.pause()  # the paused run sends a last frame and then nothing
        proc.take_frame()
        while told.acquire(timeout=0.5):
            proc.take_frame()
        before = count[0]
        os.kill(proc.pid, signal.SIGKILL)
        assert told.acquire(timeout=10)  # the death is told too
        assert proc.died and count[0] == before + 1
    finally:
        proc.shutdown()



@pytest.mark.timing
def test_frames_come_at_the_frame_rate_when_steps_take_half_a_period(mnist) -> None:
    # sending with the first step a whole period after the last frame sent every third step here
    # (~22 frames a second); the frame clock sends with the step that ends nearest each due time
    small, config, net = _small_run(mnist, 2000, 10, epochs=1000)
    proc = TrainerProcess()
    try:
        proc.run(RunRecipe(slow_trainer, net, {"net": net, "config": config, "step_s": 0.015}, data=small))
        deadline = time.monotonic() + 10
        while proc.take_frame() is None and time.monotonic() < deadline:
            time.sleep(0.003)
        frames, start = 0, time.monotonic()
        while time.monotonic() - start < 3.0:  # taken as they come: none merged
            time.sleep(0.003)
            frames += proc.take_frame() is not None
        rate = frames / (time.monotonic() - start)
        assert 0.85 / FRAME_SECONDS <= rate <= 1.1 / FRAME_SECONDS
    finally:
        proc.shutdown()


_PARENT = r"""
import sys, time
from digitlab.model.config import TrainConfig
from digitlab.model.data import load_mnist, MNIST
from digitlab.model.train_process import RunRecipe, TrainerProcess, mnist_trainer
d = load_mnist()
small = MNIST(d.train_x[:500], d.train_y[:500], d.test_x[:100], d.test_y[:100])
config = TrainConfig(layer_sizes=(784, 16, 10), batch_size=10, epochs=100000, augment=False)
net = config.build_network()
proc = TrainerProcess()
proc.run(RunRecipe(mnist_trainer, net, {"net": net, "config": config}, data=small))
while proc.take_frame() is None:
    time.sleep(0.01)
print(proc.pid, flush=True)
time.sleep(60)
"""


def test_no_trainer_process_outlives_a_killed_parent() -> None:
    parent = subprocess.Popen([sys.executable, "-c", _PARENT], stdout=subprocess.PIPE, text=True)
    try:
        child = int(parent.stdout.readline())
        assert not _gone(child)  # training
        parent.send_signal(signal.SIGKILL)
        parent.wait(5)
        deadline = time.monotonic() + 5
        while not _gone(child) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _gone(child)
    finally:
        parent.kill()
        parent.stdout.close()



def test_the_epoch_s_last_step_sends_a_frame_saying_its_network_is_being_measured(mnist) -> None:
    small, config, net = _small_run(mnist, 500, 50, epochs=2)  # 50 steps an epoch
    proc = TrainerProcess()
    try:
        proc.run(RunRecipe(slow_trainer, net, {"net": net, "config": config, "evaluate_s": 0.3}, data=small))
        seen = []  # (state, last step, epochs finished so far)
        epochs, end = 0, None
        deadline = time.monotonic() + 30
        while end is None and time.monotonic() < deadline:
            time.sleep(0.01)
            if (frame := proc.take_frame()) is not None:
                epochs += len(frame.epochs)
                seen.append((frame.state, frame.last_step.step if frame.last_step else None, epochs))
            end = proc.take_end()
        assert end is not None and end.outcome == "finished"
        evaluating = [s for s in seen if s[0] == "evaluating"]
        # each epoch's end: its last step's frame, sent before the measuring (the epoch not yet in)
        assert evaluating == [("evaluating", 50, 0), ("evaluating", 100, 1)], seen
    finally:
        proc.shutdown()
