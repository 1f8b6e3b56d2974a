"""Closing the window while a long training step runs (issue #10, case 10): the close neither
aborts nor waits for the step, and the network it keeps is a whole one, never one being written."""

from __future__ import annotations

import os
import time

import numpy as np

from digitlab.gui.app import create_window
from digitlab.model.store import load

MNIST_SUBSET = (3_000, 200)  # training and test images (tests/gui/conftest.py)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie is gone for our purposes
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return True


def test_closing_during_a_long_step_ends_quickly_and_keeps_a_whole_network(qtbot, tmp_path, small_mnist, capfd):
    # 784-4096-4096-10 (the widest allowed) with a batch of the whole (small) training set: one step
    # takes seconds (an AVX-512 core finished a step of 784-2000-2000-10 within the wait)
    w = create_window(data_dir=tmp_path, mnist_loader=lambda: small_mnist)
    qtbot.addWidget(w)
    w.show()
    w.training.set_config(w.training.config().replace(layer_sizes=(784, 4096, 4096, 10), activation="relu",
                                                       cost="cross_entropy", optimizer="adam", learning_rate=1e-3,
                                                       batch_size=3000, epochs=5, augment=False), preset="custom")
    w.toggle_training()
    assert w.session.active
    start = [a.copy() for a in w.network.weights]  # the run starts from this network
    qtbot.wait(1500)  # the first step is under way
    pid = w.session.trainer_pid
    assert pid is not None and w.plots.n_steps == 0  # not one step finished
    t = time.perf_counter()
    w.close()
    assert time.perf_counter() - t < 3  # not the step's end: the trainer is stopped
    assert not _alive(pid)
    kept = load(tmp_path / "last_model.npz")  # the network autosaved on close: a whole one
    assert kept.layer_sizes == (784, 4096, 4096, 10)
    assert all(np.array_equal(a, b) for a, b in zip(kept.weights, start))
    assert "Destroyed while thread" not in capfd.readouterr().err
