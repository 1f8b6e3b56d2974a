"""Hover for the network view's children: one ``describe`` gives the tooltip and the panel's hover line.

A child (the tile grid, the diagram) lists ``_Hoverable`` before ``QWidget`` among its bases, keeps
its view in ``self._view``, turns on mouse tracking and implements ``describe(pos) -> (text,
neuron)``: the text for the tooltip and for the line under the panel, and the (layer, j) of the
neuron under the mouse, or None. The view frames that neuron in both children (``set_hover``); a
left click on it emits the view's ``neuron_clicked(layer, j)``.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QToolTip


class _Hoverable:
    """Tooltips and the view's hover line for a child that can ``describe(pos) -> (text, neuron)``."""

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
        self._view.set_hover(*self.describe(e.position().toPoint()))

    def mousePressEvent(self, e: QMouseEvent) -> None:
        _, neuron = self.describe(e.position().toPoint())
        if neuron is not None and e.button() == Qt.MouseButton.LeftButton:
            self._view.neuron_clicked.emit(*neuron)
        super().mousePressEvent(e)

    def leaveEvent(self, e: QEvent) -> None:
        self._view.set_hover("", None)
