"""The pen's answer is painted in the pass that reads the drawing, ahead of the other views; a
training frame's new weights reach the bars in a pass of their own."""

from __future__ import annotations

import sys

import numpy as np
from PySide6.QtCore import QEvent, QObject

from digitlab.gui.drawing.recognition import Recognition
from digitlab.gui.training.session import TrainingSession
from tests.gui.test_main_window import draw

MNIST_SUBSET = (500, 200)  # training and test images (tests/gui/conftest.py)


def _inside(function) -> bool:
    """Whether this call comes from inside a call of ``function``."""
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code is function.__code__:
            return True
        frame = frame.f_back
    return False


class _PaintLog(QObject):
    """Per paint of the widget it filters: whether it came inside a reading of the drawing, and
    the answer shown."""

    def __init__(self, prediction) -> None:
        super().__init__()
        self.prediction, self.paints = prediction, []

    def eventFilter(self, obj, event) -> bool:
        if event.type() == QEvent.Type.Paint:
            self.paints.append((_inside(Recognition.update), self.prediction.predicted_digit))
        return False


def test_the_bars_are_painted_in_the_pass_that_reads_the_drawing(qtbot, window) -> None:
    # not in the window's next paint pass, which also paints the curves and the network view while
    # a network trains: the answer to a pen move is on screen as soon as it is known
    log = _PaintLog(window.prediction)
    window.prediction.bars.installEventFilter(log)
    draw(qtbot, window.canvas, [(0.5, 0.15), (0.5, 0.85)])  # a "1"
    qtbot.waitUntil(lambda: window.recognition.input is not None)
    inside = [digit for within, digit in log.paints if within]
    assert inside and inside[-1] == window.prediction.predicted_digit is not None


def test_a_training_frame_reaches_the_bars_in_a_pass_of_its_own(qtbot, window, monkeypatch) -> None:
    # the frame's handler adds the new steps to the curves; the drawing's forward pass through the
    # new weights waits for the next pass, so that no pass of the event loop carries both
    draw(qtbot, window.canvas, [(0.5, 0.15), (0.5, 0.85)])  # a "1"
    qtbot.waitUntil(lambda: window.recognition.input is not None)
    readings = []  # per reading of the drawing for the bars: inside a frame's handler?
    show = Recognition._show

    def logged(self, new_input: bool) -> None:
        readings.append((_inside(TrainingSession._on_frame), [w.copy() for w in window.network.weights[:1]]))
        show(self, new_input)

    monkeypatch.setattr(Recognition, "_show", logged)
    window.training.set_config(window.training.config().replace(epochs=50), preset="custom")
    window.toggle_training()
    qtbot.waitUntil(lambda: len(readings) >= 5, timeout=10_000)
    window.session.stop()
    qtbot.waitUntil(lambda: not window.session.active, timeout=5000)
    assert not any(within for within, _ in readings[:5])
    # and they do follow the learning network: its weights differ from one reading to a later one
    assert not np.array_equal(readings[0][1][0], readings[4][1][0])
