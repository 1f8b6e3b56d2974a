"""The window on small screens: its minimum size fits 1280 x 720 and no label or button is cut off
there or at 1366 x 768, in any tab, before and after a drawing, a kept sample and a step-through."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QApplication, QLabel, QPushButton, QVBoxLayout, QWidget

from tools.layout_check import clipped_texts

SCREENS = [(1280, 720), (1366, 768)]


MNIST_SUBSET = (500, 200)  # training and test images (tests/gui/conftest.py)



def settle(qtbot, w, size: tuple[int, int] | None = None) -> None:
    if size is not None:
        w.resize(*size)
        qtbot.wait(30)
        w.window_layout.share_space()
    for _ in range(3):
        qtbot.wait(20)
        QApplication.processEvents()


def draw_one(qtbot, canvas) -> None:
    side = min(canvas.width(), canvas.height())
    x0, y0 = (canvas.width() - side) // 2, (canvas.height() - side) // 2
    qtbot.mousePress(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x0 + side // 2, y0 + side // 6))
    for t in np.linspace(0, 1, 8)[1:]:
        qtbot.mouseMove(canvas, QPoint(x0 + side // 2, int(y0 + side * (1 / 6 + 2 / 3 * t))))
    qtbot.mouseRelease(canvas, Qt.MouseButton.LeftButton, pos=QPoint(x0 + side // 2, y0 + 5 * side // 6))


def every_tab_clipped(qtbot, w) -> list[str]:
    """What is cut off with each dock of each tab group in front."""
    problems = []
    for front in (("curves", "training"), ("stepThrough", "samples")):
        for name in front:
            w.docks[name].raise_()
        settle(qtbot, w)
        problems += [f"{front}: {p}" for p in clipped_texts(w)]
    w.docks["curves"].raise_()
    w.docks["training"].raise_()
    return problems


def test_the_window_can_be_as_small_as_1280x720_with_every_dock(qtbot, window) -> None:
    assert all(d.isVisible() for d in window.docks.values())
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint
    draw_one(qtbot, window.canvas)
    qtbot.waitUntil(lambda: window.prediction.predicted_digit is not None)
    window.teacher.label_drawing(1)  # a kept sample used to widen the window to 1,663 px
    settle(qtbot, window)
    hint = window.minimumSizeHint()
    assert hint.width() <= 1280 and hint.height() <= 720, hint


def test_presentation_mode_at_125_percent_still_fits_a_1366x768_projector(qtbot, window) -> None:
    window.appearance.set_level(1.25)
    try:
        settle(qtbot, window, (1366, 768))
        hint = window.minimumSizeHint()
        assert hint.width() <= 1366 and hint.height() <= 768, hint
        assert (window.width(), window.height()) == (1366, 768)
        assert every_tab_clipped(qtbot, window) == []
    finally:
        window.appearance.set_level(1.0)


@pytest.mark.parametrize("size", SCREENS)
def test_no_text_is_cut_off_on_a_small_screen(qtbot, window, size) -> None:
    settle(qtbot, window, size)
    assert (window.width(), window.height()) == size
    assert every_tab_clipped(qtbot, window) == []

    draw_one(qtbot, window.canvas)  # the answer, its bars' values and the label buttons
    qtbot.waitUntil(lambda: window.prediction.predicted_digit is not None)
    settle(qtbot, window)
    assert every_tab_clipped(qtbot, window) == []

    window.teacher.label_drawing(1)  # a kept sample and its gallery
    draw_one(qtbot, window.canvas)
    qtbot.waitUntil(lambda: window.prediction.predicted_digit is not None)
    window.docks["stepThrough"].raise_()
    panel = window.step_through
    panel.set_example(window.recognition.input, 1)
    panel.start()
    for _ in range(3):  # the gradient stage: the longest sentences and the tables
        panel.next_stage()
    panel.check_maths()
    settle(qtbot, window)
    assert clipped_texts(window) == []
    panel.finish()


def test_reset_layout_brings_every_dock_back(qtbot, window) -> None:
    settle(qtbot, window, (1366, 768))
    window.docks["network"].hide()
    window.docks["samples"].setFloating(True)
    window.docks["curves"].hide()
    window.window_layout.reset()
    settle(qtbot, window)
    assert all(d.isVisible() and not d.isFloating() for d in window.docks.values())
    assert window.tabifiedDockWidgets(window.docks["training"]) == [window.docks["samples"]]
    bottom = [window.docks[n] for n in ("stepThrough", "evaluation", "history")]
    assert window.tabifiedDockWidgets(window.docks["curves"]) == bottom  # the four tabs under the canvas again
    assert clipped_texts(window) == []


def test_the_check_sees_a_cut_label_and_a_cut_button(qtbot) -> None:
    top = QWidget()
    qtbot.addWidget(top)
    column = QVBoxLayout(top)
    label = QLabel("A sentence far too long for the forty pixels it is given")
    wrapped = QLabel("A wrapped sentence that needs many lines in forty pixels", wordWrap=True)
    button = QPushButton("Next ▶")
    for w in (label, wrapped, button):
        w.setFixedSize(40, 20)
        column.addWidget(w)
    with qtbot.waitExposed(top):
        top.show()
    found = clipped_texts(top)
    assert len(found) == 3, found


def test_at_150_percent_scaling_a_1920x1080_screen_shows_everything(tmp_path) -> None:
    """A child process with QT_SCALE_FACTOR=1.5: 1280 x 720 logical pixels, 1920 x 1080 on the screen."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    code = f"""
import sys
from PySide6.QtWidgets import QApplication
app = QApplication([])
from digitlab.gui.app import create_window
from tools.layout_check import clipped_texts
w = create_window(data_dir={str(tmp_path)!r})
w.show()
w.resize(1280, 720)
for _ in range(20):
    app.processEvents()
w.window_layout.share_space()
for _ in range(20):
    app.processEvents()
image = w.grab()
print(w.devicePixelRatioF(), image.width(), image.height(), w.width(), w.height())
print(clipped_texts(w))
"""
    env = dict(os.environ, QT_SCALE_FACTOR="1.5", QT_QPA_PLATFORM="offscreen")
    root = Path(__file__).resolve().parents[2]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    sizes, clipped = out.stdout.strip().splitlines()[-2:]
    assert sizes.split() == ["1.5", "1920", "1080", "1280", "720"]
    assert clipped == "[]"


def test_a_first_launch_opens_each_tab_group_on_its_main_panel(qtbot, window) -> None:
    # a learner who presses Train sees the learning curves, not the step-through behind them
    settle(qtbot, window)
    in_front = [name for name, dock in window.docks.items() if not dock.visibleRegion().isEmpty()]
    assert {"curves", "training", "network"} <= set(in_front)
    assert not {"stepThrough", "evaluation", "history", "samples"} & set(in_front)


@pytest.mark.parametrize("size", [(1280, 720), (1366, 768)])
def test_the_curves_label_their_shared_x_axis_alike(qtbot, window, size) -> None:
    # side by side, the three plots differ by a px or two in width: each picking its own ticks,
    # at 1280 x 720 the cost plot showed "500" and the accuracy plot beside it "250 500 750"
    from tests.gui.training.test_plot_runs import tick_labels

    settle(qtbot, window, size)
    plots = window.plots
    for x_range in [(0, 1_000), (0, 512_000), (0, 4_096_000)]:
        plots.cost_plot.setXRange(*x_range, padding=0)
        labels = [[text for *_, text in tick_labels(plot.getAxis("bottom"))]
                  for plot in (plots.cost_plot, plots.accuracy_plot, plots.grad_plot)]
        assert labels[0] and labels[0] == labels[1] == labels[2], (x_range, labels)
