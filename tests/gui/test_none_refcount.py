"""Regression: PySide6-Essentials 6.12.0 on CPython 3.11 drops a reference to None on every void
Qt call (QPainter.drawLine, QWidget.update, ...), and the interpreter aborts in none_dealloc after a
few thousand calls; pyproject.toml pins PySide6 < 6.12 below Python 3.12 for this. The canvas makes
such calls on every mouse move, so a bad build must fail here, not in a user's hands.

On 3.12+ None is immortal and getrefcount(None) is a large constant, so the check holds trivially.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QImage, QPainter, QPen

from digitlab.gui.drawing.canvas import Canvas

CALLS = 20_000
MARGIN = 200  # None's count drifts a little with unrelated allocations; the bug drops ~CALLS


def test_void_qt_calls_keep_none_alive(qtbot):
    canvas = Canvas()
    qtbot.addWidget(canvas)
    image = QImage(64, 64, QImage.Format.Format_Grayscale8)
    pen = QPen(Qt.GlobalColor.white, 3.0)
    a, b = QPointF(1.0, 1.0), QPointF(60.0, 40.0)

    before = sys.getrefcount(None)
    painter = QPainter(image)
    try:
        painter.setPen(pen)
        for _ in range(CALLS // 2):
            painter.drawLine(a, b)  # void
            canvas.update()  # void
    finally:
        painter.end()
    after = sys.getrefcount(None)

    assert abs(after - before) < MARGIN, f"None refcount went {before} -> {after}"
