"""Hover for the network view's parts: one ``describe`` gives the tooltip and the panel's hover line.

A part (the tile grid, the diagram) derives from ``HoverWidget``, turns on mouse tracking and
implements ``describe(pos) -> (text, neuron)``: the text for the tooltip and for the line under
the panel, and the (layer, j) of the neuron under the mouse, or None. It reports them through its
``hovered`` signal; the view shows the text and puts the neuron in the state, which has every
part frame it (``NetworkViewState.hover_neuron``). A left click on a neuron emits ``clicked``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, Qt, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QToolTip, QWidget


class HoverWidget(QWidget):
    """Tooltips and a ``hovered`` signal for a part that can ``describe(pos) -> (text, neuron)``."""

    hovered = Signal(str, object)  # the text under the mouse ("" for none), the (layer, j) there or None
    clicked = Signal(int, int)  # (layer, j) of a neuron clicked with the left button

    def describe(self, pos: QPoint) -> tuple[str, tuple[int, int] | None]:
        raise NotImplementedError

    def event(self, e: QEvent) -> bool:
        if e.type() == QEvent.Type.ToolTip:
            text, _ = self.describe(e.pos())
            if text:
                QToolTip.showText(e.globalPos(), text, self)
            else:
                QToolTip.hideText()
                e.ignore()
            return True
        return super().event(e)

    def mouseMoveEvent(self, e: QMouseEvent) -> None:
        self.hovered.emit(*self.describe(e.position().toPoint()))

    def mousePressEvent(self, e: QMouseEvent) -> None:
        _, neuron = self.describe(e.position().toPoint())
        if neuron is not None and e.button() == Qt.MouseButton.LeftButton:
            self.clicked.emit(*neuron)
        super().mousePressEvent(e)

    def leaveEvent(self, e: QEvent) -> None:
        self.hovered.emit("", None)
