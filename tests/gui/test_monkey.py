"""A short monkey run on the real window (issue #10): a few hundred seeded random user actions,
including bad files, odd field values, training and sample edits, must meet no uncaught
exception, no generic error box and lose no sample. Long runs: ``python -m benchmarks.monkey``."""

from __future__ import annotations

import os

import numpy as np
import pytest

from benchmarks.monkey import Monkey, make_files
from digitlab.gui.app import create_window

MNIST_SUBSET = (2_000, 300)  # training and test images (tests/gui/conftest.py)


@pytest.mark.parametrize("seed", [11])
def test_a_few_hundred_random_actions_find_nothing(qtbot, tmp_path, small_mnist, seed: int) -> None:
    files = make_files(tmp_path / "files")
    w = create_window(data_dir=tmp_path / "data", mnist_loader=lambda: small_mnist)  # not qtbot's: restarts delete it
    with qtbot.waitExposed(w):
        w.show()

    def restart():  # the app closed and started again on the same data folder
        return create_window(data_dir=tmp_path / "data", mnist_loader=lambda: small_mnist)

    monkey = Monkey(w, files, seed, make_window=restart)
    monkey._actions.append(("restart", 1, monkey.restart))  # at least a few restarts in a short run
    report = monkey.run(400)
    monkey.w.close()
    assert report.actions == 400
    assert not report.findings, report.summary()
    assert sum(report.boxes.values()) > 0  # it did meet bad files and odd values, and they were said


def test_the_monkey_finds_a_planted_bug_and_a_lost_sample(qtbot, tmp_path, small_mnist, monkeypatch) -> None:
    files = make_files(tmp_path / "files")
    w = create_window(data_dir=tmp_path / "data", mnist_loader=lambda: small_mnist)
    qtbot.addWidget(w)
    with qtbot.waitExposed(w):
        w.show()

    def broken_clear() -> None:
        raise RuntimeError("planted")

    monkeypatch.setattr(w.canvas, "clear", broken_clear)  # Esc, Delete, the Clear button, a kept drawing
    for i in range(3):
        w.store.add(i, np.zeros((28, 28), np.float32))
    real_refresh, real_unlink, lost = w.samples.refresh, os.unlink, []

    def refresh_and_lose() -> None:  # a refresh that silently loses a sample, once
        if not lost and len(w.store):
            victim = w.store.all()[0]
            real_unlink(w.store.folder / f"{victim.id}.npz")
            del w.store._samples[victim.id]
            w.store._sorted = None
            lost.append(victim)
        real_refresh()

    monkeypatch.setattr(w.samples, "refresh", refresh_and_lose)
    report = Monkey(w, files, 5).run(300)
    w.close()
    found = {f.what for f in report.findings}
    assert "uncaught exception" in found and "sample lost" in found, report.summary()
