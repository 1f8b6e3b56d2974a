"""The pen's answer is painted in the pass that reads the drawing, ahead of the other views."""

from __future__ import annotations

import sys

from PySide6.QtCore import QEvent, QObject

from digitlab.gui.drawing.recognition import Recognition
from tests.gui.test_main_window import draw

MNIST_SUBSET = (500, 200)  # training and test images (tests/gui/conftest.py)


def _inside_a_reading() -> bool:
    frame = sys._getframe()
    while frame is not None:
        if frame.f_code is Recognition.update.__code__:
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
            self.paints.append((_inside_a_reading(), self.prediction.predicted_digit))
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
