"""The drawing panel: the canvas with its tools (pen width, eraser, undo, clear)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Slot
from PySide6.QtGui import QAction, QPalette
from PySide6.QtWidgets import QLabel, QSlider, QToolButton, QVBoxLayout, QWidget

from digitlab.gui.appearance.flow_layout import FlowLayout
from digitlab.gui.drawing.canvas import DEFAULT_PEN_WIDTH, Canvas


class DrawPanel(QWidget):
    """A canvas and a row of tools under it; the actions come from the window (menus, shortcuts)."""

    def __init__(self, actions: dict[str, QAction], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.canvas = Canvas()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        hint = QLabel("Draw a digit: left button draws, right button erases. "
                      "Press its digit key to keep it as your sample.")
        hint.setWordWrap(True)
        hint.setObjectName("drawHint")
        hint.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # the theme keeps it >= 4.5:1
        layout.addWidget(hint)
        layout.addWidget(self.canvas, 1)

        tools = FlowLayout()  # wraps under a narrow canvas instead of widening the window
        for key in ("clear", "undo", "eraser"):
            button = QToolButton(objectName=key)
            button.setDefaultAction(actions[key])
            tools.addWidget(button)
        self.pen_width = QSlider(Qt.Orientation.Horizontal, objectName="penWidth")
        self.pen_width.setRange(6, 48)
        self.pen_width.setValue(int(DEFAULT_PEN_WIDTH))
        self.pen_width.setMinimumWidth(90)
        self.pen_width.setToolTip(f"Pen width in canvas pixels (default {DEFAULT_PEN_WIDTH:g}: after scaling "
                                  "to 20x20 this matches the stroke thickness of MNIST's digits)")
        self.pen_width.valueChanged.connect(self._on_width)
        pen_label = QLabel("Pen", toolTip=self.pen_width.toolTip())
        tools.addWidget(pen_label)
        tools.addWidget(self.pen_width, 1)
        layout.addLayout(tools)

    @Slot(int)
    def _on_width(self, width: int) -> None:
        self.canvas.set_pen_width(float(width))
